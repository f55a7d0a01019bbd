//! Photos: tus uploads, processing under hard limits, blob storage, and the evidence projections.

pub mod blobs;
pub mod evidence;
pub mod flags;
pub mod geo;
pub mod process;
pub mod uploads;

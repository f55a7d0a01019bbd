//! Received photos, served without metadata.

pub mod image;

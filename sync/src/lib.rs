//! hezuo's document model and sans-IO sync engine. No actix, no diesel, no tokio: it must also build for
//! `wasm32-unknown-unknown` so a browser client can reuse it.
//!
//! - [`model`]: the typed cooperative document (autosurgeon) and the visit form.
//! - [`ids`]: automerge actor ids assigned to devices, automerge-repo document ids.

pub mod conflicts;
pub mod document;
pub mod engine;
pub mod history;
pub mod ids;
pub mod model;
pub mod photo;
pub mod reading;
pub mod server_edit;
pub mod trust;

pub use ids::{ActorId, DocumentId};

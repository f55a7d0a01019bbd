//! hezuo's document model and sans-IO sync engine. No actix, no diesel, no tokio: it must also build for
//! `wasm32-unknown-unknown` so a browser client can reuse it.
//!
//! So far it holds the identifiers both ends agree on: automerge actor ids assigned to devices and the
//! automerge-repo compatible document ids of cooperative documents.

pub mod ids;

pub use ids::{ActorId, DocumentId};

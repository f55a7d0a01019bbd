//! Cooperative documents on the server: storage (snapshot, incremental chunks, compaction), an in-memory cache with a
//! memory budget, the relational projections rebuilt after each accepted merge, and the batch sync service that puts
//! every incoming change through the trust boundary.

pub mod cache;
pub mod decisions;
pub mod feed;
pub mod projection;
pub mod repo_protocol;
pub mod server_write;
pub mod service;
pub mod store;

/// The configured rules that merges apply: evidence thresholds for photo flags, and the review levels.
#[derive(Debug, Clone)]
pub struct Rules {
    pub evidence: crate::photos::flags::Thresholds,
    pub review_levels: crate::review::levels::ReviewLevels,
    /// The largest a cooperative's stored document may grow (`max_document_bytes`).
    pub max_document_bytes: usize,
}

//! Cooperative documents on the server: storage (snapshot, incremental chunks, compaction), an in-memory cache with a
//! memory budget, the relational projections rebuilt after each accepted merge, the one commit path every change takes,
//! and the batch sync service that puts every incoming change through the trust boundary.

pub mod batch_plan;
pub mod cache;
pub mod commit;
pub mod decisions;
pub mod feed;
pub mod first_replies;
pub mod intake;
pub mod peers;
pub mod projection;
pub mod repo_protocol;
pub mod service;
pub mod store;

use std::sync::Arc;

use cache::DocCache;

pub use commit::{CommitHooks, Via};

/// The configured rules that merges apply.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Evidence thresholds for photo flags.
    pub evidence: crate::photos::flags::Thresholds,
    /// The largest a cooperative's stored document may grow (`max_document_bytes`).
    pub max_document_bytes: usize,
}

/// The documents handle: the cache, the change feed, the rules and the commit hooks every write shares.
pub struct Documents {
    pub cache: Arc<DocCache>,
    pub feed: feed::ChangeFeed,
    pub rules: Rules,
    /// First replies to new readers, kept per document version.
    pub first_replies: first_replies::FirstReplies,
    /// The peers joined over WebSocket, one connection each.
    pub peers: peers::Peers,
    hooks: Arc<dyn CommitHooks>,
}

impl Documents {
    pub fn new(
        cache: Arc<DocCache>,
        feed: feed::ChangeFeed,
        rules: Rules,
        hooks: Arc<dyn CommitHooks>,
    ) -> Self {
        Self {
            cache,
            feed,
            rules,
            first_replies: Default::default(),
            peers: Default::default(),
            hooks,
        }
    }
}

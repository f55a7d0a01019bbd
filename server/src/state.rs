//! What every handler shares.

use crate::auth::password::PasswordHasher;
use crate::auth::rate_limit::LoginRateLimiter;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::db::{Db, Pool};
use crate::documents::cache::DocCache;
use crate::documents::feed::ChangeFeed;
use crate::documents::{Documents, Rules};
use crate::evidence::Followers;
use crate::metrics::Metrics;
use crate::photos::blobs::Blobs;
use crate::photos::flags::Thresholds;
use crate::review::levels::ReviewLevels;

pub struct AppState {
    pub config: Config,
    pub db: Db,
    pub tokens: TokenKeys,
    pub passwords: PasswordHasher,
    pub login_limiter: LoginRateLimiter,
    pub metrics: Metrics,
    /// The documents: cache, change feed, rules and the one commit path.
    pub documents: Documents,
    /// The configured review levels.
    pub review_levels: ReviewLevels,
    pub blobs: Blobs,
    /// Photos being decoded at once; bounds the memory decoding takes.
    pub photo_decoding: tokio::sync::Semaphore,
    /// Memory for sync bodies and messages in flight.
    pub sync_intake: crate::documents::intake::SyncIntake,
}

impl AppState {
    pub fn new(config: Config, pool: Pool) -> anyhow::Result<Self> {
        let secret = config.resolve_jwt_secret()?;
        let review_levels = ReviewLevels::parse(&config.review_levels)
            .map_err(|e| anyhow::anyhow!("HEZUO_REVIEW_LEVELS: {e}"))?;
        let documents = Documents::new(
            std::sync::Arc::new(DocCache::new(config.document_cache_mb * 1024 * 1024)),
            ChangeFeed::new(),
            Rules {
                evidence: Thresholds::from_config(&config),
                max_document_bytes: config.max_document_bytes,
            },
            std::sync::Arc::new(Followers {
                review_levels: review_levels.clone(),
            }),
        );
        Ok(Self {
            tokens: TokenKeys::new(&secret, config.access_token_ttl_secs),
            passwords: PasswordHasher::new(config.argon2_memory_kib, config.argon2_iterations)?,
            login_limiter: LoginRateLimiter::new(config.login_rate_limit_per_minute),
            metrics: Metrics::new(pool.clone()),
            documents,
            review_levels,
            blobs: Blobs::from_config(&config)?,
            photo_decoding: tokio::sync::Semaphore::new(config.photo_decode_concurrency),
            sync_intake: crate::documents::intake::SyncIntake::new(
                config.max_sync_bytes,
                config.sync_memory_mb * 1024 * 1024,
            ),
            db: Db::new(pool),
            config,
        })
    }

    pub fn refresh_ttl(&self) -> chrono::Duration {
        chrono::Duration::days(self.config.refresh_token_ttl_days as i64)
    }
}

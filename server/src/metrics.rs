//! Prometheus metrics, served in the text exposition format at `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::db::Pool;
use crate::documents::cache::Usage as CacheUsage;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    /// The matched route pattern (`/api/v1/cooperatives/{id}`), never the raw path, to keep cardinality bounded.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SyncLabels {
    pub transport: &'static str,
    pub outcome: String,
}

/// How a document reached the server.
#[derive(Clone, Copy, Debug)]
pub enum Transport {
    Http,
    WebSocket,
}

impl Transport {
    fn label(self) -> &'static str {
        match self {
            Transport::Http => "http",
            Transport::WebSocket => "websocket",
        }
    }
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<RequestLabels, Counter>,
    pub http_duration: HistogramFamily,
    pub logins: Family<OutcomeLabels, Counter>,
    sync_documents: Family<SyncLabels, Counter>,
    document_cache_documents: Gauge,
    document_cache_bytes: Gauge,
    document_cache_lookups: Family<OutcomeLabels, Counter>,
    db_connections: Gauge,
    db_idle_connections: Gauge,
    pool: Pool,
}

fn latency_histogram() -> Histogram {
    // 2 ms to ~8 s: covers a local read as well as a slow import on a busy machine.
    Histogram::new(exponential_buckets(0.002, 2.0, 13))
}

impl Metrics {
    pub fn new(pool: Pool) -> Self {
        let mut registry = Registry::with_prefix("hezuo");
        let http_requests = Family::<RequestLabels, Counter>::default();
        let http_duration: HistogramFamily = Family::new_with_constructor(latency_histogram);
        let logins = Family::<OutcomeLabels, Counter>::default();
        let sync_documents = Family::<SyncLabels, Counter>::default();
        let document_cache_documents = Gauge::default();
        let document_cache_bytes = Gauge::default();
        let document_cache_lookups = Family::<OutcomeLabels, Counter>::default();
        let db_connections = Gauge::default();
        let db_idle_connections = Gauge::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route",
            http_duration.clone(),
        );
        registry.register("logins", "Login attempts by outcome", logins.clone());
        registry.register(
            "sync_documents",
            "Documents handled by sync, by transport and outcome (stored: the device's changes were stored; \
             in_step: nothing new from it; sent: the server sent what it lacked; otherwise the per-document error code)",
            sync_documents.clone(),
        );
        registry.register(
            "document_cache_documents",
            "Cooperative documents held in memory",
            document_cache_documents.clone(),
        );
        registry.register(
            "document_cache_bytes",
            "Heap bytes the cached documents hold, as measured when each was built",
            document_cache_bytes.clone(),
        );
        registry.register(
            "document_cache_lookups",
            "Cooperative documents asked of the cache, by outcome (hit: in memory at the current version; miss: loaded \
             from the database)",
            document_cache_lookups.clone(),
        );
        registry.register(
            "db_connections",
            "Open database connections",
            db_connections.clone(),
        );
        registry.register(
            "db_idle_connections",
            "Idle database connections",
            db_idle_connections.clone(),
        );
        Self {
            registry,
            http_requests,
            http_duration,
            logins,
            sync_documents,
            document_cache_documents,
            document_cache_bytes,
            document_cache_lookups,
            db_connections,
            db_idle_connections,
            pool,
        }
    }

    pub fn count_login(&self, outcome: &str) {
        self.logins
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    pub fn count_sync(&self, transport: Transport, outcome: &str) {
        self.sync_documents
            .get_or_create(&SyncLabels {
                transport: transport.label(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// The exposition text; pool and cache figures are sampled now.
    pub fn render(&self, document_cache: CacheUsage) -> Result<String, std::fmt::Error> {
        self.document_cache_documents
            .set(i64::try_from(document_cache.documents).unwrap_or(i64::MAX));
        self.document_cache_bytes
            .set(i64::try_from(document_cache.bytes).unwrap_or(i64::MAX));
        for (outcome, total) in [
            ("hit", document_cache.hits),
            ("miss", document_cache.misses),
        ] {
            let counter = self.document_cache_lookups.get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            });
            counter.inc_by(total.saturating_sub(counter.get()));
        }
        let state = self.pool.state();
        self.db_connections.set(i64::from(state.connections));
        self.db_idle_connections
            .set(i64::from(state.idle_connections));
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

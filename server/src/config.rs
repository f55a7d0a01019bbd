//! Configuration: built-in defaults → optional TOML file named by `HEZUO_CONFIG` → `HEZUO_*` environment variables.
//!
//! Every setting has a default that works on a laptop, so `hezuo serve` needs no configuration at all; production
//! (`HEZUO_ENV=production`) must set an explicit `HEZUO_JWT_SECRET`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Dev,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Text,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `dev` or `production`.
    pub env: Environment,
    /// Address the HTTP server listens on.
    pub bind: String,
    /// Where the SQLite database, the dev JWT secret and blobs live.
    pub data_dir: PathBuf,
    /// `sqlite://path` or `postgres://...`; defaults to `sqlite://<data_dir>/hezuo.db`.
    pub database_url: Option<String>,
    pub database_pool_size: u32,
    /// HTTP worker threads; defaults to the number of cores.
    pub workers: Option<usize>,
    /// `json` or `text`; defaults to JSON in production and text in dev.
    pub log_format: Option<LogFormat>,
    /// A tracing filter such as `info` or `hezuo_server=debug,info`.
    pub log_filter: String,
    /// HMAC secret for access tokens (at least 32 characters). Required in production; in dev one is generated and
    /// kept in `<data_dir>/jwt-secret`.
    pub jwt_secret: Option<String>,
    pub access_token_ttl_secs: u64,
    /// Refresh tokens expire after this many days without use.
    pub refresh_token_ttl_days: u64,
    /// A refresh token presented again within this many seconds of its first use (a phone retrying after a lost
    /// response) gets the same answer instead of ending the session.
    pub refresh_retry_grace_secs: u64,
    /// Failed logins in a row from one client address before that address is locked out of the account for
    /// `login_lockout_secs` (the owner, elsewhere, still logs in).
    pub login_max_failures: u32,
    /// Failed logins in a row from all addresses together before the account itself is locked: guessing spread over
    /// many addresses. [P]
    pub login_max_failures_per_account: u32,
    pub login_lockout_secs: u64,
    /// The largest a cooperative's stored document may grow, in bytes: a device whose changes would take it past this
    /// is refused (`too_large`). Years of visits to one cooperative take a few megabytes. [P]
    pub max_document_bytes: usize,
    /// Devices an account may have registered and not retired at once; a new phone beyond that needs an old one
    /// retired (revoked) first. [P]
    pub max_devices_per_user: u32,
    /// When set, `/metrics` answers only requests with `Authorization: Bearer <this token>` (the Prometheus scraper's
    /// `bearer_token`). Alternatively keep `/metrics` off the public address with the reverse proxy.
    pub metrics_token: Option<String>,
    /// Map tiles for the console's map, as a URL template with `{z}`, `{x}` and `{y}` (e.g. the deployment's own tile
    /// service). Without one the map plots the points on a blank ground with a scale. Its origin is allowed in the
    /// console's Content-Security-Policy.
    pub map_tile_url: Option<String>,
    /// Login attempts allowed per client address per minute.
    pub login_rate_limit_per_minute: u32,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
    /// Argon2id cost; the defaults follow the OWASP recommendation (19 MiB, 2 passes).
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    /// Largest accepted import file.
    pub max_import_bytes: usize,
    /// Largest HTTP sync body (after decompression) or WebSocket message.
    pub max_sync_bytes: usize,
    /// Memory for sync bodies and messages being read and handled at once, in MiB; more wait, then get 503.
    pub sync_memory_mb: usize,
    /// Seconds a WebSocket client has to send its join message after the upgrade; a socket that stays silent is
    /// closed. The stock client leaves a socket behind whenever one opens slowly, and such a socket never joins.
    pub websocket_join_secs: u64,
    /// Memory for cached cooperative documents, in MiB: what the cached documents hold on the heap, measured.
    pub document_cache_mb: usize,
    /// Where photos and thumbnails are kept: `local` (under `<data_dir>/blobs`) or `s3` (any S3-compatible service).
    pub blob_store: BlobStoreKind,
    pub s3_bucket: Option<String>,
    /// e.g. `https://oss-cn-hangzhou.aliyuncs.com` or `http://127.0.0.1:9000`; the AWS endpoint when unset.
    pub s3_endpoint: Option<String>,
    pub s3_region: String,
    pub s3_access_key_id: Option<String>,
    pub s3_secret_access_key: Option<String>,
    /// Allow a plain-HTTP endpoint (a service on the same host or a private network).
    pub s3_allow_http: bool,
    /// Largest photo accepted by an upload.
    pub photo_max_bytes: u64,
    /// Largest width or height, and most pixels, a photo may claim; a decompression bomb is refused before decoding.
    pub photo_max_dimension: u32,
    pub photo_max_pixels: u64,
    /// Photos decoded at the same time; bounds the memory decoding can take.
    pub photo_decode_concurrency: usize,
    /// An unfinished upload is forgotten this long after it was created.
    pub upload_expiry_hours: u64,
    /// [P] Evidence flags: a photo taken further than this from the visit's time.
    pub evidence_time_tolerance_hours: f64,
    /// [P] ... further than this from where the visit was recorded.
    pub evidence_distance_from_visit_m: f64,
    /// [P] ... further than this from the cooperative's registered location.
    pub evidence_distance_from_registered_m: f64,
    /// [P] ... perceptual hashes this many bits apart or fewer are the same picture.
    pub evidence_near_duplicate_bits: u32,
    /// [P] Review levels, lowest first: a visit is approved when each has approved it in turn.
    pub review_levels: String,
    /// [P] Months after its last approved visit when a cooperative is due again (RULES.md §5.1 counts visit coverage
    /// over the last 12 months).
    pub revisit_months: u32,
    /// [P] Day of the next month by which a month's report is due (seed 004: "每月15号前").
    pub report_due_day: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlobStoreKind {
    Local,
    S3,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            env: Environment::Dev,
            bind: "127.0.0.1:8080".to_owned(),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            database_pool_size: 8,
            workers: None,
            log_format: None,
            log_filter: "info".to_owned(),
            jwt_secret: None,
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_days: 60,
            refresh_retry_grace_secs: 120,
            login_max_failures: 5,
            login_max_failures_per_account: 50,
            max_devices_per_user: 5,
            max_document_bytes: 16 * 1024 * 1024,
            metrics_token: None,
            map_tile_url: None,
            login_lockout_secs: 15 * 60,
            login_rate_limit_per_minute: 30,
            trust_forwarded_for: false,
            argon2_memory_kib: 19 * 1024,
            argon2_iterations: 2,
            max_import_bytes: 64 * 1024 * 1024,
            max_sync_bytes: 8 * 1024 * 1024,
            sync_memory_mb: 64,
            websocket_join_secs: 20,
            document_cache_mb: 128,
            blob_store: BlobStoreKind::Local,
            s3_bucket: None,
            s3_endpoint: None,
            s3_region: "us-east-1".to_owned(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            s3_allow_http: false,
            photo_max_bytes: 25 * 1024 * 1024,
            photo_max_dimension: 12_000,
            photo_max_pixels: 50_000_000,
            photo_decode_concurrency: 2,
            upload_expiry_hours: 7 * 24,
            evidence_time_tolerance_hours: 12.0,
            evidence_distance_from_visit_m: 1_000.0,
            evidence_distance_from_registered_m: 5_000.0,
            evidence_near_duplicate_bits: 6,
            review_levels: "township,county".to_owned(),
            revisit_months: 12,
            report_due_day: 15,
        }
    }
}

/// The smallest secret accepted for signing tokens.
const MIN_SECRET_LEN: usize = 32;

impl Config {
    /// Reads the layered configuration from the process environment.
    pub fn load() -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Ok(path) = std::env::var("HEZUO_CONFIG") {
            if !Path::new(&path).exists() {
                bail!("HEZUO_CONFIG names {path}, which does not exist");
            }
            figment = figment.merge(Toml::file(path));
        }
        // HEZUO_CONFIG names the file and HEZUO_TEST_* belong to the test suite; neither is a setting.
        let env = Env::prefixed("HEZUO_")
            .filter(|key| key != "config" && !key.as_str().starts_with("test_"));
        let config: Config = figment
            .merge(env)
            .extract()
            .context("invalid configuration")?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        if let Some(secret) = &self.jwt_secret
            && secret.len() < MIN_SECRET_LEN
        {
            bail!("HEZUO_JWT_SECRET must have at least {MIN_SECRET_LEN} characters");
        }
        if self.env == Environment::Production && self.jwt_secret.is_none() {
            bail!(
                "production refuses to start without an explicit HEZUO_JWT_SECRET (at least {MIN_SECRET_LEN} characters)"
            );
        }
        if self.database_pool_size == 0 {
            bail!("HEZUO_DATABASE_POOL_SIZE must be at least 1");
        }
        if let Some(url) = &self.map_tile_url
            && crate::console::tile_origin(url).is_none()
        {
            bail!("HEZUO_MAP_TILE_URL must be an http(s) URL with {{z}}, {{x}} and {{y}}");
        }
        if self.blob_store == BlobStoreKind::S3 && self.s3_bucket.is_none() {
            bail!("HEZUO_BLOB_STORE=s3 needs HEZUO_S3_BUCKET");
        }
        if self.photo_decode_concurrency == 0 {
            bail!("HEZUO_PHOTO_DECODE_CONCURRENCY must be at least 1");
        }
        crate::review::levels::ReviewLevels::parse(&self.review_levels)
            .map_err(|e| anyhow::anyhow!("HEZUO_REVIEW_LEVELS: {e}"))?;
        if self.argon2_memory_kib < 8 || self.argon2_iterations == 0 {
            bail!("argon2 cost too low (memory ≥ 8 KiB, iterations ≥ 1)");
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!("sqlite://{}", self.data_dir.join("hezuo.db").display()),
        }
    }

    pub fn log_format(&self) -> LogFormat {
        self.log_format.unwrap_or(match self.env {
            Environment::Production => LogFormat::Json,
            Environment::Dev => LogFormat::Text,
        })
    }

    /// The token-signing secret: the configured one, or in dev one generated once and kept under the data directory
    /// so that tokens survive a restart.
    pub fn resolve_jwt_secret(&self) -> anyhow::Result<String> {
        if let Some(secret) = &self.jwt_secret {
            return Ok(secret.clone());
        }
        if self.env == Environment::Production {
            bail!("production requires HEZUO_JWT_SECRET");
        }
        let path = self.data_dir.join("jwt-secret");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            let existing = existing.trim().to_owned();
            if existing.len() >= MIN_SECRET_LEN {
                return Ok(existing);
            }
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create data directory {}", self.data_dir.display()))?;
        let secret = hex::encode(rand::random::<[u8; 32]>());
        write_private_file(&path, &secret)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(secret)
    }

    /// The configuration as TOML with secrets masked, for `hezuo print-config`.
    pub fn redacted_toml(&self) -> anyhow::Result<String> {
        let mut shown = self.clone();
        if shown.jwt_secret.is_some() {
            shown.jwt_secret = Some("<redacted>".to_owned());
        }
        shown.database_url = Some(redact_url_password(&self.database_url()));
        if shown.s3_secret_access_key.is_some() {
            shown.s3_secret_access_key = Some("<redacted>".to_owned());
        }
        if shown.metrics_token.is_some() {
            shown.metrics_token = Some("<redacted>".to_owned());
        }
        toml_string(&shown)
    }
}

fn toml_string(config: &Config) -> anyhow::Result<String> {
    // figment's TOML dependency is read-only; a flat config renders fine by hand.
    let value = serde_json::to_value(config)?;
    let mut out = String::new();
    if let serde_json::Value::Object(map) = value {
        for (key, value) in map {
            match value {
                serde_json::Value::Null => out.push_str(&format!("# {key} = (not set)\n")),
                other => out.push_str(&format!("{key} = {other}\n")),
            }
        }
    }
    Ok(out)
}

/// Replaces the password in `scheme://user:password@host/...` with `***`.
pub fn redact_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

fn write_private_file(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_database_is_sqlite_under_the_data_dir() {
        let config = Config::default();
        assert_eq!(config.database_url(), "sqlite://./data/hezuo.db");
    }

    #[test]
    fn production_needs_a_secret() {
        let config = Config {
            env: Environment::Production,
            ..Config::default()
        };
        assert!(config.validate().is_err());
        let config = Config {
            jwt_secret: Some("x".repeat(40)),
            ..config
        };
        assert!(config.validate().is_ok());
    }

    #[test]
    fn short_secrets_are_refused() {
        let config = Config {
            jwt_secret: Some("short".to_owned()),
            ..Config::default()
        };
        assert!(config.validate().is_err());
    }

    #[test]
    fn passwords_in_urls_are_masked() {
        assert_eq!(
            redact_url_password("postgres://hezuo:s3cret@db.internal:5432/hezuo"),
            "postgres://hezuo:***@db.internal:5432/hezuo"
        );
        assert_eq!(
            redact_url_password("sqlite://./data/hezuo.db"),
            "sqlite://./data/hezuo.db"
        );
    }

    #[test]
    fn redacted_output_hides_the_secret() {
        let config = Config {
            jwt_secret: Some("a-very-long-secret-that-must-not-leak-0123".to_owned()),
            ..Config::default()
        };
        let shown = config.redacted_toml().expect("renders");
        assert!(!shown.contains("must-not-leak"));
        assert!(shown.contains("jwt_secret = \"<redacted>\""));
    }
}

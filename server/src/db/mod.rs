//! Database access: one diesel code path over SQLite (embedded default) and PostgreSQL (production).
//!
//! The backend is chosen by the URL scheme (`sqlite://`, `postgres://`), never by trying one after the other.
//! Handlers reach the database through [`Db::run`], which runs synchronous diesel code on the blocking pool.
//! The few statements that differ per backend go through [`with_backend!`].
//!
//! A look-up by a unique key reads with `get_result`, not `first`: `first` adds `LIMIT ?`, and SQLite (since 3.47)
//! marks a statement whose LIMIT is a bound value to be prepared again whenever it is bound, so each call would parse
//! and plan the query anew instead of reusing the cached statement. The statements every sync message runs go to the
//! backend's own connection through [`with_backend!`]: through [`DbConn`] diesel writes out a statement's SQL on every
//! call, even when the prepared statement is cached.

pub mod code;
pub mod id;
pub mod notify;
pub mod schema;
pub mod text;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::MigrationHarness;

use crate::error::ApiError;

/// A connection to either backend; diesel's query builder works on it directly.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

/// Runs a block with the concrete connection of whichever backend is in use, for the statements whose SQL or diesel
/// types differ between SQLite and PostgreSQL (row locks, insert-if-absent). The block is compiled once per backend.
#[macro_export]
macro_rules! with_backend {
    ($conn:expr, |$inner:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($inner) => $body,
            $crate::db::DbConn::Pg($inner) => $body,
        }
    };
}

/// Which backend a URL selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> anyhow::Result<DatabaseUrl> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                bail!("sqlite:// URL without a file path");
            }
            Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(url.to_owned()))
        } else {
            bail!("unsupported database URL (expected sqlite://PATH or postgres://...)")
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }
}

/// SQLite settings applied to every new connection: WAL so readers never block the writer, a busy timeout instead of
/// immediate "database is locked" errors, enforced foreign keys, and a full fsync per commit so an acknowledged
/// change survives power loss as well as a killed process.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
                              PRAGMA synchronous = FULL;";

/// How long a new PostgreSQL connection may take to open, unless the URL says otherwise: an unreachable host fails
/// in seconds instead of the operating system's minutes.
const PG_CONNECT_TIMEOUT_SECS: u32 = 5;

/// A request waiting for a connection looks this often whether the database went down meanwhile.
const CHECKOUT_SLICE: Duration = Duration::from_millis(200);

/// Opens connections for r2d2 according to the URL scheme, and remembers whether the last attempt failed.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    /// Set when opening a connection failed, cleared when one opens: the database is down until then.
    down: Arc<AtomicBool>,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        let url = match url {
            DatabaseUrl::Postgres(url) if !url.contains("connect_timeout=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                DatabaseUrl::Postgres(format!(
                    "{url}{separator}connect_timeout={PG_CONNECT_TIMEOUT_SECS}"
                ))
            }
            other => other,
        };
        Self {
            url,
            down: Arc::default(),
        }
    }

    pub fn connect(&self) -> Result<DbConn, diesel::ConnectionError> {
        let opened = match &self.url {
            DatabaseUrl::Sqlite(path) => SqliteConnection::establish(&path.to_string_lossy())
                .and_then(|mut conn| {
                    conn.batch_execute(SQLITE_PRAGMAS)
                        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                    Ok(DbConn::Sqlite(conn))
                }),
            DatabaseUrl::Postgres(url) => PgConnection::establish(url).map(DbConn::Pg),
        };
        self.down.store(opened.is_err(), Ordering::Relaxed);
        opened
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        ConnectionManager::connect(self).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

/// The connection pool, which knows whether the database is reachable.
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<ConnectionManager>,
    down: Arc<AtomicBool>,
}

impl std::ops::Deref for Pool {
    type Target = r2d2::Pool<ConnectionManager>;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl Pool {
    /// A connection for a request. While the database is down (the last attempt to open a connection failed) it
    /// takes only a pooled connection that still answers, and otherwise answers 503 at once; r2d2 keeps trying to
    /// open connections in the background. A request waiting for a busy pool notices within a moment when the
    /// database goes down, rather than holding on for the pool's whole timeout.
    pub fn checkout(&self) -> Result<PooledConn, ApiError> {
        let deadline = std::time::Instant::now() + self.inner.connection_timeout();
        loop {
            if self.down.load(Ordering::Relaxed) {
                return self
                    .inner
                    .try_get()
                    .ok_or_else(ApiError::database_unavailable);
            }
            let wait = deadline
                .saturating_duration_since(std::time::Instant::now())
                .min(CHECKOUT_SLICE);
            match self.inner.get_timeout(wait) {
                Ok(conn) => return Ok(conn),
                Err(error) if std::time::Instant::now() >= deadline => {
                    return Err(ApiError::pool_exhausted(error));
                }
                Err(_) => {}
            }
        }
    }
}

/// Opens the pool, creating the SQLite file's directory first.
pub fn build_pool(url: &str, size: u32) -> anyhow::Result<Pool> {
    let url = DatabaseUrl::parse(url)?;
    if let DatabaseUrl::Sqlite(path) = &url
        && let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let backend = url.backend_name();
    // A PostgreSQL connection can die with its server (a restart, a terminated backend): each one is tested as it
    // is checked out, so that a dead one is replaced rather than failing a request. A SQLite connection is a file
    // handle that does not die, and the test would cost every request a statement.
    let test_on_check_out = matches!(url, DatabaseUrl::Postgres(_));
    let manager = ConnectionManager::new(url);
    let down = manager.down.clone();
    let inner = r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(test_on_check_out)
        .build(manager)
        .with_context(|| format!("cannot open the {backend} database"))?;
    Ok(Pool { inner, down })
}

/// Applies pending migrations; returns the versions applied.
pub fn run_migrations(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(hezuo_migrations::SQLITE),
        DbConn::Pg(c) => c.run_pending_migrations(hezuo_migrations::POSTGRES),
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(applied.into_iter().map(|v| v.to_string()).collect())
}

/// Runs `f` in a write transaction. On SQLite it starts with `BEGIN IMMEDIATE`, so a transaction that reads before it
/// writes waits for the write lock (busy_timeout) instead of failing when another writer got there first.
pub fn write_transaction<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?
        }
        DbConn::Pg(_) => <DbConn as Connection>::TransactionManager::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            // The original error matters more than a failed rollback, which leaves the connection marked broken.
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(conn);
            Err(error)
        }
    }
}

/// The database handle the app shares: a pool plus a way to run blocking diesel code from async handlers.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// One permit per pooled connection: work waits for a connection as a parked future, not as a blocking thread.
    /// Without it a burst (hundreds of WebSocket readers at once) starts a thread per waiting task, each with its own
    /// allocator arena, and the process keeps that memory.
    permits: Arc<tokio::sync::Semaphore>,
}

impl Db {
    pub fn new(pool: Pool) -> Self {
        let permits = Arc::new(tokio::sync::Semaphore::new(pool.max_size() as usize));
        Self { pool, permits }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("database permits closed: {e}")))?;
        actix_web::web::block(move || {
            let _permit = permit;
            let mut conn = pool.checkout()?;
            f(&mut conn).map_err(|error| {
                // A failure that left the connection dead is the database's, wherever it surfaced: answer 503.
                if error.code == hezuo_mobile_api::ErrorCode::Internal && conn.ping().is_err() {
                    ApiError::database_unavailable()
                } else {
                    error
                }
            })
        })
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// Like [`Db::run`], inside [`write_transaction`].
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| write_transaction(conn, f)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_scheme() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://./data/hezuo.db").expect("sqlite"),
            DatabaseUrl::Sqlite(PathBuf::from("./data/hezuo.db"))
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@localhost/db").expect("pg"),
            DatabaseUrl::Postgres(_)
        ));
        assert!(DatabaseUrl::parse("mysql://localhost/db").is_err());
        assert!(DatabaseUrl::parse("./data/hezuo.db").is_err());
    }
}

//! Telling live connections that a document changed, or that someone's access changed (a revoked device or session,
//! a disabled account, new role or regions). Within one process broadcast channels carry the news; with PostgreSQL a
//! `NOTIFY` in the writing transaction carries it to the other instances, whose listener forwards it to their own
//! channels.

use std::sync::Weak;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::db::notify::{ACCESS_CHANNEL, DOCUMENTS_CHANNEL as CHANNEL};

/// News that a document changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentNews {
    pub id: Uuid,
    /// The version written, when this process wrote it (and cached it): a connection then finds it in the cache
    /// without asking the database. News from other instances does not know it.
    pub version: Option<i64>,
}

#[derive(Clone)]
pub struct ChangeFeed {
    sender: broadcast::Sender<DocumentNews>,
    access: broadcast::Sender<Uuid>,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        Self::new()
    }
}

impl ChangeFeed {
    pub fn new() -> Self {
        // A lagging listener loses old news, not correctness: it resyncs on its next message.
        let (sender, _) = broadcast::channel(4096);
        // A lagging listener of access news re-checks its session at once (see the WebSocket loop).
        let (access, _) = broadcast::channel(1024);
        Self { sender, access }
    }

    pub fn subscribe_access(&self) -> broadcast::Receiver<Uuid> {
        self.access.subscribe()
    }

    /// Tells this process's connections of `user` to check their session again (after the change committed).
    pub fn publish_access(&self, user: Uuid) {
        let _ = self.access.send(user);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DocumentNews> {
        self.sender.subscribe()
    }

    /// Tells this process's connections that `id` changed, at `version` when known.
    pub fn publish(&self, id: Uuid, version: Option<i64>) {
        let _ = self.sender.send(DocumentNews { id, version });
    }
}

/// Access news for every connection: after the listener was cut off, any user's access may have changed.
const EVERYONE: Uuid = Uuid::nil();

/// How often the listening connection is checked when no notification arrives (a link that died silently), and how
/// often the socket is read for notifications: a read costs nothing when nothing came.
const HEALTH_CHECK_EVERY: Duration = Duration::from_secs(15);
const POLL_EVERY: Duration = Duration::from_millis(100);
/// Reconnection waits double from the first to the last, so a database that is down costs a few attempts a minute.
const RECONNECT_FIRST: Duration = Duration::from_millis(250);
const RECONNECT_LAST: Duration = Duration::from_secs(30);
/// Documents written this long before the listener was last known to hear are announced again after a reconnect:
/// it covers a failure noticed late and the writing instance's clock running behind.
const REPLAY_MARGIN: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Whether an access announcement concerns `user`'s connections.
pub fn access_news_concerns(news: Uuid, user: Uuid) -> bool {
    news == user || news == EVERYONE
}

/// Listens for other instances' announcements on a connection of its own and forwards them to `feed`. When the
/// connection is lost (a database restart, a failover) it reconnects with growing waits, sleeping in between, then
/// announces every document written since it last heard and asks every connection to check its access again, so
/// nothing said while it was deaf is lost. Ends, closing its connection, once the application that owns `cache` is
/// gone.
pub fn listen_to_other_instances(
    database_url: String,
    feed: ChangeFeed,
    cache: std::sync::Arc<super::cache::DocCache>,
) {
    let cache = std::sync::Arc::downgrade(&cache);
    std::thread::Builder::new()
        .name("hezuo-listen".to_owned())
        .spawn(move || {
            let mut wait = RECONNECT_FIRST;
            // When the listener last knew it was hearing everything; None before the first connection.
            let mut heard_until: Option<NaiveDateTime> = None;
            while cache.strong_count() > 0 {
                match start_listening(&database_url) {
                    Ok(mut conn) => {
                        wait = RECONNECT_FIRST;
                        if let Some(since) = heard_until {
                            match replay(&mut conn, since - REPLAY_MARGIN, &feed, &cache) {
                                Ok(count) => tracing::info!(
                                    documents = count,
                                    "listening to other instances again; announced what changed meanwhile"
                                ),
                                Err(error) => {
                                    tracing::warn!(%error, "cannot replay missed changes; reconnecting");
                                    std::thread::sleep(wait);
                                    continue;
                                }
                            }
                        }
                        heard_until = Some(crate::models::now());
                        let error = forward(&mut conn, &feed, &cache, &mut heard_until);
                        match error {
                            Some(error) => tracing::warn!(%error, "lost the connection that listens to other instances"),
                            None => return,
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, retry_in = ?wait, "cannot listen for other instances' changes");
                    }
                }
                std::thread::sleep(wait);
                wait = (wait * 2).min(RECONNECT_LAST);
            }
        })
        .map(|_| ())
        .unwrap_or_else(|error| tracing::error!(%error, "cannot start the change listener"));
}

fn start_listening(database_url: &str) -> anyhow::Result<diesel::PgConnection> {
    use diesel::Connection;
    let mut conn = diesel::PgConnection::establish(database_url)?;
    conn.batch_execute(&format!("LISTEN {CHANNEL}; LISTEN {ACCESS_CHANNEL}"))?;
    Ok(conn)
}

/// Announces the documents written since `since` and asks every connection to check its access.
fn replay(
    conn: &mut diesel::PgConnection,
    since: NaiveDateTime,
    feed: &ChangeFeed,
    cache: &Weak<super::cache::DocCache>,
) -> anyhow::Result<usize> {
    use crate::db::schema::documents;
    use diesel::prelude::*;
    let changed: Vec<String> = documents::table
        .filter(documents::updated_at.ge(since))
        .select(documents::cooperative_id)
        .load(conn)?;
    let Some(cache) = cache.upgrade() else {
        return Ok(0);
    };
    for id in changed.iter().filter_map(|id| Uuid::parse_str(id).ok()) {
        cache.forget(id);
        feed.publish(id, None);
    }
    feed.publish_access(EVERYONE);
    Ok(changed.len())
}

/// Forwards notifications until the connection fails (the error) or the application is gone (None).
fn forward(
    conn: &mut diesel::PgConnection,
    feed: &ChangeFeed,
    cache: &Weak<super::cache::DocCache>,
    heard_until: &mut Option<NaiveDateTime>,
) -> Option<anyhow::Error> {
    let mut checked = Instant::now();
    loop {
        // The application is gone: stop.
        if cache.strong_count() == 0 {
            return None;
        }
        let polled_at = crate::models::now();
        for notification in conn.notifications_iter() {
            // A lost connection answers every read with an error: stop at the first.
            let notification = match notification {
                Ok(notification) => notification,
                Err(error) => return Some(error.into()),
            };
            let Ok(id) = Uuid::parse_str(&notification.payload) else {
                continue;
            };
            if notification.channel == ACCESS_CHANNEL {
                feed.publish_access(id);
            } else {
                // The cache is not told: its entries carry their version, and a reader that finds a newer one in the
                // database loads it. Forgetting here also dropped this instance's own commits, which it hears too,
                // so every write was loaded again from the database by its next reader.
                feed.publish(id, None);
            }
        }
        if checked.elapsed() >= HEALTH_CHECK_EVERY {
            // A socket the network dropped silently reads as quiet; a statement finds out.
            if let Err(error) = conn.batch_execute("SELECT 1") {
                return Some(error.into());
            }
            checked = Instant::now();
        }
        *heard_until = Some(polled_at);
        // Notifications queue on the socket; a short sleep bounds the delay without busy-waiting.
        std::thread::sleep(POLL_EVERY);
    }
}

//! Telling live connections that a document changed, or that someone's access changed (a revoked device or session,
//! a disabled account, new role or regions). Within one process broadcast channels carry the news; with PostgreSQL a
//! `NOTIFY` in the writing transaction carries it to the other instances, whose listener forwards it to their own
//! channels.

use diesel::connection::SimpleConnection;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::db::notify::{ACCESS_CHANNEL, DOCUMENTS_CHANNEL as CHANNEL};

#[derive(Clone)]
pub struct ChangeFeed {
    sender: broadcast::Sender<Uuid>,
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

    pub fn subscribe(&self) -> broadcast::Receiver<Uuid> {
        self.sender.subscribe()
    }

    /// Tells this process's connections.
    pub fn publish(&self, id: Uuid) {
        let _ = self.sender.send(id);
    }
}

/// Listens for other instances' announcements on a connection of its own and forwards them to `feed`. Reconnects
/// after failures; ends (closing its connection) once the application that owns `cache` is gone.
pub fn listen_to_other_instances(
    database_url: String,
    feed: ChangeFeed,
    cache: std::sync::Arc<super::cache::DocCache>,
) {
    use diesel::Connection;
    let cache = std::sync::Arc::downgrade(&cache);
    let application_alive = move || cache.upgrade();
    std::thread::Builder::new()
        .name("hezuo-listen".to_owned())
        .spawn(move || {
            while application_alive().is_some() {
                match diesel::PgConnection::establish(&database_url) {
                    Ok(mut conn) => {
                        if conn
                            .batch_execute(&format!("LISTEN {CHANNEL}; LISTEN {ACCESS_CHANNEL}"))
                            .is_err()
                        {
                            std::thread::sleep(std::time::Duration::from_secs(5));
                            continue;
                        }
                        while let Some(cache) = application_alive() {
                            let mut failed = false;
                            for notification in conn.notifications_iter() {
                                match notification {
                                    Ok(notification) => {
                                        let Ok(id) = Uuid::parse_str(&notification.payload) else {
                                            continue;
                                        };
                                        if notification.channel == ACCESS_CHANNEL {
                                            feed.publish_access(id);
                                        } else {
                                            cache.forget(id);
                                            feed.publish(id);
                                        }
                                    }
                                    Err(_) => failed = true,
                                }
                            }
                            drop(cache);
                            if failed {
                                break;
                            }
                            // Notifications queue on the socket; a short pause bounds the delay without busy-waiting.
                            std::thread::sleep(std::time::Duration::from_millis(100));
                        }
                    }
                    Err(error) => tracing::warn!(%error, "cannot listen for other instances' changes; retrying"),
                }
                std::thread::sleep(std::time::Duration::from_secs(5));
            }
        })
        .map(|_| ())
        .unwrap_or_else(|error| tracing::error!(%error, "cannot start the change listener"));
}

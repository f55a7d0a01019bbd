//! The automerge-repo peers joined to this process over WebSocket: one connection per peer. The stock client opens a
//! new socket whenever one is slow to open or seems lost, and does not close the old one; a phone that changes network
//! leaves its old connection half-open. When a peer joins again, its older connection is told to end at once, as
//! automerge-repo's own server does, instead of holding its buffers and sync states until the silence limit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::Notify;
use uuid::Uuid;

/// A peer as this process knows it. Peer ids are chosen by clients, so one is matched only within its account: a
/// client cannot end another account's connection by claiming its peer id.
type PeerKey = (Uuid, String);

#[derive(Default)]
pub struct Peers {
    joined: Mutex<HashMap<PeerKey, Joined>>,
    next_connection: AtomicU64,
}

/// The connection a peer joined on most recently.
struct Joined {
    connection: u64,
    superseded: Arc<Notify>,
}

/// One WebSocket connection's place among the peers.
pub struct Seat {
    connection: u64,
    /// Signalled when the connection's peer joins on a newer connection.
    pub superseded: Arc<Notify>,
    /// The peer the connection joined as, once it has.
    key: Option<PeerKey>,
}

impl Peers {
    /// A seat for a new connection, which has joined as no peer yet.
    pub fn seat(&self) -> Seat {
        Seat {
            connection: self.next_connection.fetch_add(1, Ordering::Relaxed),
            superseded: Arc::new(Notify::new()),
            key: None,
        }
    }

    /// Records that `seat`'s connection joined as `peer` of `user`. Another connection that had joined as the same
    /// peer is told to end.
    pub fn join(&self, seat: &mut Seat, user: Uuid, peer: &str) {
        let key = (user, peer.to_owned());
        let mut joined = self.joined();
        if let Some(before) = seat.key.take()
            && before != key
        {
            remove_if_held(&mut joined, &before, seat.connection);
        }
        let newest = Joined {
            connection: seat.connection,
            superseded: seat.superseded.clone(),
        };
        if let Some(older) = joined.insert(key.clone(), newest)
            && older.connection != seat.connection
        {
            // A permit is kept if the older connection is not waiting right now: it ends at its next turn.
            older.superseded.notify_one();
        }
        seat.key = Some(key);
    }

    /// The connection ended: its peer is no longer joined here, unless it has joined on a newer connection since.
    pub fn leave(&self, seat: &Seat) {
        if let Some(key) = &seat.key {
            remove_if_held(&mut self.joined(), key, seat.connection);
        }
    }

    /// Peers joined here now.
    pub fn count(&self) -> usize {
        self.joined().len()
    }

    fn joined(&self) -> MutexGuard<'_, HashMap<PeerKey, Joined>> {
        // The map stays consistent whatever panicked while holding it: each change is one insert or remove.
        self.joined
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn remove_if_held(joined: &mut HashMap<PeerKey, Joined>, key: &PeerKey, connection: u64) {
    if joined
        .get(key)
        .is_some_and(|held| held.connection == connection)
    {
        joined.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn was_superseded(seat: &Seat) -> bool {
        let notified = seat.superseded.notified();
        futures_util::FutureExt::now_or_never(notified).is_some()
    }

    #[test]
    fn a_peer_that_joins_again_ends_its_older_connection_only() {
        let peers = Peers::default();
        let (user, other_user) = (Uuid::now_v7(), Uuid::now_v7());
        let mut first = peers.seat();
        let mut second = peers.seat();
        let mut stranger = peers.seat();
        peers.join(&mut first, user, "phone-a");
        peers.join(&mut stranger, other_user, "phone-a");
        assert!(
            !was_superseded(&first),
            "another account's peer id is not this peer"
        );
        peers.join(&mut second, user, "phone-a");
        assert!(was_superseded(&first));
        assert!(!was_superseded(&second));
        assert!(!was_superseded(&stranger));

        // The older connection's end does not unseat the newer one.
        peers.leave(&first);
        assert_eq!(peers.count(), 2);
        peers.leave(&second);
        peers.leave(&stranger);
        assert_eq!(peers.count(), 0);
    }

    #[test]
    fn joining_again_on_the_same_connection_ends_nothing() {
        let peers = Peers::default();
        let user = Uuid::now_v7();
        let mut seat = peers.seat();
        peers.join(&mut seat, user, "phone-a");
        peers.join(&mut seat, user, "phone-a");
        assert!(!was_superseded(&seat));
        peers.join(&mut seat, user, "phone-b");
        assert_eq!(peers.count(), 1, "the peer id it left is no longer held");
    }
}

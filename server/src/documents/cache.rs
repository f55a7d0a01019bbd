//! Recently used documents in memory, evicted least-recently-used first when their estimated size exceeds the budget.
//! Entries carry the database version they were loaded at; a reader with a newer version reloads, so several server
//! instances can share one database.

use std::collections::HashMap;
use std::sync::Mutex;

use automerge::Automerge;
use uuid::Uuid;

/// Automerge's in-memory form is several times its saved size; the budget counts this estimate.
const MEMORY_PER_SAVED_BYTE: usize = 8;

struct Entry {
    doc: Automerge,
    version: i64,
    bytes: usize,
    last_used: u64,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Uuid, Entry>,
    used: usize,
    tick: u64,
}

pub struct DocCache {
    budget: usize,
    inner: Mutex<Inner>,
}

impl DocCache {
    pub fn new(budget_bytes: usize) -> Self {
        Self {
            budget: budget_bytes,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A copy of the cached document if it is at `version`.
    pub fn get(&self, id: Uuid, version: i64) -> Option<Automerge> {
        self.get_with_size(id, version).map(|(doc, _)| doc)
    }

    /// Like [`DocCache::get`], with the saved size the entry was put with.
    pub fn get_with_size(&self, id: Uuid, version: i64) -> Option<(Automerge, usize)> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let entry = inner.entries.get_mut(&id)?;
        if entry.version != version {
            return None;
        }
        entry.last_used = tick;
        Some((entry.doc.clone(), entry.bytes / MEMORY_PER_SAVED_BYTE))
    }

    pub fn put(&self, id: Uuid, version: i64, doc: Automerge, saved_bytes: usize) {
        let bytes = saved_bytes.saturating_mul(MEMORY_PER_SAVED_BYTE).max(1024);
        if bytes > self.budget {
            return;
        }
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        if let Some(old) = inner.entries.insert(
            id,
            Entry {
                doc,
                version,
                bytes,
                last_used: tick,
            },
        ) {
            inner.used -= old.bytes;
        }
        inner.used += bytes;
        while inner.used > self.budget {
            let Some(oldest) = inner
                .entries
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(id, _)| *id)
            else {
                break;
            };
            if let Some(evicted) = inner.entries.remove(&oldest) {
                inner.used -= evicted.bytes;
            }
        }
    }

    pub fn forget(&self, id: Uuid) {
        let mut inner = self.lock();
        if let Some(old) = inner.entries.remove(&id) {
            inner.used -= old.bytes;
        }
    }

    /// (documents held, estimated bytes) for metrics.
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.entries.len(), inner.used)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_its_budget_and_evicts_the_least_recently_used() {
        let cache = DocCache::new(3 * 1024 * MEMORY_PER_SAVED_BYTE);
        let ids: Vec<Uuid> = (0..4).map(|i| Uuid::from_u128(i + 1)).collect();
        cache.put(ids[0], 1, Automerge::new(), 1024);
        cache.put(ids[1], 1, Automerge::new(), 1024);
        cache.put(ids[2], 1, Automerge::new(), 1024);
        assert!(
            cache.get(ids[0], 1).is_some(),
            "touch the first so the second is the oldest"
        );
        cache.put(ids[3], 1, Automerge::new(), 1024);
        assert!(cache.get(ids[1], 1).is_none(), "evicted");
        assert!(cache.get(ids[0], 1).is_some());
        assert!(cache.get(ids[3], 1).is_some());
        assert!(cache.usage().1 <= 3 * 1024 * MEMORY_PER_SAVED_BYTE);
    }

    #[test]
    fn a_newer_version_in_the_database_is_a_miss() {
        let cache = DocCache::new(1 << 20);
        let id = Uuid::from_u128(9);
        cache.put(id, 3, Automerge::new(), 10);
        assert!(cache.get(id, 4).is_none());
        assert!(cache.get(id, 3).is_some());
    }
}

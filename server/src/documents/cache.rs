//! Recently used documents in memory, evicted least-recently-used first when what they hold passes the budget. What a
//! document holds is measured when it is built (see [`crate::heap`]), not guessed from its saved size: automerge's
//! in-memory form costs tens of KiB even for a document that saves to one. Readers share the cached document; a
//! writer works on its own copy. Entries carry the database version they were loaded at; a reader with a newer version
//! reloads, so several server instances can share one database.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use automerge::Automerge;
use uuid::Uuid;

struct Entry {
    doc: Arc<Automerge>,
    version: i64,
    /// The bytes of snapshot and chunks it was loaded from (the document's size limit counts these).
    saved_bytes: usize,
    /// Heap bytes the document holds.
    cost: usize,
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
    hits: AtomicU64,
    misses: AtomicU64,
}

/// What the cache holds and how often it answered, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub documents: usize,
    /// Heap bytes the cached documents hold.
    pub bytes: usize,
    /// Look-ups answered from memory, and those that had to load.
    pub hits: u64,
    pub misses: u64,
}

impl DocCache {
    pub fn new(budget_bytes: usize) -> Self {
        Self {
            budget: budget_bytes,
            inner: Mutex::new(Inner::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The cached document if it is at `version`.
    pub fn get(&self, id: Uuid, version: i64) -> Option<Arc<Automerge>> {
        self.get_with_size(id, version).map(|(doc, _)| doc)
    }

    /// Like [`DocCache::get`], with the saved size the entry was put with.
    pub fn get_with_size(&self, id: Uuid, version: i64) -> Option<(Arc<Automerge>, usize)> {
        let found = self.find(id, version);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn find(&self, id: Uuid, version: i64) -> Option<(Arc<Automerge>, usize)> {
        let mut inner = self.lock();
        inner.tick += 1;
        let tick = inner.tick;
        let entry = inner.entries.get_mut(&id)?;
        if entry.version != version {
            return None;
        }
        entry.last_used = tick;
        Some((entry.doc.clone(), entry.saved_bytes))
    }

    /// Keeps `doc`, which holds `cost` heap bytes (measured with [`crate::heap::retained_by`]).
    pub fn put(
        &self,
        id: Uuid,
        version: i64,
        doc: Arc<Automerge>,
        saved_bytes: usize,
        cost: usize,
    ) {
        let bytes = cost.max(1);
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
                saved_bytes,
                cost: bytes,
                last_used: tick,
            },
        ) {
            inner.used -= old.cost;
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
                inner.used -= evicted.cost;
            }
        }
    }

    pub fn forget(&self, id: Uuid) {
        let mut inner = self.lock();
        if let Some(old) = inner.entries.remove(&id) {
            inner.used -= old.cost;
        }
    }

    pub fn usage(&self) -> Usage {
        let inner = self.lock();
        Usage {
            documents: inner.entries.len(),
            bytes: inner.used,
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_within_its_budget_and_evicts_the_least_recently_used() {
        let cache = DocCache::new(3 * 1024);
        let ids: Vec<Uuid> = (0..4).map(|i| Uuid::from_u128(i + 1)).collect();
        let doc = Arc::new(Automerge::new());
        cache.put(ids[0], 1, doc.clone(), 100, 1024);
        cache.put(ids[1], 1, doc.clone(), 100, 1024);
        cache.put(ids[2], 1, doc.clone(), 100, 1024);
        assert!(
            cache.get(ids[0], 1).is_some(),
            "touch the first so the second is the oldest"
        );
        cache.put(ids[3], 1, doc.clone(), 100, 1024);
        assert!(cache.get(ids[1], 1).is_none(), "evicted");
        assert!(cache.get(ids[0], 1).is_some());
        assert!(cache.get(ids[3], 1).is_some());
        let usage = cache.usage();
        assert_eq!((usage.documents, usage.bytes), (3, 3 * 1024));
        assert_eq!((usage.hits, usage.misses), (3, 1));
        assert_eq!(
            cache.get_with_size(ids[0], 1).map(|(_, saved)| saved),
            Some(100)
        );
    }

    #[test]
    fn a_real_document_costs_what_building_it_held() {
        let id = Uuid::from_u128(7);
        let (doc, cost) = crate::heap::retained_by(|| hezuo_sync::document::genesis(id));
        let saved = doc.save().len();
        assert!(
            cost > saved * 4,
            "in memory a document holds several times its saved size ({cost} bytes against {saved} saved)"
        );
    }

    #[test]
    fn a_newer_version_in_the_database_is_a_miss() {
        let cache = DocCache::new(1 << 20);
        let id = Uuid::from_u128(9);
        cache.put(id, 3, Arc::new(Automerge::new()), 10, 1000);
        assert!(cache.get(id, 4).is_none());
        assert!(cache.get(id, 3).is_some());
    }
}

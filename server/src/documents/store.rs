//! Persistence of documents: a snapshot plus the incremental chunks accepted since, compacted when the chunks outgrow
//! the snapshot; the sync state per (document, device); and who made each change.

use std::collections::HashMap;
use std::sync::Arc;

use automerge::sync::State;
use automerge::{Automerge, Change, ChangeHash};
use chrono::DateTime;
use diesel::prelude::*;
use hezuo_sync::document;
use hezuo_sync::engine;
use uuid::Uuid;

use super::cache::DocCache;
use crate::db::DbConn;
use crate::db::id::{CooperativeId, DeviceId};
use crate::db::schema::{document_changes, document_chunks, documents, sync_states};
use crate::models::{Who, now};
use crate::with_backend;

/// Chunks are folded into a new snapshot once they hold more bytes than this or than the snapshot.
const MIN_COMPACTION_BYTES: i64 = 64 * 1024;

pub struct StoredDoc {
    /// Shared with the cache: readers use it as it is, a writer takes its own copy (`Arc::unwrap_or_clone`).
    pub doc: Arc<Automerge>,
    /// 0 for a document still at its genesis (no row).
    pub version: i64,
    /// Bytes of snapshot and chunks it was loaded from (an estimate for cached copies).
    pub saved_bytes: usize,
}

pub fn encode_heads(heads: &[ChangeHash]) -> String {
    let mut hex: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    hex.sort();
    hex.join(" ")
}

/// Stored heads; one that is not a change hash is corrupt data, an error (dropping it would make the server think the
/// document or the device is behind where it is).
pub fn decode_heads(text: &str) -> QueryResult<Vec<ChangeHash>> {
    text.split_whitespace()
        .map(|h| {
            h.parse::<ChangeHash>()
                .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
        })
        .collect()
}

/// Current heads and version of the given documents that have rows; absent ones are at their genesis.
pub fn heads_of(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<HashMap<String, (Vec<ChangeHash>, i64)>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(String, String, i64)> = documents::table
            .filter(documents::cooperative_id.eq_any(chunk))
            .select((
                documents::cooperative_id,
                documents::heads,
                documents::version,
            ))
            .load(conn)?;
        for (id, heads, version) in rows {
            found.insert(id, (decode_heads(&heads)?, version));
        }
    }
    Ok(found)
}

/// Loads a document whose current version the caller already read (see [`heads_of`]): a cache hit costs no query.
pub fn load_at(
    conn: &mut DbConn,
    cache: &DocCache,
    id: Uuid,
    version: i64,
) -> QueryResult<StoredDoc> {
    if version == 0 {
        return Ok(genesis(cache, id));
    }
    match cache.get_with_size(id, version) {
        Some((doc, saved_bytes)) => Ok(StoredDoc {
            doc,
            version,
            saved_bytes,
        }),
        None => load(conn, cache, id),
    }
}

/// Loads a document: from the cache when it is current (one small query for the version), else from the snapshot and
/// chunks.
pub fn load(conn: &mut DbConn, cache: &DocCache, id: Uuid) -> QueryResult<StoredDoc> {
    let key = id.to_string();
    // Every read asks this; on the backend's own connection the statement is reused without writing out its SQL.
    let query = documents::table.find(&key).select(documents::version);
    let version: Option<i64> =
        crate::with_backend!(conn, |inner| query.get_result(inner).optional()?);
    let Some(version) = version else {
        return Ok(genesis(cache, id));
    };
    if let Some((doc, saved_bytes)) = cache.get_with_size(id, version) {
        return Ok(StoredDoc {
            doc,
            version,
            saved_bytes,
        });
    }
    // The version read with the snapshot is the one the document is cached at, even if it moved meanwhile.
    let (version, snapshot): (i64, Option<Vec<u8>>) = documents::table
        .find(&key)
        .select((documents::version, documents::snapshot))
        .get_result(conn)?;
    let chunks = load_chunks(conn, &key)?;
    let (assembled, cost) = crate::heap::retained_by(|| {
        assemble(id, snapshot.as_deref(), &chunks).map(|(doc, dropped)| (Arc::new(doc), dropped))
    });
    let (doc, dropped) = assembled?;
    if dropped {
        tracing::warn!(cooperative_id = %id, "stored document holds unchecked changes waiting for a dependency; ignored (run `hezuo repair-documents`)");
    }
    let saved =
        snapshot.as_ref().map(Vec::len).unwrap_or(0) + chunks.iter().map(Vec::len).sum::<usize>();
    cache.put(id, version, doc.clone(), saved, cost);
    Ok(StoredDoc {
        doc,
        version,
        saved_bytes: saved,
    })
}

/// A document nobody has written to yet: built from its id once, then cached like any other (at version 0).
fn genesis(cache: &DocCache, id: Uuid) -> StoredDoc {
    let doc = cache.get(id, 0).unwrap_or_else(|| {
        let (doc, cost) = crate::heap::retained_by(|| Arc::new(document::genesis(id)));
        cache.put(id, 0, doc.clone(), 0, cost);
        doc
    });
    StoredDoc {
        doc,
        version: 0,
        saved_bytes: 0,
    }
}

fn load_chunks(conn: &mut DbConn, key: &str) -> QueryResult<Vec<Vec<u8>>> {
    document_chunks::table
        .filter(document_chunks::cooperative_id.eq(key))
        .order(document_chunks::id.asc())
        .select(document_chunks::data)
        .load(conn)
}

/// Builds a document from its snapshot and chunks, dropping changes that wait for a missing dependency as soon as they
/// appear: older versions let such changes in unchecked, and left waiting they would be applied, or make a later
/// change of the same actor and sequence number fail to load. `true` when something was dropped.
fn assemble(
    id: Uuid,
    snapshot: Option<&[u8]>,
    chunks: &[Vec<u8>],
) -> QueryResult<(Automerge, bool)> {
    let mut dropped = false;
    let mut doc = match snapshot {
        Some(bytes) => Automerge::load(bytes).map_err(corrupt)?,
        None => document::genesis(id),
    };
    for chunk in std::iter::once(None).chain(chunks.iter().map(Some)) {
        if let Some(chunk) = chunk {
            doc.load_incremental(chunk).map_err(corrupt)?;
        }
        if document::has_orphans(&doc) {
            dropped = true;
            doc = document::without_orphans(doc).map_err(corrupt)?;
        }
    }
    Ok((doc, dropped))
}

fn corrupt(error: automerge::AutomergeError) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(Box::new(error))
}

pub enum Persisted {
    /// Stored at this version.
    Stored(i64),
    /// Someone else wrote the document since it was loaded: load again and redo the merge.
    Stale,
}

/// Stores accepted changes. Call inside a write transaction; the document row is locked (PostgreSQL) or the database
/// write-locked (SQLite) until commit, so writers to one document take turns and none overwrites another. Put the
/// document in the cache only after the commit (see [`remember`]), so a rolled-back write is never cached.
///
/// Authorship comes from the binding: changes by the server's actor are recorded under `for_server` (the reviewer it
/// acted for, or nobody for its own bookkeeping), all others under `author` (the device that sent them).
pub fn persist(
    conn: &mut DbConn,
    id: Uuid,
    loaded_version: i64,
    doc: &Automerge,
    new_changes: &[Change],
    author: &Who,
    for_server: &Who,
) -> QueryResult<Persisted> {
    let key = id.to_string();
    let at = now();
    ensure_row(conn, &key, at)?;
    let (version, snapshot_bytes, chunk_bytes) = lock_row(conn, &key)?;
    if version != loaded_version {
        return Ok(Persisted::Stale);
    }
    let chunk = chunk_of(new_changes);
    let new_version = version + 1;
    let heads = doc.get_heads();
    let mut chunk_total = chunk_bytes + chunk.len() as i64;
    let compact = chunk_total > snapshot_bytes.max(MIN_COMPACTION_BYTES);
    if compact {
        let snapshot = document::save(doc);
        diesel::delete(document_chunks::table.filter(document_chunks::cooperative_id.eq(&key)))
            .execute(conn)?;
        diesel::update(documents::table.find(&key))
            .set((
                documents::snapshot.eq(Some(&snapshot)),
                documents::snapshot_bytes.eq(snapshot.len() as i64),
            ))
            .execute(conn)?;
        chunk_total = 0;
    } else {
        diesel::insert_into(document_chunks::table)
            .values((
                document_chunks::cooperative_id.eq(&key),
                document_chunks::data.eq(&chunk),
                document_chunks::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    diesel::update(documents::table.find(&key))
        .set((
            documents::heads.eq(encode_heads(&heads)),
            documents::version.eq(new_version),
            documents::chunk_bytes.eq(chunk_total),
            documents::updated_at.eq(at),
        ))
        .execute(conn)?;
    let server = hezuo_sync::server_edit::server_actor();
    for change in new_changes {
        let author = if change.actor_id() == &server {
            for_server
        } else {
            author
        };
        diesel::insert_into(document_changes::table)
            .values((
                document_changes::hash.eq(change.hash().to_string()),
                document_changes::cooperative_id.eq(&key),
                document_changes::actor.eq(change.actor_id().to_hex_string()),
                document_changes::device_id.eq(author.device_id),
                document_changes::user_id.eq(author.user_id),
                document_changes::claimed_at
                    .eq(DateTime::from_timestamp_millis(change.timestamp()).map(|t| t.naive_utc())),
                document_changes::received_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(Persisted::Stored(new_version))
}

/// Rewrites a document whose stored bytes hold changes waiting for a missing dependency (written before the trust
/// boundary kept them out): a new snapshot without them, the chunks folded in, the version moved on so every cache
/// drops its copy. Heads do not change, since those changes were never applied. `true` when something was repaired.
pub fn repair_orphans(conn: &mut DbConn, id: Uuid) -> QueryResult<bool> {
    let key = id.to_string();
    let (version, _, _) = lock_row(conn, &key)?;
    let snapshot: Option<Vec<u8>> = documents::table
        .find(&key)
        .select(documents::snapshot)
        .get_result(conn)?;
    let chunks = load_chunks(conn, &key)?;
    let (doc, dropped) = assemble(id, snapshot.as_deref(), &chunks)?;
    if !dropped {
        return Ok(false);
    }
    let repaired = document::save(&doc);
    diesel::delete(document_chunks::table.filter(document_chunks::cooperative_id.eq(&key)))
        .execute(conn)?;
    diesel::update(documents::table.find(&key))
        .set((
            documents::snapshot.eq(Some(&repaired)),
            documents::snapshot_bytes.eq(repaired.len() as i64),
            documents::chunk_bytes.eq(0_i64),
            documents::version.eq(version + 1),
            documents::updated_at.eq(now()),
        ))
        .execute(conn)?;
    crate::models::audit::record(
        conn,
        &crate::models::Who::system(),
        crate::models::audit::Entry {
            action: crate::models::audit::Action::DocumentOrphansDropped,
            entity_type: "cooperative",
            entity_id: &key,
        },
        crate::models::audit::NONE,
        Some(&serde_json::json!({ "version": version + 1 })),
    )?;
    Ok(true)
}

/// Caches a copy of a document just committed at `version`, measuring what the copy holds. Its saved size is the
/// bytes loaded plus those of the changes written, rather than saving the whole document again.
pub fn remember(cache: &DocCache, id: Uuid, version: i64, doc: &Automerge, saved_bytes: usize) {
    let (copy, cost) = crate::heap::retained_by(|| Arc::new(doc.clone()));
    cache.put(id, version, copy, saved_bytes, cost);
}

/// Changes as one chunk for `Automerge::load_incremental`.
pub fn chunk_of(changes: &[Change]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for change in changes {
        bytes.extend_from_slice(change.raw_bytes());
    }
    bytes
}

/// Creates the document's row at its genesis if it has none; concurrent creators do not collide.
fn ensure_row(conn: &mut DbConn, key: &str, at: chrono::NaiveDateTime) -> QueryResult<()> {
    let genesis = Uuid::parse_str(key)
        .map(|id| encode_heads(&[document::genesis_hash(id)]))
        .unwrap_or_default();
    let row = (
        documents::cooperative_id.eq(key),
        documents::heads.eq(genesis),
        documents::version.eq(0_i64),
        documents::snapshot_bytes.eq(0_i64),
        documents::chunk_bytes.eq(0_i64),
        documents::created_at.eq(at),
        documents::updated_at.eq(at),
    );
    with_backend!(conn, |c| diesel::insert_into(documents::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(())
}

/// (version, snapshot bytes, chunk bytes), locking the row on PostgreSQL; SQLite's write transaction already holds the
/// database's write lock.
fn lock_row(conn: &mut DbConn, key: &str) -> QueryResult<(i64, i64, i64)> {
    let columns = (
        documents::version,
        documents::snapshot_bytes,
        documents::chunk_bytes,
    );
    match conn {
        DbConn::Pg(c) => documents::table
            .find(key)
            .select(columns)
            .for_update()
            .get_result(c),
        DbConn::Sqlite(c) => documents::table.find(key).select(columns).get_result(c),
    }
}

/// The sync state with a device; a fresh one for a session without a device, which keeps none.
pub fn load_state(conn: &mut DbConn, id: Uuid, device: Option<DeviceId>) -> QueryResult<State> {
    let Some(device) = device else {
        return Ok(State::new());
    };
    let bytes: Option<Vec<u8>> = sync_states::table
        .find((id.to_string(), device))
        .select(sync_states::state)
        .get_result(conn)
        .optional()?;
    Ok(bytes.map(|b| engine::decode_state(&b)).unwrap_or_default())
}

/// The sync states of many documents with one device, with the heads last offered to it, in one query; documents
/// without one get a fresh state.
pub fn load_states(
    conn: &mut DbConn,
    ids: &[Uuid],
    device: Option<DeviceId>,
) -> QueryResult<HashMap<Uuid, (State, Vec<ChangeHash>)>> {
    let mut states = HashMap::new();
    let Some(device) = device else {
        return Ok(states);
    };
    let keys: Vec<CooperativeId> = ids.iter().copied().map(CooperativeId::from).collect();
    for chunk in keys.chunks(500) {
        let rows: Vec<(CooperativeId, Vec<u8>, Option<String>)> = sync_states::table
            .filter(sync_states::device_id.eq(device))
            .filter(sync_states::cooperative_id.eq_any(chunk))
            .select((
                sync_states::cooperative_id,
                sync_states::state,
                sync_states::offered_heads,
            ))
            .load(conn)?;
        for (id, bytes, offered) in rows {
            let offered = offered
                .map(|o| decode_heads(&o))
                .transpose()?
                .unwrap_or_default();
            states.insert(id.uuid(), (engine::decode_state(&bytes), offered));
        }
    }
    Ok(states)
}

/// Records that the device was sent everything up to `heads` of each document.
pub fn save_offers(
    conn: &mut DbConn,
    device: DeviceId,
    offers: &[(Uuid, Vec<ChangeHash>)],
) -> QueryResult<()> {
    for (id, heads) in offers {
        let encoded = encode_heads(heads);
        let change = SyncStateChange {
            state: None,
            offered_heads: Some(&encoded),
            updated_at: now(),
        };
        upsert_sync_state(conn, &id.to_string(), device, &change)?;
    }
    Ok(())
}

/// Stores the sync state when the part that lasts across sessions (the shared heads) changed.
pub fn save_state(
    conn: &mut DbConn,
    id: Uuid,
    device: DeviceId,
    before: &State,
    after: &State,
) -> QueryResult<()> {
    if before.shared_heads == after.shared_heads {
        return Ok(());
    }
    let encoded = after.encode();
    let change = SyncStateChange {
        state: Some(&encoded),
        offered_heads: None,
        updated_at: now(),
    };
    upsert_sync_state(conn, &id.to_string(), device, &change)
}

/// The columns of a device's sync state for one document that a write sets; `None` leaves a column as it is.
#[derive(AsChangeset)]
#[diesel(table_name = sync_states)]
struct SyncStateChange<'a> {
    state: Option<&'a [u8]>,
    offered_heads: Option<&'a str>,
    updated_at: chrono::NaiveDateTime,
}

/// Updates the row, or creates it (a fresh state where none is given) when the device never synced the document.
fn upsert_sync_state(
    conn: &mut DbConn,
    key: &str,
    device_id: DeviceId,
    change: &SyncStateChange<'_>,
) -> QueryResult<()> {
    let updated = diesel::update(sync_states::table.find((key, device_id)))
        .set(change)
        .execute(conn)?;
    if updated == 0 {
        let fresh = State::new().encode();
        let row = (
            sync_states::cooperative_id.eq(key),
            sync_states::device_id.eq(device_id),
            sync_states::state.eq(change.state.unwrap_or(&fresh)),
            sync_states::offered_heads.eq(change.offered_heads),
            sync_states::updated_at.eq(change.updated_at),
        );
        with_backend!(conn, |c| diesel::insert_into(sync_states::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    Ok(())
}

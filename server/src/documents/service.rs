//! The HTTP batch sync service: a request's documents, each checked for scope and quarantine, merged through the
//! trust boundary, persisted before the reply is built.

use std::collections::{HashMap, HashSet};

use automerge::ActorId;
use diesel::prelude::*;
use hezuo_mobile_api::sync::{
    DocError, DocErrorCode, DocReply, Summary, SyncRequest, SyncResponse,
};
use hezuo_sync::document;
use hezuo_sync::engine::{self, ReceiveError, Received};
use hezuo_sync::trust::{Refusal, Writer};
use uuid::Uuid;

use super::batch_plan::{self, Close, Known, Step, doc_error, out_of_scope};
use super::commit::{Commit, STALE_RETRIES};
use super::store;
use super::{Documents, Via};
use crate::auth::Scope;
use crate::db::id::{CooperativeId, DeviceId, UserId};
use crate::db::schema::{cooperatives, devices, quarantines};
use crate::db::{DbConn, write_transaction};
use crate::error::{ApiError, ApiResult};
use crate::metrics::{Metrics, Transport};
use crate::models::{Who, now, regions};

/// The device on the other end, as the session and the device binding say.
pub struct Caller {
    pub user_id: UserId,
    /// None when the session has no registered device (read-only WebSocket clients).
    pub device_id: Option<DeviceId>,
    pub actor: ActorId,
    pub may_write: bool,
    pub scope: Scope,
}

impl Caller {
    pub fn who(&self) -> Who {
        Who::person(self.user_id, self.device_id)
    }

    fn writer(&self, other_actors: HashSet<ActorId>) -> Writer {
        Writer {
            actor: self.actor.clone(),
            other_actors,
            user_id: self.user_id.to_string(),
            device_id: self
                .device_id
                .map(|device| device.to_string())
                .unwrap_or_default(),
            may_write: self.may_write,
        }
    }
}

/// What the server knows of the documents a request names: registered cooperatives' regions, merged duplicates, and
/// this account's holds.
pub fn look_up(conn: &mut DbConn, caller: &Caller, ids: &[Uuid]) -> QueryResult<Known> {
    let mut known = Known::default();
    if let [id] = ids {
        // One document (every WebSocket message): statements with a fixed shape, which the connection prepares once
        // and reuses, where a list of ids makes new SQL for each length. They run on the backend's own connection:
        // through the two-backend connection, diesel writes out each statement's SQL again on every call.
        let key = CooperativeId::from(*id);
        let row = cooperatives::table.find(&key).select(REGISTRY_COLUMNS);
        let held = quarantines::table
            .filter(quarantines::device_id.eq_any(devices_of(&caller.user_id)))
            .filter(quarantines::cooperative_id.eq(&key))
            .filter(quarantines::released_at.is_null())
            .select(HOLD_COLUMNS);
        let (row, held): (RegistryRow, Vec<HoldRow>) = crate::with_backend!(conn, |inner| (
            row.get_result(inner).optional()?,
            held.load(inner)?
        ));
        record(&mut known, row, held);
        return Ok(known);
    }
    for chunk in ids.chunks(500) {
        let keys: Vec<CooperativeId> = chunk.iter().copied().map(CooperativeId::from).collect();
        let rows: Vec<(CooperativeId, String, Option<CooperativeId>)> = cooperatives::table
            .filter(cooperatives::id.eq_any(&keys))
            .select(REGISTRY_COLUMNS)
            .load(conn)?;
        let held: Vec<(CooperativeId, String, String, String)> = quarantines::table
            .filter(quarantines::device_id.eq_any(devices_of(&caller.user_id)))
            .filter(quarantines::cooperative_id.eq_any(&keys))
            .filter(quarantines::released_at.is_null())
            .select(HOLD_COLUMNS)
            .load(conn)?;
        record(&mut known, rows, held);
    }
    Ok(known)
}

/// A cooperative as the look-up reads it: its id, where it lies, and what it was merged into.
type RegistryRow = Option<(CooperativeId, String, Option<CooperativeId>)>;

/// A hold as the look-up reads it: the cooperative, the code, and the reason in Chinese and in English.
type HoldRow = (CooperativeId, String, String, String);

/// What the look-up reads of a cooperative.
const REGISTRY_COLUMNS: (
    cooperatives::id,
    cooperatives::region_path,
    cooperatives::merged_into,
) = (
    cooperatives::id,
    cooperatives::region_path,
    cooperatives::merged_into,
);

/// What the look-up reads of a hold on a document.
const HOLD_COLUMNS: (
    quarantines::cooperative_id,
    quarantines::code,
    quarantines::reason_zh,
    quarantines::reason_en,
) = (
    quarantines::cooperative_id,
    quarantines::code,
    quarantines::reason_zh,
    quarantines::reason_en,
);

/// The devices of an account: a hold follows the account, so a new device of the same counsellor is held too.
fn devices_of(
    user: &UserId,
) -> diesel::dsl::Select<
    diesel::dsl::Filter<devices::table, diesel::dsl::Eq<devices::user_id, &UserId>>,
    devices::id,
> {
    devices::table
        .filter(devices::user_id.eq(user))
        .select(devices::id)
}

/// Adds what the registry and the holds say of some documents to `known`.
fn record(
    known: &mut Known,
    rows: impl IntoIterator<Item = (CooperativeId, String, Option<CooperativeId>)>,
    held: Vec<(CooperativeId, String, String, String)>,
) {
    for (id, path, survivor) in rows {
        if let Some(survivor) = survivor {
            known.merged_into.insert(id.uuid(), survivor.uuid());
        }
        known.region_paths.insert(id.uuid(), path);
    }
    for (id, code, zh, en) in held {
        known.quarantined.insert(id.uuid(), (code, zh, en));
    }
}

/// One batch request: each entry is planned ([`batch_plan::step`]), messages are merged through the trust boundary,
/// what phones lack is sent, and every merge of the request is stored in one transaction before any is acknowledged.
pub fn handle(
    conn: &mut DbConn,
    documents: &Documents,
    metrics: &Metrics,
    caller: &Caller,
    request: SyncRequest,
) -> ApiResult<SyncResponse> {
    let started = std::time::Instant::now();
    let entries = batch_plan::entries(request.docs).ok_or_else(|| {
        ApiError::new(hezuo_mobile_api::ErrorCode::BadRequest)
            .with_detail("文档编号应为16字节", "document ids are 16 bytes")
    })?;
    let ids: Vec<Uuid> = entries.iter().map(|(id, _)| *id).collect();
    let known = look_up(conn, caller, &ids)?;
    let current = heads_by_id(conn, &ids)?;

    let mut replies = Vec::new();
    let mut pending: Vec<Merged> = Vec::new();
    let mut behind: Vec<(Uuid, i64, Option<Vec<u8>>)> = Vec::new();
    for (id, entry) in entries {
        let digest = entry.heads_digest.clone();
        match batch_plan::step(id, entry, &known, &caller.scope, current.get(&id)) {
            Step::Refuse(error) => replies.push(error_reply(id, error)),
            Step::Merge {
                message,
                registered,
                hold,
            } => {
                let state = store::load_state(conn, id, caller.device_id)?;
                let attempt = MergeAttempt {
                    id,
                    registered,
                    hold,
                    state: &state,
                    bytes: &message,
                };
                match merge(conn, documents, caller, attempt)? {
                    Ok(merged) => pending.push(merged),
                    Err(error) => replies.push(error_reply(id, error)),
                }
            }
            Step::Send { version } => behind.push((id, version, digest)),
            Step::InStep => {}
        }
    }
    replies.extend(send_what_phones_lack(
        conn, documents, metrics, caller, behind,
    )?);
    let merged_at = started.elapsed();
    let count = pending.len();
    replies.extend(store_and_answer(conn, documents, metrics, caller, pending)?);
    let committed_at = started.elapsed();
    for error in replies.iter().filter_map(|reply| reply.error.as_ref()) {
        metrics.count_sync(Transport::Http, error.code.as_str());
    }
    let want_digests = match &request.summary {
        Some(summary) => !summary_matches(conn, caller, &ids, summary)?,
        None => false,
    };
    tracing::debug!(
        documents = count,
        merge_ms = merged_at.as_secs_f64() * 1000.0,
        commit_ms = (committed_at - merged_at).as_secs_f64() * 1000.0,
        total_ms = started.elapsed().as_secs_f64() * 1000.0,
        want_digests,
        "batch sync"
    );
    Ok(SyncResponse {
        docs: replies,
        want_digests,
    })
}

fn error_reply(id: Uuid, error: DocError) -> DocReply {
    DocReply {
        id: id.as_bytes().to_vec(),
        error: Some(error),
        ..DocReply::default()
    }
}

/// The stored heads and versions of these documents, by id.
fn heads_by_id(
    conn: &mut DbConn,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, (Vec<automerge::ChangeHash>, i64)>> {
    let keys: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    store::heads_of(conn, &keys)?
        .into_iter()
        .map(|(id, heads)| Ok((crate::models::stored_uuid(&id)?, heads)))
        .collect()
}

/// Messages for the documents a phone lacks something of: one query for their sync states (cached copies need none).
/// Where its digest names heads the server can tell, everything it lacks goes out at once and is remembered as
/// offered.
fn send_what_phones_lack(
    conn: &mut DbConn,
    documents: &Documents,
    metrics: &Metrics,
    caller: &Caller,
    behind: Vec<(Uuid, i64, Option<Vec<u8>>)>,
) -> ApiResult<Vec<DocReply>> {
    let behind_ids: Vec<Uuid> = behind.iter().map(|(id, _, _)| *id).collect();
    let mut states = store::load_states(conn, &behind_ids, caller.device_id)?;
    let mut offers = Vec::new();
    let mut replies = Vec::new();
    for (id, version, digest) in behind {
        let stored = store::load_at(conn, &documents.cache, id, version)?;
        let (mut state, offered) = states.remove(&id).unwrap_or_default();
        let acknowledged = state.shared_heads.clone();
        if let Some(heads) = batch_plan::heads_named(id, digest.as_deref(), acknowledged, offered) {
            engine::assume_peer_has(&mut state, heads);
            offers.push((id, stored.doc.get_heads()));
        }
        metrics.count_sync(Transport::Http, "sent");
        replies.push(DocReply {
            id: id.as_bytes().to_vec(),
            message: engine::generate(&stored.doc, &mut state),
            more: true,
            ..DocReply::default()
        });
    }
    if let Some(device) = caller.device_id.filter(|_| !offers.is_empty()) {
        write_transaction(conn, |conn| store::save_offers(conn, device, &offers))?;
    }
    Ok(replies)
}

/// Stores every merge of the request in one transaction, one commit: all durable before any is acknowledged. A merge
/// that lost a race with another writer is merged again on its own.
fn store_and_answer(
    conn: &mut DbConn,
    documents: &Documents,
    metrics: &Metrics,
    caller: &Caller,
    mut pending: Vec<Merged>,
) -> ApiResult<Vec<DocReply>> {
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let stored: Vec<bool> = write_transaction(conn, |conn| {
        pending
            .iter_mut()
            .map(|merged| store_merged(conn, documents, caller, merged, Persist::SyncState))
            .collect::<ApiResult<Vec<bool>>>()
    })?;
    let mut replies = Vec::with_capacity(pending.len());
    for (merged, stored) in pending.into_iter().zip(stored) {
        let id = merged.id;
        let outcome = if stored {
            finish(documents, merged, Persist::SyncState)
        } else {
            let attempt = MergeAttempt {
                id,
                registered: merged.registered,
                hold: merged.hold,
                state: &merged.state_before,
                bytes: &merged.bytes,
            };
            receive(conn, documents, caller, attempt, Persist::SyncState)?
        };
        if outcome.error.is_none() {
            metrics.count_sync(
                Transport::Http,
                if outcome.stored { "stored" } else { "in_step" },
            );
        }
        replies.push(DocReply {
            id: id.as_bytes().to_vec(),
            message: outcome.reply,
            error: outcome.error,
            more: outcome.more,
            acked: outcome.acked,
        });
    }
    Ok(replies)
}

/// Whether the phone's summary still holds for the documents the device holds that the request did not name. A
/// device's documents are those the manifest gave it plus those it created.
fn summary_matches(
    conn: &mut DbConn,
    caller: &Caller,
    named: &[Uuid],
    summary: &Summary,
) -> ApiResult<bool> {
    use crate::db::schema::device_documents;
    let Some(device) = caller.device_id else {
        return Ok(false);
    };
    let held: Vec<Uuid> = device_documents::table
        .filter(device_documents::device_id.eq(device))
        .select(device_documents::cooperative_id)
        .load::<CooperativeId>(conn)?
        .into_iter()
        .map(Uuid::from)
        .collect();
    let named: HashSet<Uuid> = named.iter().copied().collect();
    let unnamed: Vec<Uuid> = held
        .iter()
        .filter(|id| !named.contains(id))
        .copied()
        .collect();
    let current = heads_by_id(conn, &unnamed)?
        .into_iter()
        .map(|(id, (heads, _))| (id, heads))
        .collect();
    Ok(batch_plan::summary_matches(
        &held, &named, &current, summary,
    ))
}

/// Whether the sync state is stored (HTTP, where every request is a new session) or kept by the caller (a
/// WebSocket connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persist {
    SyncState,
    Nothing,
}

/// What taking one message produced.
pub struct Outcome {
    /// The device's message brought changes, now stored.
    pub stored: bool,
    /// The server's next message for the device.
    pub reply: Option<Vec<u8>>,
    pub error: Option<DocError>,
    /// The device still lacks something or has something the server lacks.
    pub more: bool,
    /// The sync state after the exchange.
    pub state: automerge::sync::State,
    /// With [`Persist::SyncState`]: the digest of the heads both sides now share, sent instead of a message that would
    /// only say so.
    pub acked: Option<Vec<u8>>,
}

/// A device's message merged into a fork that passed the trust boundary, not yet stored.
pub struct Merged {
    pub id: Uuid,
    pub registered: bool,
    /// The sync state before the message, kept for a retry.
    pub state_before: automerge::sync::State,
    pub bytes: Vec<u8>,
    /// The version of the document the merge started from.
    pub version: i64,
    /// The version stored, once stored (the server's own review changes may follow the device's).
    pub stored_version: i64,
    pub saved_bytes: usize,
    pub received: Received,
    /// Actors (hex) of the stored changes that no device had used: bound to this device with them.
    pub claims: Vec<String>,
    /// The device's writes to this document are on hold: its changes were set aside and it only reads.
    pub hold: Option<DocError>,
}

/// One document's message to merge.
pub struct MergeAttempt<'a> {
    pub id: Uuid,
    /// The registry has the cooperative (otherwise the caller may be creating it).
    pub registered: bool,
    /// The device's writes to the document are on hold (see [`batch_plan::write_hold`]).
    pub hold: Option<DocError>,
    /// The sync state before the message.
    pub state: &'a automerge::sync::State,
    pub bytes: &'a [u8],
}

/// Loads the document and merges the message on a fork through the trust boundary. A refusal puts the device on
/// hold for the document and comes back as the error to report. With a `hold`, the message's changes are set aside
/// and the rest of it (what the device has and needs) is answered, so the device still receives the document.
pub fn merge(
    conn: &mut DbConn,
    documents: &Documents,
    caller: &Caller,
    attempt: MergeAttempt<'_>,
) -> ApiResult<Result<Merged, DocError>> {
    let MergeAttempt {
        id,
        registered,
        hold,
        state,
        bytes,
    } = attempt;
    let malformed =
        |detail: String| doc_error(DocErrorCode::Malformed, false, "同步消息无法解析", detail);
    let stored = store::load(conn, &documents.cache, id)?;
    let mut message = match engine::decode_message(bytes) {
        Ok(message) => message,
        Err(error) => return Ok(Err(malformed(error.to_string()))),
    };
    if hold.is_some() {
        if !registered {
            return Ok(Err(out_of_scope()));
        }
        message.changes = automerge::sync::ChunkList::empty();
        // Its Bloom filter describes changes that stay on the phone; without it the reply carries everything after
        // the last sync, so a false positive (about 1 in 100) cannot hold back what the device lacks.
        for have in &mut message.have {
            have.bloom = automerge::sync::BloomFilter::default();
        }
    }
    let actors = match engine::message_actors(&message) {
        Ok(actors) => actors,
        Err(error) => return Ok(Err(malformed(error.to_string()))),
    };
    let binding = bind_actors(conn, caller, id, actors)?;
    let version = stored.version;
    let saved_bytes = stored.saved_bytes;
    let writer = caller.writer(binding.usable());
    let received = match engine::receive_from_device(id, stored.doc, state, message, &writer) {
        Ok(received) => received,
        Err(ReceiveError::Refused(refusal)) => {
            quarantine(conn, caller, id, &refusal)?;
            return Ok(Err(refused(&refusal)));
        }
        Err(ReceiveError::Malformed(detail)) => return Ok(Err(malformed(detail))),
    };
    // An unknown id is a cooperative being created by this caller, in their regions, or it is answered exactly like
    // a cooperative outside them.
    if !registered
        && (received.new_changes.is_empty() || !is_valid_new_cooperative(conn, caller, &received))
    {
        return Ok(Err(out_of_scope()));
    }
    let incoming: usize = received
        .new_changes
        .iter()
        .map(|c| c.raw_bytes().len())
        .sum();
    if incoming > 0 && saved_bytes + incoming > documents.rules.max_document_bytes {
        let refusal = Refusal {
            code: hezuo_sync::trust::RefusalCode::TooLarge,
            path: None,
            message_zh: format!(
                "该合作社的文档已达上限（{} KB），不能再增加内容，请联系管理员",
                documents.rules.max_document_bytes / 1024
            ),
            message_en: format!(
                "the cooperative's document would grow past {} bytes",
                documents.rules.max_document_bytes
            ),
        };
        quarantine(conn, caller, id, &refusal)?;
        return Ok(Err(refused(&refusal)));
    }
    let mut claims: Vec<String> = received
        .new_changes
        .iter()
        .map(|change| change.actor_id())
        .filter(|actor| binding.unbound.contains(*actor))
        .map(ActorId::to_hex_string)
        .collect();
    claims.sort();
    claims.dedup();
    Ok(Ok(Merged {
        id,
        registered,
        state_before: state.clone(),
        bytes: bytes.to_vec(),
        version,
        stored_version: version,
        saved_bytes,
        received,
        claims,
        hold,
    }))
}

/// The device's actors as far as one message needs them.
struct ActorBinding {
    /// Actors bound to this device besides the one the server assigned.
    bound: HashSet<ActorId>,
    /// Actors of the message that no device has used: this device's once its changes are stored.
    unbound: HashSet<ActorId>,
}

impl ActorBinding {
    fn usable(&self) -> HashSet<ActorId> {
        self.bound.union(&self.unbound).cloned().collect()
    }
}

/// Binding on first use: an actor never seen before may become this device's; one bound to another device stays
/// foreign. Only device actors qualify (16 bytes, as automerge makes them), never the server's or a genesis actor, and
/// only for a session with a registered device.
fn bind_actors(
    conn: &mut DbConn,
    caller: &Caller,
    id: Uuid,
    actors: HashSet<ActorId>,
) -> QueryResult<ActorBinding> {
    let mut binding = ActorBinding {
        bound: HashSet::new(),
        unbound: HashSet::new(),
    };
    let candidates: Vec<ActorId> = actors
        .into_iter()
        .filter(|actor| actor != &caller.actor && actor != &document::genesis_actor(id))
        .filter(|actor| actor.to_bytes().len() == 16)
        .collect();
    let Some(device) = caller.device_id.filter(|_| !candidates.is_empty()) else {
        return Ok(binding);
    };
    let keys: Vec<String> = candidates.iter().map(ActorId::to_hex_string).collect();
    let owners = crate::models::devices::actor_devices(conn, &keys)?;
    for (actor, key) in candidates.into_iter().zip(keys) {
        match owners.get(&key) {
            Some(owner) if *owner == device => {
                binding.bound.insert(actor);
            }
            Some(_) => {}
            None => {
                binding.unbound.insert(actor);
            }
        }
    }
    Ok(binding)
}

/// Writes one merge inside the caller's transaction; `false` when another writer changed the document meanwhile
/// (nothing was written for it then). The device's changes may move visits in review (a resubmission, an edit after
/// approval); the server's record of that follows as its own change in the same commit.
fn store_merged(
    conn: &mut DbConn,
    documents: &Documents,
    caller: &Caller,
    merged: &mut Merged,
    persist: Persist,
) -> ApiResult<bool> {
    let device = match caller.device_id {
        Some(device) => device,
        // Only a device writes: a session without one had its changes refused at the trust boundary, and it keeps no
        // sync state.
        None if merged.received.new_changes.is_empty() => return Ok(true),
        None => {
            return Err(ApiError::internal(anyhow::anyhow!(
                "changes from a session without a device reached the store"
            )));
        }
    };
    if !crate::models::devices::bind_actors(conn, device, &merged.claims)? {
        // Another device sent the same new actor first: merged again, the change is judged as that device's.
        return Ok(false);
    }
    if !merged.received.new_changes.is_empty() {
        let who = caller.who();
        let received = &mut merged.received;
        let accepted = &received.new_changes;
        let commit = Commit {
            id: merged.id,
            base_version: merged.version,
            // The fork the changes went into: this makes no copy.
            doc: std::sync::Arc::make_mut(&mut received.doc),
            changes: accepted.clone(),
            checked: received.checked.take(),
            who: &who,
            via: Via::Phone,
        };
        let registered = merged.registered;
        let id = merged.id;
        let Some(committed) = documents.commit(conn, commit, |conn, version, doc| {
            record_accepted(conn, &who, id, accepted, version)?;
            if !registered {
                register_field_cooperative(conn, caller, id, doc)?;
            }
            Ok(())
        })?
        else {
            return Ok(false);
        };
        // The device cannot hold the server's change written just now. Left to the Bloom filter of its message, a
        // false positive (about 1 in 100) would hold the record back for another round trip; when the device has
        // everything else, the reply carries exactly the server's changes.
        if let Some(heads) = committed.heads_before_follow_up
            && received.state.their_heads.as_ref() == Some(&heads)
        {
            engine::assume_peer_has(&mut received.state, heads);
        }
        merged.stored_version = committed.version;
        merged.saved_bytes += committed.added_bytes;
    }
    if persist == Persist::SyncState {
        store::save_state(
            conn,
            merged.id,
            device,
            &merged.state_before,
            &merged.received.state,
        )?;
    }
    Ok(true)
}

/// The audit row of an accepted sync, in the same transaction as the changes: who (from the device binding), which
/// device, which cooperative, which changes.
fn record_accepted(
    conn: &mut DbConn,
    who: &Who,
    id: Uuid,
    changes: &[automerge::Change],
    version: i64,
) -> QueryResult<()> {
    let hashes: Vec<String> = changes.iter().map(|c| c.hash().to_string()).collect();
    crate::models::audit::record(
        conn,
        who,
        crate::models::audit::Entry {
            action: crate::models::audit::Action::DocumentChangesAccepted,
            entity_type: "cooperative",
            entity_id: &id.to_string(),
        },
        crate::models::audit::NONE,
        Some(&serde_json::json!({ "changes": hashes, "version": version })),
    )
}

/// After the commit: cache the new version, tell live connections, and answer the device.
fn finish(documents: &Documents, mut merged: Merged, persist: Persist) -> Outcome {
    if let Some(hold) = merged.hold.take() {
        // Writes on hold: the device gets what it lacks and the reason its own changes stay on the phone.
        let received = &mut merged.received;
        let reply = engine::generate(&received.doc, &mut received.state);
        return Outcome {
            stored: false,
            reply,
            error: Some(hold),
            more: false,
            state: received.state.clone(),
            acked: None,
        };
    }
    let stored = !merged.received.new_changes.is_empty();
    if stored {
        documents.committed(
            merged.id,
            merged.stored_version,
            &merged.received.doc,
            merged.saved_bytes,
        );
    }
    let received = &mut merged.received;
    let heads = received.doc.get_heads();
    let acknowledge = persist == Persist::SyncState;
    match batch_plan::close(&heads, received.state.their_heads.as_ref(), acknowledge) {
        Close::Acknowledge(digest) => Outcome {
            stored,
            reply: None,
            error: None,
            more: false,
            state: received.state.clone(),
            acked: Some(digest),
        },
        Close::Message { more } => Outcome {
            stored,
            reply: documents.first_replies.generate(
                merged.id,
                merged.stored_version,
                &received.doc,
                &mut received.state,
            ),
            error: None,
            more,
            state: received.state.clone(),
            acked: None,
        },
    }
}

fn failed(state: &automerge::sync::State, error: DocError) -> Outcome {
    Outcome {
        stored: false,
        reply: None,
        error: Some(error),
        more: false,
        state: state.clone(),
        acked: None,
    }
}

/// Takes one document's message: fork, check, persist, answer. Every change the reply acknowledges is committed first.
pub fn receive(
    conn: &mut DbConn,
    documents: &Documents,
    caller: &Caller,
    attempt: MergeAttempt<'_>,
    persist: Persist,
) -> ApiResult<Outcome> {
    let state = attempt.state;
    for _ in 0..STALE_RETRIES {
        let again = MergeAttempt {
            hold: attempt.hold.clone(),
            ..attempt
        };
        let mut merged = match merge(conn, documents, caller, again)? {
            Ok(merged) => merged,
            Err(error) => return Ok(failed(state, error)),
        };
        // A message that brought nothing new, with no sync state to keep (every WebSocket read), needs no
        // transaction: on SQLite that would take the write lock for each reader.
        let nothing_to_store = merged.received.new_changes.is_empty()
            && merged.claims.is_empty()
            && (persist == Persist::Nothing || caller.device_id.is_none());
        let stored = nothing_to_store
            || write_transaction(conn, |conn| {
                store_merged(conn, documents, caller, &mut merged, persist)
            })?;
        if stored {
            return Ok(finish(documents, merged, persist));
        }
    }
    Ok(failed(state, batch_plan::busy()))
}

fn refused(refusal: &Refusal) -> DocError {
    doc_error(
        DocErrorCode::Refused,
        false,
        format!("修改被拒绝：{}", refusal.message_zh),
        format!("changes refused: {}", refusal.message_en),
    )
}

/// Puts the device on hold for this document (once; an existing hold stays). A session without a device has nothing
/// to hold: its changes are refused, that is all.
fn quarantine(conn: &mut DbConn, caller: &Caller, id: Uuid, refusal: &Refusal) -> QueryResult<()> {
    let Some(device) = caller.device_id else {
        return Ok(());
    };
    tracing::warn!(cooperative_id = %id, device_id = %device, code = %refusal.code, "changes refused; device quarantined for the document");
    let row = (
        quarantines::id.eq(Uuid::now_v7().to_string()),
        quarantines::cooperative_id.eq(id.to_string()),
        quarantines::device_id.eq(device),
        quarantines::code.eq(refusal.code.to_string()),
        quarantines::reason_zh.eq(&refusal.message_zh),
        quarantines::reason_en.eq(&refusal.message_en),
        quarantines::path.eq(refusal.path.as_deref()),
        quarantines::created_at.eq(now()),
    );
    let inserted = crate::with_backend!(conn, |c| diesel::insert_into(quarantines::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c));
    inserted.map(|_| ())
}

/// Whether a cooperative first seen in a phone's document names itself and lies in the caller's regions. (The phone
/// checks the same before saving; a document that fails is answered as out of scope, see [`out_of_scope`].)
fn is_valid_new_cooperative(conn: &mut DbConn, caller: &Caller, received: &Received) -> bool {
    let Ok(document) = document::read(&received.doc) else {
        return false;
    };
    let profile = document.profile;
    if profile.name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return false;
    }
    let code = profile.region_code.unwrap_or_default();
    regions::find(conn, &code)
        .ok()
        .flatten()
        .is_some_and(|region| caller.scope.covers_path(&region.path))
}

/// Enters a phone-created cooperative in the registry as pending verification (see
/// [`crate::models::cooperatives::register_field`]).
fn register_field_cooperative(
    conn: &mut DbConn,
    caller: &Caller,
    id: Uuid,
    doc: &automerge::Automerge,
) -> QueryResult<()> {
    let profile = document::read(doc)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?
        .profile;
    crate::models::cooperatives::register_field(conn, &caller.who(), id, &profile)
}

//! The sans-IO core of sync: documents and sync states in, documents, states and messages out. Transports (HTTP
//! batch, WebSocket) and storage wrap it; it never touches a socket or a database.

use std::collections::HashSet;
use std::sync::Arc;

use automerge::sync::{
    self, BloomFilter, Capability, ChunkList, Have, Message, MessageFlags, State, SyncDoc,
};
use automerge::{Automerge, Change, ChangeHash};
use uuid::Uuid;

use crate::trust::{self, Refusal, Writer};

/// What receiving a message from a device produced, ready to persist.
#[derive(Debug)]
pub struct Received {
    /// The document as it stands after the message: the caller's own when the message changed nothing, else the fork.
    pub doc: Arc<Automerge>,
    pub state: State,
    /// The changes the document did not have, in the order they were applied.
    pub new_changes: Vec<Change>,
    /// What the trust boundary found of the new changes (the merged document as read, and what they wrote to), when
    /// there were any.
    pub checked: Option<trust::Checked>,
}

impl Received {
    /// The new changes as one chunk for `Automerge::load_incremental` (empty when nothing was new).
    pub fn chunk(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for change in &self.new_changes {
            bytes.extend_from_slice(change.raw_bytes());
        }
        bytes
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("refused: {0}")]
    Refused(Refusal),
    #[error("malformed sync message: {0}")]
    Malformed(String),
}

/// Fork, apply, check, and only then accept: the server's handling of a device's message. It takes the document by
/// value (the caller's copy); on refusal that copy is dropped and whatever the caller stored is untouched. A message
/// without changes (heads, needs, bloom filters) cannot alter the document and is applied without a fork.
///
/// Only changes that can be applied now reach the fork, so nothing unchecked ever waits in the document's queue (from
/// where automerge would apply it later, unchecked, and save it with the document). Changes whose dependencies are
/// missing are dropped after their actor is checked, and the reply asks for them again (see [`ask_again`]).
pub fn receive_from_device(
    cooperative_id: Uuid,
    doc: impl Into<Arc<Automerge>>,
    state: &State,
    mut message: Message,
    writer: &Writer,
) -> Result<Received, ReceiveError> {
    let doc = doc.into();
    let mut state = state.clone();
    if message.changes.is_empty() {
        receive_without_changes(&doc, &mut state, message);
        return Ok(Received {
            doc,
            state,
            new_changes: Vec::new(),
            checked: None,
        });
    }
    let incoming = decode_changes(&message.changes)?;
    let unknown: Vec<Change> = incoming
        .into_iter()
        .filter(|change| doc.get_change_meta_by_hash(&change.hash()).is_none())
        .collect();
    for change in &unknown {
        trust::check_actor(cooperative_id, change, writer).map_err(ReceiveError::Refused)?;
        trust::check_size(change).map_err(ReceiveError::Refused)?;
    }
    let (ready, held) = split_ready(&doc, unknown);
    message.changes = ChunkList::from(
        ready
            .iter()
            .map(|change| change.raw_bytes().to_vec())
            .collect::<Vec<_>>(),
    );
    let mut fork = Automerge::clone(&doc);
    fork.receive_sync_message(&mut state, message)
        .map_err(|e| ReceiveError::Malformed(e.to_string()))?;
    if !held.is_empty() {
        ask_again(&fork, &mut state, &held);
    }
    let new_changes = trust::new_changes(&doc, &fork);
    let checked = if new_changes.is_empty() {
        None
    } else {
        Some(
            trust::check_changes(cooperative_id, &doc, &fork, &new_changes, writer)
                .map_err(ReceiveError::Refused)?,
        )
    };
    Ok(Received {
        doc: Arc::new(fork),
        state,
        new_changes,
        checked,
    })
}

/// What automerge's `receive_sync_message` does for a message that carries no changes, reading the document only:
/// automerge's own takes it mutably for the changes a message may apply, which would make every reader of a shared
/// document copy it whole. It follows automerge 0.12 step by step; `tests::without_changes_the_state_is_automerges`
/// holds it to automerge's own result.
fn receive_without_changes(doc: &Automerge, state: &mut State, message: Message) {
    state.in_flight = false;
    let Message {
        heads,
        need,
        have,
        flags,
        ..
    } = message;
    if let Some(flags) = flags {
        let mut capabilities = vec![Capability::MessageV2];
        if flags.contains(MessageFlags::SUPPORTS_SYNC_RESET) {
            capabilities.push(Capability::SyncReset);
        }
        state.their_capabilities = Some(capabilities);
        if flags.contains(MessageFlags::SYNC_RESET) {
            state.sent_hashes.clear();
        }
        state.peer_read_only = flags.contains(MessageFlags::READ_ONLY);
    }
    let known: Vec<ChangeHash> = heads
        .iter()
        .filter(|head| doc.get_change_meta_by_hash(head).is_some())
        .copied()
        .collect();
    // What was sent and is an ancestor of the heads they have is no longer in flight.
    if !state.sent_hashes.is_empty() && !known.is_empty() {
        let after: HashSet<ChangeHash> = doc.get_changes(&known).iter().map(Change::hash).collect();
        state.sent_hashes.retain(|hash| after.contains(hash));
    }
    if heads == doc.get_heads() {
        state.last_sent_heads.clone_from(&heads);
    }
    if known.len() == heads.len() {
        state.shared_heads.clone_from(&heads);
        // The peer lost everything: start again from nothing.
        if heads.is_empty() {
            state.last_sent_heads = Vec::new();
            state.sent_hashes = Default::default();
        }
    } else {
        let mut shared: Vec<ChangeHash> =
            state.shared_heads.iter().chain(&known).copied().collect();
        shared.sort();
        shared.dedup();
        state.shared_heads = shared;
    }
    state.their_have = Some(have);
    state.their_heads = Some(heads);
    state.their_need = Some(need);
}

/// The actors of the changes a message carries: what the server must know of the device binding before it can judge
/// the message.
pub fn message_actors(message: &Message) -> Result<HashSet<automerge::ActorId>, ReceiveError> {
    Ok(decode_changes(&message.changes)?
        .iter()
        .map(|change| change.actor_id().clone())
        .collect())
}

/// The changes a message carries. Each element of the list holds one or more storage chunks back to back (v1 sends
/// one change per element, v2 all of them in one): single changes, compressed changes, bundles, or a whole saved
/// document (sent when most of a document is missing; it holds every change from its root, so it loads alone).
fn decode_changes(list: &ChunkList) -> Result<Vec<Change>, ReceiveError> {
    let malformed = |e: &dyn std::fmt::Display| ReceiveError::Malformed(e.to_string());
    let mut changes = Vec::new();
    for bytes in list.iter() {
        for (kind, chunk) in split_chunks(bytes)? {
            match kind {
                CHUNK_DOCUMENT => {
                    let saved = Automerge::load(chunk).map_err(|e| malformed(&e))?;
                    changes.extend(saved.get_changes(&[]));
                }
                CHUNK_CHANGE | CHUNK_COMPRESSED_CHANGE => {
                    changes.push(Change::try_from(chunk).map_err(|e| malformed(&e))?);
                }
                CHUNK_BUNDLE => {
                    let bundle = automerge::Bundle::try_from(chunk).map_err(|e| malformed(&e))?;
                    changes.extend(bundle.to_changes().map_err(|e| malformed(&e))?);
                }
                other => {
                    return Err(ReceiveError::Malformed(format!(
                        "unknown chunk type {other}"
                    )));
                }
            }
        }
    }
    Ok(changes)
}

/// Storage chunk types of the automerge binary format.
const CHUNK_DOCUMENT: u8 = 0;
const CHUNK_CHANGE: u8 = 1;
const CHUNK_COMPRESSED_CHANGE: u8 = 2;
const CHUNK_BUNDLE: u8 = 3;
const CHUNK_MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// Splits bytes into storage chunks: magic (4 bytes), checksum (4), type (1), length (unsigned LEB128), data.
fn split_chunks(mut bytes: &[u8]) -> Result<Vec<(u8, &[u8])>, ReceiveError> {
    let malformed = |why: &str| ReceiveError::Malformed(format!("not an automerge chunk: {why}"));
    let mut chunks = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 10 || bytes[..4] != CHUNK_MAGIC {
            return Err(malformed("bad header"));
        }
        let kind = bytes[8];
        let mut length: u64 = 0;
        let mut header = 9;
        for shift in (0..64).step_by(7) {
            let byte = *bytes
                .get(header)
                .ok_or_else(|| malformed("truncated length"))?;
            header += 1;
            length |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
        }
        let end = usize::try_from(length)
            .ok()
            .and_then(|length| header.checked_add(length))
            .filter(|end| *end <= bytes.len())
            .ok_or_else(|| malformed("truncated data"))?;
        chunks.push((kind, &bytes[..end]));
        bytes = &bytes[end..];
    }
    Ok(chunks)
}

/// Splits new changes into those applicable to `doc` (every dependency in `doc` or among the applicable ones) and
/// those still missing a dependency.
fn split_ready(doc: &Automerge, mut pending: Vec<Change>) -> (Vec<Change>, Vec<Change>) {
    let mut ready: Vec<Change> = Vec::new();
    let mut ready_hashes: HashSet<ChangeHash> = HashSet::new();
    loop {
        let before = pending.len();
        pending.retain(|change| {
            let applicable = change.deps().iter().all(|dep| {
                ready_hashes.contains(dep) || doc.get_change_meta_by_hash(dep).is_some()
            });
            if applicable && ready_hashes.insert(change.hash()) {
                ready.push(change.clone());
            }
            !applicable
        });
        if pending.len() == before {
            return (ready, pending);
        }
    }
}

/// Makes the next reply ask for what the dropped changes were missing, and for the dropped changes themselves, and
/// tells the device to forget what it believes it already sent, so it sends them again.
fn ask_again(doc: &Automerge, state: &mut State, held: &[Change]) {
    let held_hashes: HashSet<ChangeHash> = held.iter().map(Change::hash).collect();
    let mut wanted: Vec<ChangeHash> = state.their_heads.clone().unwrap_or_default();
    for change in held {
        for dep in change.deps() {
            if !held_hashes.contains(dep) && doc.get_change_meta_by_hash(dep).is_none() {
                wanted.push(*dep);
            }
        }
        wanted.push(change.hash());
    }
    wanted.sort();
    wanted.dedup();
    state.their_heads = Some(wanted);
    state.needs_reset = true;
}

/// Whether both sides now hold the same heads, so there is nothing to say (the next sync's digest will show it).
pub fn in_step(doc: &Automerge, state: &State) -> bool {
    state.their_heads.as_ref() == Some(&doc.get_heads())
}

/// Decodes a message from the wire.
pub fn decode_message(bytes: &[u8]) -> Result<Message, ReceiveError> {
    Message::decode(bytes).map_err(|e| ReceiveError::Malformed(e.to_string()))
}

/// Records that the peer is known to have exactly `heads` (its digest matched them), so that the next generated
/// message carries everything it lacks at once instead of first asking what it has.
pub fn assume_peer_has(state: &mut State, heads: Vec<ChangeHash>) {
    state.their_heads = Some(heads.clone());
    state.their_need = Some(Vec::new());
    state.their_have = Some(vec![Have {
        last_sync: heads.clone(),
        bloom: BloomFilter::default(),
    }]);
    state.shared_heads = heads;
}

/// The next message for the peer, if there is anything to say.
pub fn generate(doc: &Automerge, state: &mut State) -> Option<Vec<u8>> {
    doc.generate_sync_message(state).map(|m| m.encode())
}

/// Applies a message from the server on the phone (the server is trusted).
pub fn receive_from_server(
    doc: &mut Automerge,
    state: &mut State,
    bytes: &[u8],
) -> Result<(), ReceiveError> {
    let message = decode_message(bytes)?;
    doc.receive_sync_message(state, message)
        .map_err(|e| ReceiveError::Malformed(e.to_string()))
}

/// Restores a persisted sync state; a corrupt one is replaced by a fresh state (sync then starts from scratch, which
/// costs bytes but loses nothing).
pub fn decode_state(bytes: &[u8]) -> State {
    sync::State::decode(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, ROOT};

    use super::*;

    fn doc_with(actor: u8, edits: usize) -> Automerge {
        let mut doc = Automerge::new().with_actor(ActorId::from(vec![actor; 16]));
        for n in 0..edits {
            let mut tx = doc.transaction();
            tx.put(ROOT, format!("k{actor}-{n}"), n as i64)
                .expect("put");
            tx.commit();
        }
        doc
    }

    /// Runs a sync between `server` and `client` until both are quiet, checking every message without changes that
    /// reaches the server against automerge's own handling. `tweak` may alter each such message first (then the two
    /// need not end in step). Returns how many were checked.
    fn sync_checking(
        server: &mut Automerge,
        server_state: &mut State,
        client: &mut Automerge,
        client_state: &mut State,
        tweak: Option<&dyn Fn(&mut Message)>,
    ) -> usize {
        let mut checked = 0;
        for _ in 0..20 {
            let to_server = client.generate_sync_message(client_state);
            if let Some(mut message) = to_server.clone() {
                if message.changes.is_empty() {
                    if let Some(tweak) = tweak {
                        tweak(&mut message);
                    }
                    let mut ours = server_state.clone();
                    receive_without_changes(server, &mut ours, message.clone());
                    server
                        .receive_sync_message(server_state, message)
                        .expect("automerge receives");
                    assert_eq!(
                        &ours, server_state,
                        "the state after a message without changes"
                    );
                    checked += 1;
                } else {
                    server
                        .receive_sync_message(server_state, message)
                        .expect("automerge receives");
                }
            }
            let to_client = server.generate_sync_message(server_state);
            if let Some(message) = to_client.clone() {
                client
                    .receive_sync_message(client_state, message)
                    .expect("client receives");
            }
            if to_server.is_none() && to_client.is_none() {
                break;
            }
        }
        if tweak.is_none() {
            assert_eq!(server.get_heads(), client.get_heads(), "in step");
        }
        checked
    }

    #[test]
    fn without_changes_the_state_is_automerges() {
        let mut checked = 0;
        // A new phone reads a document; then it and the server each write and sync again.
        let mut server = doc_with(1, 5);
        let (mut server_state, mut client_state) = (State::new(), State::new());
        let mut client = Automerge::new().with_actor(ActorId::from(vec![2; 16]));
        checked += sync_checking(
            &mut server,
            &mut server_state,
            &mut client,
            &mut client_state,
            None,
        );
        let mut tx = client.transaction();
        tx.put(ROOT, "from the phone", 1).expect("put");
        tx.commit();
        let mut tx = server.transaction();
        tx.put(ROOT, "from the server", 2).expect("put");
        tx.commit();
        checked += sync_checking(
            &mut server,
            &mut server_state,
            &mut client,
            &mut client_state,
            None,
        );
        // The phone lost its data and starts again from nothing, against the server's old state.
        let mut client = Automerge::new().with_actor(ActorId::from(vec![3; 16]));
        let mut client_state = State::new();
        checked += sync_checking(
            &mut server,
            &mut server_state,
            &mut client,
            &mut client_state,
            None,
        );
        // A phone with history of its own the server lacks: its first message names heads the server does not know.
        let mut client = doc_with(4, 3);
        let mut client_state = State::new();
        checked += sync_checking(
            &mut server,
            &mut server_state,
            &mut client,
            &mut client_state,
            None,
        );
        // Flags a peer may send: reset, read-only, and the capabilities they advertise.
        for flag in [
            MessageFlags::SYNC_RESET | MessageFlags::SUPPORTS_SYNC_RESET,
            MessageFlags::READ_ONLY,
        ] {
            // A reader: a client that sent changes while saying it is read-only would not be in step.
            let mut client = Automerge::new().with_actor(ActorId::from(vec![5 + flag; 16]));
            let mut client_state = State::new();
            let with_flag = |message: &mut Message| {
                let mut flags = MessageFlags::new();
                flags.set(flag);
                message.flags = Some(flags);
            };
            checked += sync_checking(
                &mut server,
                &mut server_state,
                &mut client,
                &mut client_state,
                Some(&with_flag),
            );
        }
        assert!(
            checked >= 12,
            "only {checked} messages without changes were checked"
        );
    }
}

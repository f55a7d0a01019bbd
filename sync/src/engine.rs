//! The sans-IO core of sync: documents and sync states in, documents, states and messages out. Transports (HTTP
//! batch, WebSocket) and storage wrap it; it never touches a socket or a database.

use automerge::sync::{self, BloomFilter, Have, Message, State, SyncDoc};
use automerge::{Automerge, Change, ChangeHash};
use uuid::Uuid;

use crate::trust::{self, Refusal, Writer};

/// What receiving a message from a device produced, ready to persist.
#[derive(Debug)]
pub struct Received {
    pub doc: Automerge,
    pub state: State,
    /// The changes the document did not have, in the order they were applied.
    pub new_changes: Vec<Change>,
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
pub fn receive_from_device(
    cooperative_id: Uuid,
    doc: Automerge,
    state: &State,
    message: Message,
    writer: &Writer,
) -> Result<Received, ReceiveError> {
    let mut state = state.clone();
    if message.changes.is_empty() {
        let mut doc = doc;
        doc.receive_sync_message(&mut state, message)
            .map_err(|e| ReceiveError::Malformed(e.to_string()))?;
        return Ok(Received {
            doc,
            state,
            new_changes: Vec::new(),
        });
    }
    let mut fork = doc.clone();
    fork.receive_sync_message(&mut state, message)
        .map_err(|e| ReceiveError::Malformed(e.to_string()))?;
    let new_changes = trust::new_changes(&doc, &fork);
    if !new_changes.is_empty() {
        trust::check_changes(cooperative_id, &doc, &fork, &new_changes, writer)
            .map_err(ReceiveError::Refused)?;
    }
    Ok(Received {
        doc: fork,
        state,
        new_changes,
    })
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

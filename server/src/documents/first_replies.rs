//! The first reply to a reader that holds nothing of a document. automerge answers such a peer with the whole
//! document saved and compressed, and with a Bloom filter of every change: most of the work of serving a new reader,
//! and the same for every new reader of one version. The reply and the sync state it leaves are kept per document
//! and handed out when the next reader's state is exactly the same, so the answer is automerge's own, computed once.

use std::collections::HashMap;
use std::sync::Mutex;

use automerge::Automerge;
use automerge::sync::State;
use hezuo_sync::engine;
use uuid::Uuid;

/// Documents whose first reply is kept, and the bytes all kept replies may hold (a reply is about the document's saved
/// size plus 32 bytes per change, twice over in the two states); past either, the older half is dropped.
const KEPT: usize = 2048;
const KEPT_BYTES: usize = 32 << 20;

struct FirstReply {
    version: i64,
    /// The reader's state the reply answers.
    asked: State,
    /// The state after the reply.
    answered: State,
    message: Option<Vec<u8>>,
    /// Order of keeping, to drop the oldest.
    kept_at: u64,
    bytes: usize,
}

#[derive(Default)]
struct Kept {
    replies: HashMap<Uuid, FirstReply>,
    clock: u64,
    bytes: usize,
}

#[derive(Default)]
pub struct FirstReplies {
    kept: Mutex<Kept>,
}

impl FirstReplies {
    /// The sync message for a reader in `state` of document `id` at `version`, as [`engine::generate`] would make it.
    pub fn generate(
        &self,
        id: Uuid,
        version: i64,
        doc: &Automerge,
        state: &mut State,
    ) -> Option<Vec<u8>> {
        // Only a peer that said it has nothing gets the whole document.
        if state
            .their_heads
            .as_ref()
            .is_none_or(|heads| !heads.is_empty())
        {
            return engine::generate(doc, state);
        }
        if let Ok(kept) = self.kept.lock()
            && let Some(reply) = kept.replies.get(&id)
            && reply.version == version
            && reply.asked == *state
        {
            *state = reply.answered.clone();
            return reply.message.clone();
        }
        let asked = state.clone();
        let message = engine::generate(doc, state);
        if let Ok(mut kept) = self.kept.lock() {
            let bytes = message.as_ref().map_or(0, Vec::len)
                + 32 * (asked.sent_hashes.len() + state.sent_hashes.len());
            kept.clock += 1;
            if kept.replies.len() >= KEPT || kept.bytes + bytes > KEPT_BYTES {
                kept.drop_older_half();
            }
            let kept_at = kept.clock;
            if let Some(replaced) = kept.replies.insert(
                id,
                FirstReply {
                    version,
                    asked,
                    answered: state.clone(),
                    message: message.clone(),
                    kept_at,
                    bytes,
                },
            ) {
                kept.bytes -= replaced.bytes;
            }
            kept.bytes += bytes;
        }
        message
    }
}

impl Kept {
    fn drop_older_half(&mut self) {
        let mut ages: Vec<u64> = self.replies.values().map(|r| r.kept_at).collect();
        ages.sort_unstable();
        let Some(median) = ages.get(ages.len() / 2).copied() else {
            return;
        };
        self.replies.retain(|_, reply| reply.kept_at > median);
        self.bytes = self.replies.values().map(|r| r.bytes).sum();
    }
}

#[cfg(test)]
mod tests {
    use automerge::sync::SyncDoc;
    use automerge::transaction::Transactable;
    use automerge::{ActorId, ROOT};

    use super::*;

    fn document(edits: usize) -> Automerge {
        let mut doc = Automerge::new().with_actor(ActorId::from(vec![1; 16]));
        for n in 0..edits {
            let mut tx = doc.transaction();
            tx.put(ROOT, format!("k{n}"), n as i64).expect("put");
            tx.commit();
        }
        doc
    }

    /// The state of the server after a new reader's first message.
    fn new_reader(doc: &Automerge) -> State {
        let reader = Automerge::new();
        let mut reader_state = State::new();
        let message = reader
            .generate_sync_message(&mut reader_state)
            .expect("a first message");
        let mut state = State::new();
        doc.clone()
            .receive_sync_message(&mut state, message)
            .expect("receive");
        state
    }

    #[test]
    fn a_second_reader_gets_automerges_reply_from_what_was_kept() {
        let replies = FirstReplies::default();
        let id = Uuid::now_v7();
        let doc = document(20);
        let mut first = new_reader(&doc);
        let mut second = new_reader(&doc);
        let mut direct = new_reader(&doc);
        let kept = replies.generate(id, 3, &doc, &mut first);
        let again = replies.generate(id, 3, &doc, &mut second);
        let expected = engine::generate(&doc, &mut direct);
        assert!(expected.is_some(), "a new reader gets the document");
        assert_eq!(kept, expected);
        assert_eq!(again, expected);
        assert_eq!(second, direct, "the state the reply leaves");

        // A new version is not answered from the old one.
        let mut newer = document(21);
        newer.set_actor(ActorId::from(vec![1; 16]));
        let mut reader = new_reader(&newer);
        let mut direct = new_reader(&newer);
        assert_eq!(
            replies.generate(id, 4, &newer, &mut reader),
            engine::generate(&newer, &mut direct)
        );
        assert_ne!(
            replies.generate(id, 4, &newer, &mut new_reader(&newer)),
            kept,
            "the newer version's reply differs"
        );
    }
}

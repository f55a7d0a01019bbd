//! Property: whatever a hostile phone sends — its own valid changes, changes under an honest phone's actor, changes
//! whose dependencies never arrived, bytes that are no change at all — in any order with honest traffic, the server's
//! document holds only changes the trust boundary accepted, never a change waiting for a dependency, and the honest
//! phones still converge with it.

use std::collections::HashSet;

use automerge::sync::{ChunkList, State};
use automerge::{ActorId, Automerge, Change, ChangeHash};
use hezuo_sync::document::{self, genesis};
use hezuo_sync::engine::{self, ReceiveError};
use hezuo_sync::model::{Visit, VisitStatus};
use hezuo_sync::trust::Writer;
use proptest::prelude::*;
use uuid::Uuid;

const COOP: Uuid = Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0003);
const HONEST: usize = 2;

#[derive(Debug, Clone)]
enum Step {
    HonestEdit {
        phone: usize,
        visit: u8,
        value: u8,
    },
    HonestToServer {
        phone: usize,
        delivered: bool,
    },
    HonestToPhone {
        phone: usize,
        delivered: bool,
    },
    /// The attacker's own valid visit.
    OwnValid {
        value: u8,
    },
    /// A change under an honest phone's actor with its next sequence number; with or without its dependency.
    Foreign {
        victim: usize,
        orphaned: bool,
    },
    /// The attacker's own second change without its first.
    OwnOrphan,
    /// Bytes that are no change, beside a valid one.
    Garbage {
        bytes: Vec<u8>,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let phone = 0..HONEST;
    prop_oneof![
        4 => (phone.clone(), 0..3u8, 0..4u8).prop_map(|(phone, visit, value)| Step::HonestEdit { phone, visit, value }),
        3 => (phone.clone(), prop::bool::weighted(0.8)).prop_map(|(phone, delivered)| Step::HonestToServer { phone, delivered }),
        3 => (phone.clone(), prop::bool::weighted(0.8)).prop_map(|(phone, delivered)| Step::HonestToPhone { phone, delivered }),
        1 => (0..4u8).prop_map(|value| Step::OwnValid { value }),
        2 => (phone, any::<bool>()).prop_map(|(victim, orphaned)| Step::Foreign { victim, orphaned }),
        1 => Just(Step::OwnOrphan),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(|bytes| Step::Garbage { bytes }),
    ]
}

struct Phone {
    writer: Writer,
    doc: Automerge,
    state: State,
    server_state: State,
}

struct World {
    server: Automerge,
    phones: Vec<Phone>,
    attacker: Writer,
    attacker_doc: Automerge,
    clock: i64,
}

fn writer(name: &str) -> Writer {
    Writer {
        actor: ActorId::random(),
        other_actors: Default::default(),
        user_id: format!("user-{name}"),
        device_id: format!("device-{name}"),
        may_write: true,
    }
}

fn visit_by(writer: &Writer, value: u8) -> Visit {
    Visit {
        author_user_id: Some(writer.user_id.clone()),
        author_device_id: Some(writer.device_id.clone()),
        status: Some(VisitStatus::Submitted),
        notes: Some(format!("note {value}")),
        ..Default::default()
    }
}

/// A message carrying exactly `chunks`, with `sender`'s heads.
fn message_with(sender: &Automerge, chunks: Vec<Vec<u8>>) -> automerge::sync::Message {
    let mut state = State::new();
    engine::assume_peer_has(&mut state, vec![document::genesis_hash(COOP)]);
    let bytes = engine::generate(sender, &mut state).expect("a message");
    let mut message = engine::decode_message(&bytes).expect("decode");
    message.changes = ChunkList::from(chunks);
    message
}

fn raw(change: &Change) -> Vec<u8> {
    change.raw_bytes().to_vec()
}

impl World {
    fn new() -> Self {
        let phones = (0..HONEST)
            .map(|i| {
                let writer = writer(&i.to_string());
                Phone {
                    doc: genesis(COOP).with_actor(writer.actor.clone()),
                    writer,
                    state: State::new(),
                    server_state: State::new(),
                }
            })
            .collect();
        let attacker = writer("attacker");
        Self {
            server: genesis(COOP),
            phones,
            attacker_doc: genesis(COOP).with_actor(attacker.actor.clone()),
            attacker,
            clock: 0,
        }
    }

    /// The attacker's message goes through the trust boundary; a refusal leaves the server's document as it was.
    fn attack(&mut self, chunks: Vec<Vec<u8>>) {
        let message = message_with(&self.attacker_doc, chunks);
        match engine::receive_from_device(
            COOP,
            self.server.clone(),
            &State::new(),
            message,
            &self.attacker,
        ) {
            Ok(received) => self.server = std::sync::Arc::unwrap_or_clone(received.doc),
            Err(ReceiveError::Refused(_) | ReceiveError::Malformed(_)) => {}
        }
    }

    /// A fresh change by the attacker, on top of what the server already has.
    fn attacker_change(&mut self, value: u8) -> Change {
        self.attacker_doc
            .merge(&mut self.server.clone())
            .expect("merge");
        let before = self.attacker_doc.get_heads();
        let id = Uuid::from_u128(0xa000 + u128::from(value) + (self.clock as u128) * 16);
        document::put_visit(
            &mut self.attacker_doc,
            id,
            &visit_by(&self.attacker, value),
            self.clock,
        )
        .expect("save");
        self.attacker_doc.get_changes(&before)[0].clone()
    }

    fn apply(&mut self, step: &Step) {
        self.clock += 1;
        match step {
            Step::HonestEdit {
                phone,
                visit,
                value,
            } => {
                let phone = &mut self.phones[*phone];
                let id = Uuid::from_u128(
                    u128::from(*visit) + 0x100 * (phone.writer.user_id.len() as u128),
                );
                let id = Uuid::from_u128(
                    id.as_u128() ^ (u128::from(phone.writer.device_id.as_bytes()[7]) << 16),
                );
                document::put_visit(
                    &mut phone.doc,
                    id,
                    &visit_by(&phone.writer, *value),
                    self.clock,
                )
                .expect("save");
            }
            Step::HonestToServer { phone, delivered } => {
                let phone = &mut self.phones[*phone];
                if let Some(bytes) = engine::generate(&phone.doc, &mut phone.state)
                    && *delivered
                {
                    let message = engine::decode_message(&bytes).expect("decode");
                    let received = engine::receive_from_device(
                        COOP,
                        self.server.clone(),
                        &phone.server_state,
                        message,
                        &phone.writer,
                    )
                    .expect("honest phones are never refused");
                    self.server = std::sync::Arc::unwrap_or_clone(received.doc);
                    phone.server_state = received.state;
                }
            }
            Step::HonestToPhone { phone, delivered } => {
                let phone = &mut self.phones[*phone];
                if let Some(bytes) = engine::generate(&self.server, &mut phone.server_state)
                    && *delivered
                {
                    engine::receive_from_server(&mut phone.doc, &mut phone.state, &bytes)
                        .expect("server message");
                }
            }
            Step::OwnValid { value } => {
                let change = self.attacker_change(*value);
                self.attack(vec![raw(&change)]);
            }
            Step::Foreign { victim, orphaned } => {
                // The victim's next change, made on a copy of the victim's document under the victim's actor.
                let mut forged = self.phones[*victim].doc.clone();
                let before = forged.get_heads();
                let mut profile = document::read(&forged).expect("read").profile;
                profile.notes = Some("forged".to_owned());
                document::put_profile(&mut forged, &profile, self.clock).expect("save");
                let mut chunks = vec![raw(&forged.get_changes(&before)[0])];
                if *orphaned {
                    // Leave out whatever the server lacks of the victim's document.
                    chunks.truncate(1);
                } else {
                    chunks.splice(
                        0..0,
                        forged.get_changes(&self.server.get_heads()).iter().map(raw),
                    );
                }
                let own = self.attacker_change(self.clock as u8);
                chunks.insert(0, raw(&own));
                self.attack(chunks);
            }
            Step::OwnOrphan => {
                let first = self.attacker_change(1);
                let before = self.attacker_doc.get_heads();
                let id = Uuid::from_u128(0xb000 + self.clock as u128);
                document::put_visit(
                    &mut self.attacker_doc,
                    id,
                    &visit_by(&self.attacker, 2),
                    self.clock,
                )
                .expect("save");
                let second = self.attacker_doc.get_changes(&before)[0].clone();
                assert!(second.deps().contains(&first.hash()));
                self.attack(vec![raw(&second)]);
            }
            Step::Garbage { bytes } => {
                let change = self.attacker_change(3);
                self.attack(vec![raw(&change), bytes.clone()]);
            }
        }
    }

    /// Every change the server holds is the genesis, the attacker's own, or one an honest phone really made.
    fn check_server(&self) -> Result<(), TestCaseError> {
        prop_assert!(
            !document::has_orphans(&self.server),
            "a change waits inside the document"
        );
        let honest: Vec<HashSet<ChangeHash>> = self
            .phones
            .iter()
            .map(|p| p.doc.get_changes(&[]).iter().map(Change::hash).collect())
            .collect();
        for change in self.server.get_changes(&[]) {
            let actor = change.actor_id();
            if actor == &document::genesis_actor(COOP) || actor == &self.attacker.actor {
                continue;
            }
            let owner = self.phones.iter().position(|p| &p.writer.actor == actor);
            prop_assert!(owner.is_some(), "a change by an unknown actor");
            if let Some(owner) = owner {
                prop_assert!(
                    honest[owner].contains(&change.hash()),
                    "a forged change under an honest actor"
                );
            }
        }
        // What the server holds loads back as the same document, with nothing waiting.
        let reloaded = Automerge::load(&self.server.save()).expect("load");
        prop_assert_eq!(reloaded.get_heads(), self.server.get_heads());
        prop_assert!(!document::has_orphans(&reloaded));
        Ok(())
    }

    fn heal(&mut self) {
        for phone in &mut self.phones {
            phone.state = engine::decode_state(&phone.state.encode());
            phone.server_state = engine::decode_state(&phone.server_state.encode());
        }
        for _ in 0..20 {
            let mut talked = false;
            for index in 0..HONEST {
                let before = (self.server.get_heads(), self.phones[index].doc.get_heads());
                self.apply(&Step::HonestToServer {
                    phone: index,
                    delivered: true,
                });
                self.apply(&Step::HonestToPhone {
                    phone: index,
                    delivered: true,
                });
                talked |= before != (self.server.get_heads(), self.phones[index].doc.get_heads());
            }
            if !talked
                && self
                    .phones
                    .iter()
                    .all(|p| p.doc.get_heads() == self.server.get_heads())
            {
                return;
            }
        }
        panic!("sync did not settle");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn only_checked_changes_are_ever_kept_and_honest_phones_converge(steps in prop::collection::vec(step(), 1..40)) {
        let mut world = World::new();
        for step in &steps {
            world.apply(step);
            world.check_server()?;
        }
        world.heal();
        world.check_server()?;
        for phone in &world.phones {
            prop_assert_eq!(phone.doc.get_heads(), world.server.get_heads());
        }
        document::check_schema(&world.server).expect("the merged document is valid");
    }
}

//! Property: random edits on several phones, synced through the engine in random order with messages lost or
//! duplicated on the way, converge — after a final reliable sync every phone has the server's heads and the same
//! document.

use automerge::sync::State;
use automerge::{ActorId, Automerge};
use hezuo_sync::document::{self, genesis};
use hezuo_sync::engine;
use hezuo_sync::model::{OperatingStatus, Visit, VisitStatus};
use hezuo_sync::trust::Writer;
use proptest::prelude::*;
use uuid::Uuid;

const COOP: Uuid = Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0002);
const PHONES: usize = 3;

#[derive(Debug, Clone, Copy)]
enum Fate {
    Deliver,
    Drop,
    Duplicate,
}

impl Fate {
    /// How many copies of the message arrive.
    fn copies(self) -> usize {
        match self {
            Fate::Deliver => 1,
            Fate::Drop => 0,
            Fate::Duplicate => 2,
        }
    }
}

#[derive(Debug, Clone)]
enum Step {
    /// A phone changes a profile field (all phones touch the same few fields, so conflicts happen).
    EditProfile {
        phone: usize,
        field: u8,
        value: u8,
    },
    /// A phone writes one of its own visits.
    EditVisit {
        phone: usize,
        visit: u8,
        value: u8,
    },
    ToServer {
        phone: usize,
        fate: Fate,
    },
    ToPhone {
        phone: usize,
        fate: Fate,
    },
}

fn fate() -> impl Strategy<Value = Fate> {
    prop_oneof![6 => Just(Fate::Deliver), 2 => Just(Fate::Drop), 2 => Just(Fate::Duplicate)]
}

fn step() -> impl Strategy<Value = Step> {
    let phone = 0..PHONES;
    prop_oneof![
        (phone.clone(), 0..3u8, 0..4u8).prop_map(|(phone, field, value)| Step::EditProfile {
            phone,
            field,
            value
        }),
        (phone.clone(), 0..3u8, 0..4u8).prop_map(|(phone, visit, value)| Step::EditVisit {
            phone,
            visit,
            value
        }),
        (phone.clone(), fate()).prop_map(|(phone, fate)| Step::ToServer { phone, fate }),
        (phone, fate()).prop_map(|(phone, fate)| Step::ToPhone { phone, fate }),
    ]
}

struct Phone {
    writer: Writer,
    doc: Automerge,
    state: State,
    /// The server's state for this phone.
    server_state: State,
}

struct World {
    server: Automerge,
    phones: Vec<Phone>,
    clock: i64,
}

impl World {
    fn new() -> Self {
        let phones = (0..PHONES)
            .map(|i| {
                let writer = Writer {
                    actor: ActorId::random(),
                    other_actors: Default::default(),
                    user_id: format!("user-{i}"),
                    device_id: format!("device-{i}"),
                    may_write: true,
                };
                Phone {
                    doc: genesis(COOP).with_actor(writer.actor.clone()),
                    writer,
                    state: State::new(),
                    server_state: State::new(),
                }
            })
            .collect();
        Self {
            server: genesis(COOP),
            phones,
            clock: 0,
        }
    }

    fn apply(&mut self, step: &Step) {
        self.clock += 1;
        match *step {
            Step::EditProfile {
                phone,
                field,
                value,
            } => {
                let phone = &mut self.phones[phone];
                let mut profile = document::read(&phone.doc).expect("read").profile;
                match field {
                    0 => profile.member_count = Some(u32::from(value) * 10),
                    1 => {
                        profile.operating_status = Some(
                            OperatingStatus::ALL[usize::from(value) % OperatingStatus::ALL.len()],
                        )
                    }
                    _ => profile.notes = Some(format!("note {value}")),
                }
                document::put_profile(&mut phone.doc, &profile, self.clock).expect("save profile");
            }
            Step::EditVisit {
                phone: index,
                visit,
                value,
            } => {
                let phone = &mut self.phones[index];
                let id = Uuid::from_u128(((index as u128) << 8) | u128::from(visit));
                let visit = Visit {
                    author_user_id: Some(phone.writer.user_id.clone()),
                    author_device_id: Some(phone.writer.device_id.clone()),
                    status: Some(if value % 2 == 0 {
                        VisitStatus::Draft
                    } else {
                        VisitStatus::Submitted
                    }),
                    notes: Some(format!("visit note {value}")),
                    ..Default::default()
                };
                document::put_visit(&mut phone.doc, id, &visit, self.clock).expect("save visit");
            }
            Step::ToServer { phone, fate } => {
                self.send_to_server(phone, fate);
            }
            Step::ToPhone { phone, fate } => {
                self.send_to_phone(phone, fate);
            }
        }
    }

    fn send_to_server(&mut self, index: usize, fate: Fate) -> bool {
        let phone = &mut self.phones[index];
        let Some(bytes) = engine::generate(&phone.doc, &mut phone.state) else {
            return false;
        };
        for _ in 0..fate.copies() {
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
        true
    }

    fn send_to_phone(&mut self, index: usize, fate: Fate) -> bool {
        let phone = &mut self.phones[index];
        let Some(bytes) = engine::generate(&self.server, &mut phone.server_state) else {
            return false;
        };
        for _ in 0..fate.copies() {
            engine::receive_from_server(&mut phone.doc, &mut phone.state, &bytes)
                .expect("server message");
        }
        true
    }

    /// Reconnects everyone (sync states restart from what was persisted, as after a lost request) and syncs reliably
    /// until nobody has anything to say.
    fn heal(&mut self) {
        for phone in &mut self.phones {
            phone.state = engine::decode_state(&phone.state.encode());
            phone.server_state = engine::decode_state(&phone.server_state.encode());
        }
        for _ in 0..20 {
            let mut talked = false;
            for index in 0..PHONES {
                talked |= self.send_to_server(index, Fate::Deliver);
                talked |= self.send_to_phone(index, Fate::Deliver);
            }
            if !talked {
                return;
            }
        }
        panic!("sync did not settle");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn edits_converge_whatever_the_network_does(steps in prop::collection::vec(step(), 1..40)) {
        let mut world = World::new();
        for step in &steps {
            world.apply(step);
        }
        world.heal();
        let heads = world.server.get_heads();
        let expected = document::check_schema(&world.server).expect("the merged document is valid");
        for phone in &world.phones {
            prop_assert_eq!(phone.doc.get_heads(), heads.clone());
            prop_assert_eq!(document::read(&phone.doc).expect("read"), document::read(&world.server).expect("read"));
        }
        // Every visit any phone wrote is on the server.
        let mut written = std::collections::BTreeSet::new();
        for step in &steps {
            if let Step::EditVisit { phone, visit, .. } = step {
                written.insert(Uuid::from_u128(((*phone as u128) << 8) | u128::from(*visit)).to_string());
            }
        }
        let on_server: std::collections::BTreeSet<String> = expected.visits.keys().cloned().collect();
        prop_assert_eq!(on_server, written);
    }
}

#[test]
fn concurrent_writes_to_one_field_keep_both_values() {
    let mut world = World::new();
    world.apply(&Step::EditProfile {
        phone: 0,
        field: 0,
        value: 1,
    });
    world.apply(&Step::EditProfile {
        phone: 1,
        field: 0,
        value: 2,
    });
    world.heal();
    let (_, profile) = automerge::ReadDoc::get(&world.server, automerge::ROOT, "profile")
        .expect("get")
        .expect("profile");
    let values =
        automerge::ReadDoc::get_all(&world.server, &profile, "member_count").expect("get_all");
    assert_eq!(values.len(), 2, "both values are kept as a conflict");
}

//! Every rule of the trust boundary, on real automerge documents exchanged through the engine.

use automerge::sync::{State, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ROOT, ReadDoc};
use hezuo_sync::document::{self, genesis};
use hezuo_sync::engine::{self, ReceiveError};
use hezuo_sync::model::{Profile, Visit, VisitStatus};
use hezuo_sync::trust::{RefusalCode, Writer};
use uuid::Uuid;

const COOP: Uuid = Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0001);

fn writer(name: &str) -> Writer {
    Writer {
        actor: ActorId::random(),
        other_actors: Default::default(),
        user_id: format!("user-{name}"),
        device_id: format!("device-{name}"),
        may_write: true,
    }
}

fn phone_doc(writer: &Writer) -> Automerge {
    genesis(COOP).with_actor(writer.actor.clone())
}

fn visit_by(writer: &Writer) -> Visit {
    Visit {
        author_user_id: Some(writer.user_id.clone()),
        author_device_id: Some(writer.device_id.clone()),
        status: Some(VisitStatus::Draft),
        notes: Some("门口挂牌".to_owned()),
        ..Default::default()
    }
}

/// Runs the exchange until quiet; the server side goes through the trust boundary.
fn sync(server: &mut Automerge, phone: &mut Automerge, writer: &Writer) -> Result<(), RefusalCode> {
    let mut server_state = State::new();
    let mut phone_state = State::new();
    for _ in 0..10 {
        let to_server = phone.generate_sync_message(&mut phone_state);
        if let Some(message) = to_server.clone() {
            match engine::receive_from_device(COOP, server.clone(), &server_state, message, writer)
            {
                Ok(received) => {
                    *server = std::sync::Arc::unwrap_or_clone(received.doc);
                    server_state = received.state;
                }
                Err(ReceiveError::Refused(refusal)) => return Err(refusal.code),
                Err(other) => panic!("{other}"),
            }
        }
        let to_phone = engine::generate(server, &mut server_state);
        if let Some(bytes) = &to_phone {
            engine::receive_from_server(phone, &mut phone_state, bytes).expect("server message");
        }
        if to_server.is_none() && to_phone.is_none() {
            return Ok(());
        }
    }
    panic!("sync did not settle");
}

#[test]
fn a_counsellor_creates_and_edits_their_own_visit() {
    let counsellor = writer("a");
    let mut server = genesis(COOP);
    let mut phone = phone_doc(&counsellor);
    let id = Uuid::from_u128(1);
    let mut visit = visit_by(&counsellor);
    document::put_visit(&mut phone, id, &visit, 1).expect("save");
    sync(&mut server, &mut phone, &counsellor).expect("accepted");
    visit.status = Some(VisitStatus::Submitted);
    document::put_visit(&mut phone, id, &visit, 2).expect("save");
    sync(&mut server, &mut phone, &counsellor).expect("accepted");
    assert_eq!(server.get_heads(), phone.get_heads());
    assert_eq!(
        document::read(&server).expect("read").visits[&id.to_string()].status,
        Some(VisitStatus::Submitted)
    );
}

#[test]
fn profile_edits_are_allowed() {
    let counsellor = writer("a");
    let mut server = genesis(COOP);
    let mut phone = phone_doc(&counsellor);
    let profile = Profile {
        name: Some("高桥绿源果蔬专业合作社".to_owned()),
        member_count: Some(86),
        ..Default::default()
    };
    document::put_profile(&mut phone, &profile, 1).expect("save");
    sync(&mut server, &mut phone, &counsellor).expect("accepted");
    assert_eq!(document::read(&server).expect("read").profile, profile);
}

fn refused_with(mut edit: impl FnMut(&mut Automerge, &Writer), code: RefusalCode) {
    let counsellor = writer("a");
    let mut server = genesis(COOP);
    let before = server.get_heads();
    let mut phone = phone_doc(&counsellor);
    edit(&mut phone, &counsellor);
    assert_eq!(sync(&mut server, &mut phone, &counsellor), Err(code));
    assert_eq!(
        server.get_heads(),
        before,
        "a refused change leaves the document untouched"
    );
}

#[test]
fn writing_review_is_refused() {
    refused_with(
        |doc, _| {
            let mut tx = doc.transaction();
            let (_, review) = tx.get(ROOT, "review").expect("get").expect("review");
            tx.put_object(
                &review,
                Uuid::from_u128(9).to_string(),
                automerge::ObjType::Map,
            )
            .expect("put");
            tx.commit();
        },
        RefusalCode::ServerOnly,
    );
}

#[test]
fn writing_decisions_or_identity_is_refused() {
    refused_with(
        |doc, _| {
            let mut tx = doc.transaction();
            tx.put(ROOT, "cooperative_id", "someone-else").expect("put");
            tx.commit();
        },
        RefusalCode::ServerOnly,
    );
}

#[test]
fn a_change_by_another_devices_actor_is_refused() {
    let counsellor = writer("a");
    let other = writer("b");
    let mut server = genesis(COOP);
    let mut phone = genesis(COOP).with_actor(other.actor.clone());
    document::put_visit(&mut phone, Uuid::from_u128(2), &visit_by(&counsellor), 1).expect("save");
    assert_eq!(
        sync(&mut server, &mut phone, &counsellor),
        Err(RefusalCode::ForeignActor)
    );
}

#[test]
fn editing_someone_elses_visit_is_refused() {
    let author = writer("a");
    let intruder = writer("b");
    let mut server = genesis(COOP);
    let mut author_phone = phone_doc(&author);
    let id = Uuid::from_u128(3);
    document::put_visit(&mut author_phone, id, &visit_by(&author), 1).expect("save");
    sync(&mut server, &mut author_phone, &author).expect("accepted");

    let mut intruder_phone = phone_doc(&intruder);
    sync(&mut server, &mut intruder_phone, &intruder).expect("download");
    let mut changed =
        document::read(&intruder_phone).expect("read").visits[&id.to_string()].clone();
    changed.notes = Some("篡改".to_owned());
    document::put_visit(&mut intruder_phone, id, &changed, 2).expect("save");
    let before = server.get_heads();
    assert_eq!(
        sync(&mut server, &mut intruder_phone, &intruder),
        Err(RefusalCode::NotAuthor)
    );
    assert_eq!(server.get_heads(), before);
}

#[test]
fn the_author_of_a_visit_cannot_hand_it_to_someone_else() {
    let author = writer("a");
    let colleague = writer("b");
    let mut server = genesis(COOP);
    let mut phone = phone_doc(&author);
    let id = Uuid::from_u128(5);
    document::put_visit(&mut phone, id, &visit_by(&author), 1).expect("save");
    sync(&mut server, &mut phone, &author).expect("accepted");
    for (user, device) in [
        (Some(colleague.user_id.clone()), None),
        (None, Some(colleague.device_id.clone())),
    ] {
        let mut forged = phone.clone();
        let mut visit = document::read(&forged).expect("read").visits[&id.to_string()].clone();
        if let Some(user) = user {
            visit.author_user_id = Some(user);
        }
        if let Some(device) = device {
            visit.author_device_id = Some(device);
        }
        document::put_visit(&mut forged, id, &visit, 2).expect("save");
        let before = server.get_heads();
        assert_eq!(
            sync(&mut server, &mut forged, &author),
            Err(RefusalCode::Authorship)
        );
        assert_eq!(server.get_heads(), before);
    }
    // Editing anything else of one's own visit still goes through.
    let mut visit = document::read(&phone).expect("read").visits[&id.to_string()].clone();
    visit.notes = Some("补充说明".to_owned());
    document::put_visit(&mut phone, id, &visit, 3).expect("save");
    sync(&mut server, &mut phone, &author).expect("accepted");
}

/// Attaches one photo to `writer`'s new visit `visit` on `doc`.
fn attach(doc: &mut Automerge, writer: &Writer, visit: Uuid, hash: &str, time: i64) {
    let mut record = visit_by(writer);
    let hash = hezuo_sync::model::PhotoHash::parse(hash).expect("hash");
    record.expected_photos = vec![hash.clone()];
    let meta = hezuo_sync::model::PhotoMeta {
        visit_id: Some(visit.to_string()),
        caption: Some("门牌".to_owned()),
        ..Default::default()
    };
    document::attach_photos(doc, visit, &record, &[(hash, meta)], time).expect("attach");
}

#[test]
fn a_photos_details_belong_to_the_device_that_added_them() {
    let owner = writer("a");
    let colleague = writer("b");
    let hash = "a".repeat(64);
    let mut server = genesis(COOP);
    let mut owner_phone = phone_doc(&owner);
    attach(&mut owner_phone, &owner, Uuid::from_u128(6), &hash, 1);
    sync(&mut server, &mut owner_phone, &owner).expect("accepted");

    let mut colleague_phone = phone_doc(&colleague);
    sync(&mut server, &mut colleague_phone, &colleague).expect("download");
    let before = server.get_heads();
    // Rewriting the caption, or deleting the entry.
    let mut edited = colleague_phone.clone();
    {
        let mut tx = edited.transaction();
        let (_, photos) = tx.get(ROOT, "photos").expect("get").expect("photos");
        let (_, entry) = tx.get(&photos, hash.as_str()).expect("get").expect("entry");
        tx.put(&entry, "caption", "假的").expect("put");
        tx.commit();
    }
    assert_eq!(
        sync(&mut server, &mut edited, &colleague),
        Err(RefusalCode::NotAuthor)
    );
    let mut deleted = colleague_phone.clone();
    {
        let mut tx = deleted.transaction();
        let (_, photos) = tx.get(ROOT, "photos").expect("get").expect("photos");
        tx.delete(&photos, hash.as_str()).expect("delete");
        tx.commit();
    }
    assert_eq!(
        sync(&mut server, &mut deleted, &colleague),
        Err(RefusalCode::NotAuthor)
    );
    assert_eq!(server.get_heads(), before);

    // A photo of one's own may not be hung on a colleague's visit.
    let mut misattached = colleague_phone.clone();
    {
        let meta = hezuo_sync::model::PhotoMeta {
            visit_id: Some(Uuid::from_u128(6).to_string()),
            ..Default::default()
        };
        let mut tx = misattached.transaction();
        let (_, photos) = tx.get(ROOT, "photos").expect("get").expect("photos");
        autosurgeon::reconcile_prop(&mut tx, &photos, "b".repeat(64).as_str(), &meta).expect("put");
        tx.commit();
    }
    assert_eq!(
        sync(&mut server, &mut misattached, &colleague),
        Err(RefusalCode::NotAuthor)
    );

    // The owner still edits their own photo's details.
    {
        let mut tx = owner_phone.transaction();
        let (_, photos) = tx.get(ROOT, "photos").expect("get").expect("photos");
        let (_, entry) = tx.get(&photos, hash.as_str()).expect("get").expect("entry");
        tx.put(&entry, "caption", "办公室门牌").expect("put");
        tx.commit();
    }
    sync(&mut server, &mut owner_phone, &owner).expect("accepted");
}

#[test]
fn a_visit_claiming_another_author_is_refused() {
    let counsellor = writer("a");
    let other = writer("b");
    refused_with(
        |doc, _| {
            document::put_visit(doc, Uuid::from_u128(4), &visit_by(&other), 1).expect("save");
        },
        RefusalCode::NotAuthor,
    );
    let _ = counsellor;
}

#[test]
fn deleting_a_visit_is_refused() {
    let counsellor = writer("a");
    let mut server = genesis(COOP);
    let mut phone = phone_doc(&counsellor);
    let id = Uuid::from_u128(5);
    document::put_visit(&mut phone, id, &visit_by(&counsellor), 1).expect("save");
    sync(&mut server, &mut phone, &counsellor).expect("accepted");
    {
        let mut tx = phone.transaction();
        let (_, visits) = tx.get(ROOT, "visits").expect("get").expect("visits");
        tx.delete(&visits, id.to_string()).expect("delete");
        tx.commit();
    }
    assert_eq!(
        sync(&mut server, &mut phone, &counsellor),
        Err(RefusalCode::Delete)
    );
}

#[test]
fn unknown_paths_and_bad_values_are_refused() {
    refused_with(
        |doc, _| {
            let mut tx = doc.transaction();
            tx.put(ROOT, "secret_notes", "x").expect("put");
            tx.commit();
        },
        RefusalCode::UnknownPath,
    );
    refused_with(
        |doc, writer| {
            let mut visit = visit_by(writer);
            visit.notes = None;
            document::put_visit(doc, Uuid::from_u128(6), &visit, 1).expect("save");
            let mut tx = doc.transaction();
            let (_, visits) = tx.get(ROOT, "visits").expect("get").expect("visits");
            let (_, visit) = tx
                .get(&visits, Uuid::from_u128(6).to_string())
                .expect("get")
                .expect("visit");
            tx.put(&visit, "status", "approved-by-me").expect("put");
            tx.commit();
        },
        RefusalCode::Schema,
    );
}

#[test]
fn a_read_only_account_cannot_write() {
    let mut viewer = writer("v");
    viewer.may_write = false;
    let mut server = genesis(COOP);
    let mut phone = phone_doc(&viewer);
    document::put_profile(
        &mut phone,
        &Profile {
            notes: Some("x".into()),
            ..Default::default()
        },
        1,
    )
    .expect("save");
    assert_eq!(
        sync(&mut server, &mut phone, &viewer),
        Err(RefusalCode::ReadOnly)
    );
}

#[test]
fn a_hidden_write_to_review_is_caught_even_when_it_loses_a_conflict() {
    // The server writes review/x; a phone concurrently writes review/x too. Whichever value wins, the phone's
    // operation is judged on its own.
    let counsellor = writer("a");
    let mut server = genesis(COOP);
    {
        let mut tx = server.transaction();
        let (_, review) = tx.get(ROOT, "review").expect("get").expect("review");
        tx.put(&review, "x", "server").expect("put");
        tx.commit();
    }
    let mut phone = phone_doc(&counsellor);
    {
        let mut tx = phone.transaction();
        let (_, review) = tx.get(ROOT, "review").expect("get").expect("review");
        tx.put(&review, "x", "phone").expect("put");
        tx.commit();
    }
    let _ = State::new();
    assert_eq!(
        sync(&mut server, &mut phone, &counsellor),
        Err(RefusalCode::ServerOnly)
    );
}

#[test]
fn a_genesis_from_another_cooperative_is_a_foreign_actor() {
    let counsellor = writer("a");
    let mut server = genesis(COOP);
    let mut phone = genesis(Uuid::from_u128(99)).with_actor(counsellor.actor.clone());
    phone.merge(&mut genesis(COOP)).expect("merge");
    assert_eq!(
        sync(&mut server, &mut phone, &counsellor),
        Err(RefusalCode::ForeignActor)
    );
}

#[test]
fn a_forged_genesis_is_refused() {
    // A new cooperative created on a phone: the server has no document yet, and the first change claims the
    // genesis actor but is not the genesis.
    let counsellor = writer("a");
    let mut server = Automerge::new();
    let mut phone = Automerge::new().with_actor(document::genesis_actor(COOP));
    {
        let mut tx = phone.transaction();
        tx.put(ROOT, "schema_version", 1_u64).expect("put");
        tx.put_object(ROOT, "review", automerge::ObjType::Map)
            .expect("put");
        tx.commit();
    }
    assert_eq!(
        sync(&mut server, &mut phone, &counsellor),
        Err(RefusalCode::BadGenesis)
    );

    // The real genesis from a phone is accepted.
    let mut server = Automerge::new();
    let mut phone = phone_doc(&counsellor);
    sync(&mut server, &mut phone, &counsellor).expect("genesis accepted");
    assert_eq!(server.get_heads(), vec![document::genesis_hash(COOP)]);
}

/// A message from `sender` carrying exactly `changes` (and its heads), as a scripted client would send it.
fn message_with(sender: &Automerge, changes: &[automerge::Change]) -> automerge::sync::Message {
    let mut state = State::new();
    engine::assume_peer_has(&mut state, vec![document::genesis_hash(COOP)]);
    let bytes = engine::generate(sender, &mut state).expect("a message");
    let mut message = engine::decode_message(&bytes).expect("decode");
    message.changes = automerge::sync::ChunkList::from(
        changes
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect::<Vec<_>>(),
    );
    message
}

/// Two visits on `writer`'s actor: the first change, and the second that depends on it.
fn two_changes(writer: &Writer) -> (Automerge, automerge::Change, automerge::Change) {
    let mut doc = phone_doc(writer);
    document::put_visit(&mut doc, Uuid::from_u128(10), &visit_by(writer), 1).expect("save");
    document::put_visit(&mut doc, Uuid::from_u128(11), &visit_by(writer), 2).expect("save");
    let changes = doc.get_changes(&[document::genesis_hash(COOP)]);
    assert_eq!(changes.len(), 2);
    (doc, changes[0].clone(), changes[1].clone())
}

#[test]
fn a_foreign_change_waiting_for_a_dependency_is_refused_and_never_kept() {
    let attacker = writer("attacker");
    let victim = writer("victim");
    let server = genesis(COOP);
    // The attacker's own valid visit travels with the victim's second change, whose first the server never saw.
    let mut own = phone_doc(&attacker);
    document::put_visit(&mut own, Uuid::from_u128(1), &visit_by(&attacker), 1).expect("save");
    let own_change = own.get_changes(&[document::genesis_hash(COOP)])[0].clone();
    let (_, _, victims_second) = two_changes(&victim);
    let message = message_with(&own, &[own_change, victims_second]);
    let refused =
        engine::receive_from_device(COOP, server.clone(), &State::new(), message, &attacker);
    match refused {
        Err(ReceiveError::Refused(refusal)) => assert_eq!(refusal.code, RefusalCode::ForeignActor),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(!document::has_orphans(&server));

    // The victim's honest sync is unaffected.
    let (mut victims_doc, _, _) = two_changes(&victim);
    let mut server = server;
    sync(&mut server, &mut victims_doc, &victim).expect("the victim syncs");
    assert_eq!(server.get_heads(), victims_doc.get_heads());
}

#[test]
fn an_own_change_missing_its_dependency_is_not_kept_and_is_asked_for_again() {
    let counsellor = writer("a");
    let server = genesis(COOP);
    let (phone, first, second) = two_changes(&counsellor);
    // As after a Bloom filter false positive: the second change arrives without the first.
    let message = message_with(&phone, std::slice::from_ref(&second));
    let received = engine::receive_from_device(COOP, server, &State::new(), message, &counsellor)
        .expect("not refused: the phone may simply be ahead");
    assert!(received.new_changes.is_empty());
    assert!(
        !document::has_orphans(&received.doc),
        "nothing waits inside the document"
    );
    assert_eq!(received.doc.get_heads(), vec![document::genesis_hash(COOP)]);

    // The reply asks for both changes again, so the phone resends them and they are checked then.
    let mut state = received.state;
    let reply = engine::generate(&received.doc, &mut state).expect("a reply");
    let reply = engine::decode_message(&reply).expect("decode");
    assert!(
        reply.need.contains(&first.hash()),
        "asks for the missing dependency"
    );
    assert!(
        reply.need.contains(&second.hash()),
        "asks for the dropped change"
    );
    let resent = message_with(&phone, &[second, first]);
    let received = engine::receive_from_device(COOP, received.doc, &state, resent, &counsellor)
        .expect("accepted");
    assert_eq!(received.new_changes.len(), 2);
    assert_eq!(received.doc.get_heads(), phone.get_heads());
}

#[test]
fn a_text_longer_than_its_field_allows_is_refused() {
    refused_with(
        |doc, _| {
            let profile = Profile {
                notes: Some("很长".repeat(1_001)),
                ..Default::default()
            };
            document::put_profile(doc, &profile, 1).expect("save");
        },
        RefusalCode::TooLarge,
    );
    refused_with(
        |doc, _| {
            let profile = Profile {
                name: Some("名".repeat(201)),
                ..Default::default()
            };
            document::put_profile(doc, &profile, 1).expect("save");
        },
        RefusalCode::TooLarge,
    );
    // At the limit is fine.
    let counsellor = writer("a");
    let mut server = genesis(COOP);
    let mut phone = phone_doc(&counsellor);
    let profile = Profile {
        notes: Some("字".repeat(2_000)),
        ..Default::default()
    };
    document::put_profile(&mut phone, &profile, 1).expect("save");
    sync(&mut server, &mut phone, &counsellor).expect("accepted");
}

#[test]
fn an_integer_where_a_number_with_decimals_belongs_is_refused_before_it_reaches_the_projections() {
    refused_with(
        |doc, _| {
            let mut tx = doc.transaction();
            let (_, profile) = tx.get(ROOT, "profile").expect("get").expect("profile");
            let position = tx
                .put_object(&profile, "location", automerge::ObjType::Map)
                .expect("location");
            tx.put(&position, "lat", 30_i64).expect("put");
            tx.commit();
        },
        RefusalCode::Schema,
    );
}

/// automerge's JavaScript package writes a string as a text object; the check and the projections read it alike.
#[test]
fn a_string_written_as_text_reads_as_the_string_and_its_length_is_judged() {
    let counsellor = writer("a");
    let mut server = genesis(COOP);
    let mut phone = phone_doc(&counsellor);
    let write_text = |doc: &mut Automerge, field: &str, text: &str| {
        let mut tx = doc.transaction();
        let (_, profile) = tx.get(ROOT, "profile").expect("get").expect("profile");
        let object = tx
            .put_object(&profile, field, automerge::ObjType::Text)
            .expect("text");
        tx.splice_text(&object, 0, 0, text).expect("splice");
        tx.commit();
    };
    write_text(&mut phone, "legal_representative", "王理事长");
    write_text(&mut phone, "operating_status", "operating");
    sync(&mut server, &mut phone, &counsellor).expect("accepted");
    let read = document::read(&server).expect("the projections read it");
    assert_eq!(
        read.profile.legal_representative.as_deref(),
        Some("王理事长")
    );
    assert_eq!(
        read.profile.operating_status.map(|s| s.as_str()),
        Some("operating")
    );

    // A text grown one character at a time past its field's limit is refused like a long string.
    let mut phone = phone_doc(&counsellor);
    write_text(&mut phone, "legal_representative", &"长".repeat(201));
    assert_eq!(
        sync(&mut genesis(COOP), &mut phone, &counsellor),
        Err(RefusalCode::TooLarge)
    );
    // A code written as text must still be a code.
    let mut phone = phone_doc(&counsellor);
    write_text(&mut phone, "operating_status", "thriving");
    assert_eq!(
        sync(&mut genesis(COOP), &mut phone, &counsellor),
        Err(RefusalCode::Schema)
    );
}

/// Besides the actor the server assigned, a device writes with the actors bound to it (the server passes them in).
#[test]
fn a_device_writes_with_any_actor_bound_to_it_and_no_other() {
    let mut counsellor = writer("a");
    let stock_client_actor = ActorId::random();
    let mut server = genesis(COOP);
    let mut phone = genesis(COOP).with_actor(stock_client_actor.clone());
    let profile = Profile {
        contact_phone: Some("13800000000".to_owned()),
        ..Default::default()
    };
    document::put_profile(&mut phone, &profile, 1).expect("save");
    assert_eq!(
        sync(&mut server.clone(), &mut phone.clone(), &counsellor),
        Err(RefusalCode::ForeignActor)
    );
    counsellor.other_actors.insert(stock_client_actor);
    sync(&mut server, &mut phone, &counsellor).expect("accepted");
    assert_eq!(
        document::read(&server)
            .expect("read")
            .profile
            .contact_phone
            .as_deref(),
        Some("13800000000")
    );
}

#[test]
fn the_check_names_the_parts_the_changes_wrote_to() {
    let counsellor = writer("a");
    let mut server = genesis(COOP);
    let mut phone = phone_doc(&counsellor);
    let (first, second) = (Uuid::from_u128(1), Uuid::from_u128(2));
    document::put_visit(&mut phone, first, &visit_by(&counsellor), 1).expect("save");
    sync(&mut server, &mut phone, &counsellor).expect("accepted");

    let before = server.clone();
    let mut edited = visit_by(&counsellor);
    edited.notes = Some("挂牌已更换".to_owned());
    document::put_visit(&mut phone, second, &edited, 2).expect("save");
    document::put_profile(
        &mut phone,
        &Profile {
            member_count: Some(12),
            ..Default::default()
        },
        3,
    )
    .expect("save");
    let mut after = before.clone();
    after.merge(&mut phone.clone()).expect("merge");
    let new_changes = hezuo_sync::trust::new_changes(&before, &after);
    let checked =
        hezuo_sync::trust::check_changes(COOP, &before, &after, &new_changes, &counsellor)
            .expect("accepted");
    assert!(checked.touched.profile);
    assert_eq!(
        checked.touched.visits,
        [second.to_string()].into_iter().collect(),
        "the first visit was not written to"
    );
    assert!(checked.touched.photos.is_empty());
}

/// The schema check covers only what the changes wrote to, so each part a phone can write is refused when it does not
/// fit: a photo entry with a field the schema lacks, a visit or photo under a key of the wrong form, and a later edit
/// of a visit the server already holds.
#[test]
fn a_part_that_does_not_fit_is_refused_wherever_it_sits() {
    refused_with(
        |doc, writer| {
            attach(doc, writer, Uuid::from_u128(7), &"a".repeat(64), 1);
            let mut tx = doc.transaction();
            let (_, photos) = tx.get(ROOT, "photos").expect("get").expect("photos");
            let (_, entry) = tx
                .get(&photos, "a".repeat(64).as_str())
                .expect("get")
                .expect("entry");
            tx.put(&entry, "secret", "x").expect("put");
            tx.commit();
        },
        RefusalCode::Schema,
    );
    refused_with(
        |doc, writer| {
            document::put_visit(doc, Uuid::from_u128(8), &visit_by(writer), 1).expect("save");
            let mut tx = doc.transaction();
            let (_, visits) = tx.get(ROOT, "visits").expect("get").expect("visits");
            let (_, visit) = tx
                .get(&visits, Uuid::from_u128(8).to_string())
                .expect("get")
                .expect("visit");
            let copy = tx
                .put_object(&visits, "not-a-uuid", automerge::ObjType::Map)
                .expect("visit");
            for key in ["author_user_id", "author_device_id"] {
                let value = tx
                    .get(&visit, key)
                    .expect("get")
                    .and_then(|(value, _)| value.into_string().ok())
                    .expect("author");
                tx.put(&copy, key, value).expect("put");
            }
            tx.commit();
        },
        RefusalCode::Schema,
    );
    refused_with(
        |doc, writer| {
            attach(doc, writer, Uuid::from_u128(9), &"b".repeat(64), 1);
            let mut tx = doc.transaction();
            let (_, photos) = tx.get(ROOT, "photos").expect("get").expect("photos");
            let entry = tx
                .put_object(&photos, "not-a-hash", automerge::ObjType::Map)
                .expect("entry");
            tx.put(&entry, "caption", "x").expect("put");
            tx.commit();
        },
        RefusalCode::Schema,
    );

    // A visit already on the server, edited later with a value its field cannot hold.
    let counsellor = writer("a");
    let mut server = genesis(COOP);
    let mut phone = phone_doc(&counsellor);
    let id = Uuid::from_u128(10);
    document::put_visit(&mut phone, id, &visit_by(&counsellor), 1).expect("save");
    sync(&mut server, &mut phone, &counsellor).expect("accepted");
    let before = server.get_heads();
    {
        let mut tx = phone.transaction();
        let (_, visits) = tx.get(ROOT, "visits").expect("get").expect("visits");
        let (_, visit) = tx
            .get(&visits, id.to_string())
            .expect("get")
            .expect("visit");
        tx.put(&visit, "status", "approved-by-me").expect("put");
        tx.commit();
    }
    assert_eq!(
        sync(&mut server, &mut phone, &counsellor),
        Err(RefusalCode::Schema)
    );
    assert_eq!(server.get_heads(), before);
}

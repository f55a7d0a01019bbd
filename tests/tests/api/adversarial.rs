//! The adversarial suite: a scripted hostile client tries, through the real server, each way a phone could get past
//! the trust boundary (issue 15). Every attack must fail with a clear refusal while honest phones carry on.

use automerge::sync::{ChunkList, State};
use automerge::{ActorId, Automerge, Change};
use diesel::prelude::*;
use hezuo_mobile_api::sync::{DocEntry, DocReply, SYNC_PROTOCOL, SyncRequest};
use hezuo_sync::document::{self, genesis};
use hezuo_sync::engine;
use hezuo_sync::model::{Visit, VisitStatus};
use hezuo_tests::{Fixture, Persona, TestApp};
use uuid::Uuid;

use crate::sync::{another_haishu_counsellor, baseline_visit};
use crate::sync_refusals::{RawDevice, raw_device};

/// Sends a message with `sender`'s heads that carries exactly `changes`, whatever they are.
fn send_changes(device: &RawDevice, id: Uuid, sender: &Automerge, changes: &[Change]) -> DocReply {
    let mut state = State::new();
    engine::assume_peer_has(&mut state, vec![document::genesis_hash(id)]);
    let bytes = engine::generate(sender, &mut state).expect("a message");
    let mut message = engine::decode_message(&bytes).expect("decode");
    message.changes = ChunkList::from(
        changes
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect::<Vec<_>>(),
    );
    let request = SyncRequest {
        protocol: SYNC_PROTOCOL,
        docs: vec![DocEntry {
            id: id.as_bytes().to_vec(),
            heads_digest: None,
            message: Some(message.encode()),
        }],
        summary: None,
    };
    let mut response = device.client.sync_batch(&request).expect("answer");
    response.docs.remove(0)
}

/// A change under `actor` with sequence number `seq` whose earlier changes the server never saw.
fn orphan_under(actor: &ActorId, id: Uuid, seq: u64) -> Change {
    let mut doc = genesis(id).with_actor(actor.clone());
    for n in 0..seq {
        let profile = hezuo_sync::model::Profile {
            notes: Some(format!("伪造 {n}")),
            ..Default::default()
        };
        document::put_profile(&mut doc, &profile, n as i64).expect("save");
    }
    let change = doc
        .get_changes(&[document::genesis_hash(id)])
        .pop()
        .expect("a change");
    assert_eq!(change.seq(), seq);
    change
}

/// The next sequence number of `actor` in the stored document.
fn next_seq(app: &TestApp, id: Uuid, actor: &ActorId) -> u64 {
    stored_document(app, id)
        .get_changes(&[])
        .iter()
        .filter(|c| c.actor_id() == actor)
        .map(Change::seq)
        .max()
        .unwrap_or(0)
        + 1
}

/// One valid visit by the device itself, and the document it was made in.
fn own_valid_change(device: &RawDevice, id: Uuid) -> (Automerge, Change) {
    let mut doc = genesis(id).with_actor(device.actor.clone());
    let visit = Visit {
        author_user_id: Some(device.user_id.clone()),
        author_device_id: Some(device.device_id.clone()),
        status: Some(VisitStatus::Draft),
        ..Default::default()
    };
    document::put_visit(&mut doc, Uuid::now_v7(), &visit, 1).expect("save");
    let change = doc.get_changes(&[document::genesis_hash(id)])[0].clone();
    (doc, change)
}

/// The document as stored (snapshot and chunks), bypassing every cache.
fn stored_document(app: &TestApp, id: Uuid) -> Automerge {
    use hezuo_server::db::schema::{document_chunks, documents};
    let snapshot: Option<Vec<u8>> = documents::table
        .find(id.to_string())
        .select(documents::snapshot)
        .first(&mut app.conn())
        .expect("document row");
    let mut doc = match snapshot {
        Some(bytes) => Automerge::load(&bytes).expect("load"),
        None => genesis(id),
    };
    let chunks: Vec<Vec<u8>> = document_chunks::table
        .filter(document_chunks::cooperative_id.eq(id.to_string()))
        .order(document_chunks::id.asc())
        .select(document_chunks::data)
        .load(&mut app.conn())
        .expect("chunks");
    for chunk in chunks {
        doc.load_incremental(&chunk).expect("chunk");
    }
    doc
}

/// Hole 1: a change under a colleague's actor, waiting for a dependency, rides along with a valid one. It must be
/// refused at once, never kept, and the colleague's next honest sync must go through.
#[test]
fn a_foreign_change_with_a_missing_dependency_is_refused_and_never_poisons_the_document() {
    let app = TestApp::spawn();
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let mut victim = another_haishu_counsellor(&app, "counsellor.haishu.victim");
    victim.pull().expect("pull");
    let first = victim
        .new_visit(id, baseline_visit("第一次走访"))
        .expect("visit");
    victim.submit_visit(id, first).expect("submit");
    assert!(victim.sync().expect("sync").problems.is_empty());
    let victim_device = raw_device(&app, &victim);

    let attacker_phone = app.phone(Persona::CounsellorHaishu);
    let attacker = raw_device(&app, &attacker_phone);
    let (doc, own) = own_valid_change(&attacker, id);
    // The victim's next sequence number, under the victim's actor.
    let forged = orphan_under(
        &victim_device.actor,
        id,
        next_seq(&app, id, &victim_device.actor),
    );
    let reply = send_changes(&attacker, id, &doc, &[own, forged]);
    let error = reply.error.expect("refused");
    assert_eq!(error.code, "refused");
    assert!(
        error.message_zh.contains("不是本设备"),
        "{}",
        error.message_zh
    );
    let holds = app
        .client(Persona::Admin)
        .list_quarantines(&[])
        .expect("list")
        .items;
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0].code, "foreign_actor");
    assert!(!document::has_orphans(&stored_document(&app, id)));

    // The victim's second visit carries the same actor and sequence number: it goes through.
    let second = victim
        .new_visit(id, baseline_visit("第二次走访"))
        .expect("visit");
    victim.submit_visit(id, second).expect("submit");
    let report = victim.sync().expect("sync");
    assert!(report.problems.is_empty(), "{report:?}");
    let stored = document::read(&stored_document(&app, id)).expect("read");
    assert!(stored.visits.contains_key(&second.to_string()));
}

/// Hole 1, own changes: a change of the device's own that waits for a dependency is not kept either; the reply asks
/// for what is missing, and nothing of it reaches the stored document.
#[test]
fn an_own_change_missing_its_dependency_is_not_stored_and_is_asked_for_again() {
    let app = TestApp::spawn();
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let phone = app.phone(Persona::CounsellorHaishu);
    let device = raw_device(&app, &phone);
    let orphan = orphan_under(&device.actor, id, 2);
    let reply = send_changes(&device, id, &genesis(id), std::slice::from_ref(&orphan));
    assert_eq!(
        reply.error, None,
        "not refused: an honest phone may be ahead"
    );
    let message = engine::decode_message(&reply.message.expect("a reply")).expect("decode");
    assert!(
        message.need.contains(&orphan.deps()[0]),
        "{:?}",
        message.need
    );
    assert_eq!(crate::sync_refusals::server_heads(&app, id), None);
    assert_eq!(crate::sync_refusals::active_quarantines(&app), 0);
}

/// Hole 1, old data: a document written before the fix, with an orphan under a colleague's actor in its chunks, is
/// served without it, and `hezuo repair-documents` rewrites it.
#[test]
fn a_document_poisoned_before_the_fix_is_ignored_on_load_and_repaired() {
    use hezuo_server::db::schema::{document_chunks, documents};
    let app = TestApp::spawn();
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let mut victim = another_haishu_counsellor(&app, "counsellor.haishu.victim");
    victim.pull().expect("pull");
    let first = victim
        .new_visit(id, baseline_visit("第一次"))
        .expect("visit");
    victim.submit_visit(id, first).expect("submit");
    assert!(victim.sync().expect("sync").problems.is_empty());
    let victim_device = raw_device(&app, &victim);

    // What the old server wrote: the orphan appended to the stored chunks.
    let forged = orphan_under(
        &victim_device.actor,
        id,
        next_seq(&app, id, &victim_device.actor),
    );
    diesel::insert_into(document_chunks::table)
        .values((
            document_chunks::cooperative_id.eq(id.to_string()),
            document_chunks::data.eq(forged.raw_bytes().to_vec()),
            document_chunks::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(&mut app.conn())
        .expect("poison");
    // Every cache drops its copy, as after a restart.
    diesel::update(documents::table.find(id.to_string()))
        .set(documents::version.eq(documents::version + 1))
        .execute(&mut app.conn())
        .expect("bump");
    assert!(document::has_orphans(&stored_document(&app, id)));

    // The server ignores the orphan: the victim's change with the same actor and sequence number goes through, and
    // the document still loads from the database afterwards (the next test run's server, or another instance).
    let second = victim
        .new_visit(id, baseline_visit("第二次"))
        .expect("visit");
    victim.submit_visit(id, second).expect("submit");
    let report = victim.sync().expect("sync");
    assert!(report.problems.is_empty(), "{report:?}");
    diesel::update(documents::table.find(id.to_string()))
        .set(documents::version.eq(documents::version + 1))
        .execute(&mut app.conn())
        .expect("bump");
    let third = victim
        .new_visit(id, baseline_visit("第三次"))
        .expect("visit");
    victim.submit_visit(id, third).expect("submit");
    let report = victim.sync().expect("sync");
    assert!(report.problems.is_empty(), "{report:?}");

    let mut conn = app.conn();
    let repaired = hezuo_server::db::write_transaction(&mut conn, |conn| {
        hezuo_server::documents::store::repair_orphans(conn, id)
    })
    .expect("repair");
    assert!(repaired);
    let stored = stored_document(&app, id);
    assert!(!document::has_orphans(&stored));
    assert!(
        document::read(&stored)
            .expect("read")
            .visits
            .contains_key(&second.to_string())
    );
    let again = hezuo_server::db::write_transaction(&mut conn, |conn| {
        hezuo_server::documents::store::repair_orphans(conn, id)
    })
    .expect("repair");
    assert!(!again, "a sound document is left alone");
}

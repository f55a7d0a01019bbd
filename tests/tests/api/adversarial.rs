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

/// A batch request with one message, with `sender`'s heads, that carries exactly `changes`, whatever they are.
fn request_with(id: Uuid, sender: &Automerge, changes: &[Change]) -> SyncRequest {
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
    SyncRequest {
        protocol: SYNC_PROTOCOL,
        docs: vec![DocEntry {
            id: id.as_bytes().to_vec(),
            heads_digest: None,
            message: Some(message.encode()),
        }],
        summary: None,
    }
}

/// Sends [`request_with`] and returns the document's answer.
fn send_changes(device: &RawDevice, id: Uuid, sender: &Automerge, changes: &[Change]) -> DocReply {
    let request = request_with(id, sender, changes);
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

/// Asserts that `reply` is a refusal whose Chinese reason mentions `reason_zh`, and that it put the device on hold
/// with `code`; returns the hold so a test can release it and try the next attack.
#[track_caller]
fn assert_refused_and_held(
    app: &TestApp,
    reply: DocReply,
    reason_zh: &str,
    code: &str,
) -> hezuo_mobile_api::sync::Quarantine {
    let error = reply.error.expect("refused");
    assert_eq!(error.code, "refused");
    assert!(error.message_zh.contains(reason_zh), "{}", error.message_zh);
    let mut holds = app
        .client(Persona::Admin)
        .list_quarantines(&[])
        .expect("list")
        .items;
    assert_eq!(holds.len(), 1, "{holds:?}");
    assert_eq!(holds[0].code, code);
    holds.remove(0)
}

/// Releases a hold, as an admin does after looking at it.
fn release(app: &TestApp, hold: &hezuo_mobile_api::sync::Quarantine) {
    app.client(Persona::Admin)
        .release_quarantine(hold.id)
        .expect("release");
}

/// A second 海曙 counsellor whose phone has synced one submitted visit of `id`: the colleague whose actor an attacker
/// borrows.
fn victim_with_a_synced_visit(app: &TestApp, id: Uuid) -> (hezuo_tests::TestPhone, RawDevice) {
    let mut victim = another_haishu_counsellor(app, "counsellor.haishu.victim");
    victim.pull().expect("pull");
    let first = victim
        .new_visit(id, baseline_visit("第一次走访"))
        .expect("visit");
    victim.submit_visit(id, first).expect("submit");
    assert!(victim.sync().expect("sync").problems.is_empty());
    let device = raw_device(app, &victim);
    (victim, device)
}

/// Hole 1: a change under a colleague's actor, waiting for a dependency, rides along with a valid one. It must be
/// refused at once, never kept, and the colleague's next honest sync must go through.
#[test]
fn a_foreign_change_with_a_missing_dependency_is_refused_and_never_poisons_the_document() {
    let app = TestApp::spawn();
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let (mut victim, victim_device) = victim_with_a_synced_visit(&app, id);

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
    assert_refused_and_held(&app, reply, "不是本设备", "foreign_actor");
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
    let (mut victim, victim_device) = victim_with_a_synced_visit(&app, id);

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

/// Hole 3: the author of a visit rewrites who wrote it. Refused; the review queue keeps the real author; and every
/// accepted sync leaves an audit row naming the device and the changes.
#[test]
fn visit_authorship_cannot_be_rewritten_and_every_accepted_sync_is_audited() {
    let app = TestApp::spawn();
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let colleague = another_haishu_counsellor(&app, "counsellor.haishu.colleague");
    let colleague_device = raw_device(&app, &colleague);
    let phone = app.phone(Persona::CounsellorHaishu);
    let device = raw_device(&app, &phone);

    let (doc, own) = own_valid_change(&device, id);
    assert_eq!(
        send_changes(&device, id, &doc, std::slice::from_ref(&own)).error,
        None
    );
    let visit_id = document::read(&doc)
        .expect("read")
        .visits
        .keys()
        .next()
        .cloned()
        .expect("a visit");

    let mut forged = doc.clone();
    let mut visit = document::read(&forged).expect("read").visits[&visit_id].clone();
    visit.author_user_id = Some(colleague_device.user_id.clone());
    visit.author_device_id = Some(colleague_device.device_id.clone());
    document::put_visit(
        &mut forged,
        Uuid::parse_str(&visit_id).expect("id"),
        &visit,
        2,
    )
    .expect("save");
    let rewrite = forged.get_changes(&doc.get_heads());
    let reply = send_changes(&device, id, &forged, &rewrite);
    assert_refused_and_held(&app, reply, "填写人不能更改", "authorship");

    use hezuo_server::db::schema::visits;
    let author: Option<String> = visits::table
        .find(&visit_id)
        .select(visits::author_user_id)
        .first(&mut app.conn())
        .expect("projected");
    assert_eq!(author, Some(device.user_id.clone()));

    let audit = app
        .client(Persona::Admin)
        .audit_log(&hezuo_mobile_api::reviews::AuditQuery {
            action: Some("document.changes_accepted".to_owned()),
            entity_id: Some(id.to_string()),
            ..Default::default()
        })
        .expect("audit")
        .items;
    assert_eq!(audit.len(), 1, "one accepted sync, one row: {audit:?}");
    assert_eq!(
        audit[0].actor_device_id.as_deref(),
        Some(device.device_id.as_str())
    );
    assert_eq!(
        audit[0].actor_user_id.as_deref(),
        Some(device.user_id.as_str())
    );
    let after = audit[0].after.as_ref().expect("after");
    assert_eq!(
        after["changes"],
        serde_json::json!([own.hash().to_string()])
    );
}

/// Hole 7: a cooperative named like a spreadsheet formula reaches the star results as CSV and XLSX as text that no
/// spreadsheet evaluates.
#[test]
fn a_cooperative_named_like_a_formula_is_exported_as_inert_text() {
    use hezuo_mobile_api::client::Export;
    let (app, _phone, cooperative, filed) = crate::stars::filed_for_haishu_fruit();
    let name = "=HYPERLINK(\"http://evil.example\",\"点我\")";
    app.client(Persona::Admin)
        .update_cooperative(
            cooperative,
            &hezuo_mobile_api::cooperatives::UpdateCooperativeRequest {
                name: Some(name.to_owned()),
                ..Default::default()
            },
            None,
        )
        .expect("rename");
    let supervisor = app.client(Persona::SupervisorHaishu);
    let csv = supervisor
        .export_campaign_results(filed.campaign_id, Export::Csv)
        .expect("csv");
    let text = String::from_utf8(csv).expect("utf-8");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let cells: Vec<String> = reader
        .records()
        .flat_map(|r| {
            r.expect("record")
                .iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(cells.iter().any(|c| c == &format!("'{name}")), "{cells:?}");
    assert!(
        cells.iter().all(|c| !c.starts_with('=')),
        "no cell starts a formula: {cells:?}"
    );
}

/// An edit made inside one transaction.
type Edit<'a> = dyn Fn(&mut automerge::transaction::Transaction<'_>) + 'a;

/// Hole 4: a colleague in scope rewrites or deletes the details of someone else's photo, or hangs a photo on
/// someone else's visit. Each is refused; the owner's own edit goes through.
#[test]
fn a_photos_details_can_be_changed_only_by_the_device_that_added_it() {
    use automerge::ReadDoc;
    use automerge::transaction::Transactable;
    let app = TestApp::spawn();
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let owner_phone = app.phone(Persona::CounsellorHaishu);
    let owner = raw_device(&app, &owner_phone);
    let colleague_phone = another_haishu_counsellor(&app, "counsellor.haishu.colleague");
    let colleague = raw_device(&app, &colleague_phone);

    let hash = "c".repeat(64);
    let visit_id = Uuid::now_v7();
    let mut doc = genesis(id).with_actor(owner.actor.clone());
    let photo = hezuo_sync::model::PhotoHash::parse(&hash).expect("hash");
    let visit = Visit {
        author_user_id: Some(owner.user_id.clone()),
        author_device_id: Some(owner.device_id.clone()),
        status: Some(VisitStatus::Draft),
        expected_photos: vec![photo.clone()],
        ..Default::default()
    };
    let meta = hezuo_sync::model::PhotoMeta {
        visit_id: Some(visit_id.to_string()),
        caption: Some("办公室门牌".to_owned()),
        ..Default::default()
    };
    document::attach_photos(&mut doc, visit_id, &visit, &[(photo, meta)], 1).expect("attach");
    let added = doc.get_changes(&[document::genesis_hash(id)]);
    assert_eq!(send_changes(&owner, id, &doc, &added).error, None);

    let edit = |actor: &ActorId, change: &dyn Fn(&mut automerge::transaction::Transaction<'_>)| {
        let mut copy = doc.clone().with_actor(actor.clone());
        let before = copy.get_heads();
        let mut tx = copy.transaction();
        change(&mut tx);
        tx.commit();
        let changes = copy.get_changes(&before);
        (copy, changes)
    };
    let entry_of = |tx: &automerge::transaction::Transaction<'_>| {
        let (_, photos) = tx
            .get(automerge::ROOT, "photos")
            .expect("get")
            .expect("photos");
        let (_, entry) = tx.get(&photos, hash.as_str()).expect("get").expect("entry");
        entry
    };
    let attempts: Vec<(&str, Box<Edit<'_>>)> = vec![
        (
            "caption",
            Box::new(|tx| {
                let entry = entry_of(tx);
                tx.put(&entry, "caption", "别处拍的").expect("put");
            }),
        ),
        (
            "delete",
            Box::new(|tx| {
                let (_, photos) = tx
                    .get(automerge::ROOT, "photos")
                    .expect("get")
                    .expect("photos");
                tx.delete(&photos, hash.as_str()).expect("delete");
            }),
        ),
        (
            "hang on the owner's visit",
            Box::new(|tx| {
                let (_, photos) = tx
                    .get(automerge::ROOT, "photos")
                    .expect("get")
                    .expect("photos");
                let entry = tx
                    .put_object(&photos, "d".repeat(64).as_str(), automerge::ObjType::Map)
                    .expect("entry");
                tx.put(&entry, "visit_id", visit_id.to_string())
                    .expect("put");
            }),
        ),
    ];
    for (what, attempt) in &attempts {
        let (copy, changes) = edit(&colleague.actor, attempt.as_ref());
        let reply = send_changes(&colleague, id, &copy, &changes);
        assert!(reply.error.is_some(), "{what}: refused");
        let hold = assert_refused_and_held(&app, reply, "只能", "not_author");
        release(&app, &hold);
    }
    let stored = document::read(&stored_document(&app, id)).expect("read");
    assert_eq!(stored.photos[&hash].caption.as_deref(), Some("办公室门牌"));

    let (copy, changes) = edit(&owner.actor, &|tx| {
        let entry = entry_of(tx);
        tx.put(&entry, "caption", "办公室门牌（正面）")
            .expect("put");
    });
    assert_eq!(send_changes(&owner, id, &copy, &changes).error, None);
}

/// A scripted automerge-repo WebSocket client: joins, then sends whatever it is told.
struct HostileSocket {
    socket: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>,
    peer: String,
}

impl HostileSocket {
    fn connect(app: &TestApp, token: &str) -> HostileSocket {
        Self::connect_as(app, token, &format!("hostile-{}", Uuid::now_v7().simple()))
    }

    /// Upgrades, then joins as `peer`.
    fn connect_as(app: &TestApp, token: &str, peer: &str) -> HostileSocket {
        let mut client = Self::upgrade(app, token, peer);
        client.join();
        client
    }

    /// Upgrades without joining.
    fn upgrade(app: &TestApp, token: &str, peer: &str) -> HostileSocket {
        let url = format!(
            "{}/api/v1/sync/ws?token={token}",
            app.address.replace("http://", "ws://")
        );
        let (socket, _) = tungstenite::connect(url).expect("upgrade");
        if let tungstenite::stream::MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .expect("timeout");
        }
        HostileSocket {
            socket,
            peer: peer.to_owned(),
        }
    }

    fn join(&mut self) {
        use hezuo_server::documents::repo_protocol::RepoMessage;
        self.send(RepoMessage {
            kind: "join".to_owned(),
            sender_id: Some(self.peer.clone()),
            supported_protocol_versions: Some(vec!["1".to_owned()]),
            ..Default::default()
        });
        assert_eq!(self.next().expect("peer").kind, "peer");
    }

    fn send(&mut self, message: hezuo_server::documents::repo_protocol::RepoMessage) {
        self.socket
            .send(tungstenite::Message::binary(message.encode()))
            .expect("send");
    }

    /// Sends `doc`'s changes beyond the genesis for cooperative `id` as a sync message.
    fn sync(&mut self, id: Uuid, doc: &Automerge) {
        let mut state = State::new();
        engine::assume_peer_has(&mut state, vec![document::genesis_hash(id)]);
        let data = engine::generate(doc, &mut state).expect("a message");
        self.send_for(id, "sync", data);
    }

    /// Asks for cooperative `id` holding only its genesis: a message that carries no changes, only reads.
    fn read(&mut self, id: Uuid) {
        let data = engine::generate(&genesis(id), &mut State::new()).expect("a message");
        self.send_for(id, "request", data);
    }

    /// Sends a sync message of `kind` for cooperative `id`.
    fn send_for(&mut self, id: Uuid, kind: &str, data: Vec<u8>) {
        self.send(Self::message_for(&self.peer, id, kind, data));
    }

    /// Sends messages in one write, so that they reach the server together, as the stock client's requests do.
    fn burst(&mut self, messages: Vec<hezuo_server::documents::repo_protocol::RepoMessage>) {
        for message in messages {
            self.socket
                .write(tungstenite::Message::binary(message.encode()))
                .expect("write");
        }
        self.socket.flush().expect("flush");
    }

    fn message_for(
        peer: &str,
        id: Uuid,
        kind: &str,
        data: Vec<u8>,
    ) -> hezuo_server::documents::repo_protocol::RepoMessage {
        hezuo_server::documents::repo_protocol::RepoMessage {
            kind: kind.to_owned(),
            sender_id: Some(peer.to_owned()),
            target_id: Some("server".to_owned()),
            document_id: Some(hezuo_sync::DocumentId::from_uuid(id).to_string()),
            data: Some(data),
            ..Default::default()
        }
    }

    /// The next message from the server; `None` once the connection is closed.
    fn next(&mut self) -> Option<hezuo_server::documents::repo_protocol::RepoMessage> {
        loop {
            match self.socket.read() {
                Ok(tungstenite::Message::Binary(bytes)) => {
                    return Some(
                        hezuo_server::documents::repo_protocol::RepoMessage::decode(&bytes)
                            .expect("cbor"),
                    );
                }
                Ok(tungstenite::Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    /// Expects the server to end the connection with one error message that says `words`. A connection the server
    /// leaves open goes quiet for the read timeout and yields nothing, which fails here.
    fn closes_saying(&mut self, words: &str) {
        let last = self.until_closed();
        assert_eq!(last.len(), 1, "{last:?}");
        assert_eq!(last[0].kind, "error", "{last:?}");
        assert!(
            last[0].message.as_deref().unwrap_or("").contains(words),
            "{last:?}"
        );
    }

    /// Messages until the connection closes (or goes quiet for the read timeout).
    fn until_closed(&mut self) -> Vec<hezuo_server::documents::repo_protocol::RepoMessage> {
        std::iter::from_fn(|| self.next()).collect()
    }
}

/// A device's token, its raw client and a cooperative document with one valid visit of its own.
fn socket_writer(app: &TestApp, phone: &hezuo_tests::TestPhone, id: Uuid) -> (String, Automerge) {
    let token = phone
        .session()
        .expect("session")
        .access_token
        .clone()
        .expect("an access token");
    let (doc, _) = own_valid_change(&raw_device(app, phone), id);
    (token, doc)
}

/// Hole 2: a device revoked while its WebSocket is open loses the connection at once; it writes nothing more.
#[test]
fn revoking_a_device_closes_its_open_websocket_at_once() {
    let app = TestApp::spawn();
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let phone = app.phone(Persona::CounsellorHaishu);
    let (token, doc) = socket_writer(&app, &phone, id);
    let mut socket = HostileSocket::connect(&app, &token);
    socket.sync(id, &doc);
    assert_eq!(socket.next().expect("reply").kind, "sync");
    let heads = crate::sync_refusals::server_heads(&app, id);
    assert!(heads.is_some(), "the first change is stored");

    let device = phone
        .session()
        .expect("session")
        .device
        .clone()
        .expect("device");
    app.client(Persona::Admin)
        .revoke_device(device.id, Some("丢失"))
        .expect("revoke");
    let last = socket.until_closed();
    let error = last.iter().find(|m| m.kind == "error").expect("told why");
    assert!(
        error
            .message
            .as_deref()
            .unwrap_or("")
            .contains("device_revoked"),
        "{error:?}"
    );
    // A write after the revocation is not stored (the socket is gone, and a new upgrade is refused).
    assert!(
        tungstenite::connect(format!(
            "{}/api/v1/sync/ws?token={token}",
            app.address.replace("http://", "ws://")
        ))
        .is_err()
    );
    assert_eq!(crate::sync_refusals::server_heads(&app, id), heads);
}

/// Hole 2: a user disabled, or moved to other regions, while connected: the first loses the connection; the second
/// is told the cooperative is no longer available, hears no colleague's new visit and cannot write to it.
#[test]
fn a_disabled_or_moved_user_loses_what_the_open_websocket_gave() {
    use hezuo_mobile_api::users::UpdateUserRequest;
    let app = TestApp::spawn();
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let admin = app.client(Persona::Admin);

    let moved_phone = another_haishu_counsellor(&app, "counsellor.haishu.moved");
    let (token, doc) = socket_writer(&app, &moved_phone, id);
    let mut socket = HostileSocket::connect(&app, &token);
    socket.sync(id, &doc);
    assert_eq!(socket.next().expect("reply").kind, "sync");
    let moved_user = moved_phone.session().expect("session").user.id;
    admin
        .update_user(
            moved_user,
            &UpdateUserRequest {
                region_codes: Some(vec![
                    hezuo_mobile_api::RegionCode::parse("330225").expect("code"),
                ]),
                ..Default::default()
            },
        )
        .expect("move");
    let unavailable = socket.next().expect("told");
    assert_eq!(unavailable.kind, "doc-unavailable", "{unavailable:?}");
    // A colleague's new visit is not pushed; a write to the cooperative is refused.
    let mut colleague = app.pulled_phone(Persona::CounsellorHaishu);
    let visit = colleague
        .new_visit(id, baseline_visit("同事的走访"))
        .expect("visit");
    colleague.submit_visit(id, visit).expect("submit");
    colleague.sync().expect("sync");
    let heads = crate::sync_refusals::server_heads(&app, id);
    let mut more = doc.clone();
    let profile = hezuo_sync::model::Profile {
        notes: Some("调走后仍在写".to_owned()),
        ..Default::default()
    };
    document::put_profile(&mut more, &profile, 3).expect("save");
    socket.sync(id, &more);
    let answer = socket.next().expect("answer");
    assert_eq!(answer.kind, "doc-unavailable", "{answer:?}");
    assert_eq!(crate::sync_refusals::server_heads(&app, id), heads);

    admin
        .update_user(
            moved_user,
            &UpdateUserRequest {
                is_active: Some(false),
                ..Default::default()
            },
        )
        .expect("disable");
    let last = socket.until_closed();
    let error = last.iter().find(|m| m.kind == "error").expect("told why");
    assert!(
        error
            .message
            .as_deref()
            .unwrap_or("")
            .contains("session_revoked")
            || error
                .message
                .as_deref()
                .unwrap_or("")
                .contains("account_disabled"),
        "{error:?}"
    );
}

/// Cooperative `id`'s document with an approval written by `actor` into the server-only `review` map.
fn forged_approval(id: Uuid, actor: &ActorId) -> Automerge {
    use automerge::transaction::Transactable;
    let mut doc = genesis(id).with_actor(actor.clone());
    let mut tx = doc.transaction();
    let (_, review) = automerge::ReadDoc::get(&tx, automerge::ROOT, "review")
        .expect("get")
        .expect("review");
    tx.put(&review, "forged", "approved").expect("put");
    tx.commit();
    doc
}

/// `device` approves a visit of cooperative `id` itself: the change is refused, and the account is held for the
/// cooperative.
fn forge_an_approval(device: &RawDevice, id: Uuid) {
    let doc = forged_approval(id, &device.actor);
    let changes = doc.get_changes(&[document::genesis_hash(id)]);
    assert_eq!(
        send_changes(device, id, &doc, &changes)
            .error
            .map(|e| e.code.as_str()),
        Some("refused")
    );
}

/// Hole 9 over WebSocket: a connection serves reads on the access it found for a document, but looks every write up
/// afresh, so a hold placed through another of the account's phones while the socket is open sets its next write
/// aside.
#[test]
fn a_hold_placed_while_the_websocket_is_open_sets_its_next_write_aside() {
    let app = TestApp::spawn();
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let socket_phone = app.phone(Persona::CounsellorHaishu);
    let (token, doc) = socket_writer(&app, &socket_phone, id);
    let mut socket = HostileSocket::connect(&app, &token);
    socket.read(id);
    assert_eq!(socket.next().expect("reply").kind, "sync");

    forge_an_approval(&raw_device(&app, &app.phone(Persona::CounsellorHaishu)), id);

    let heads = crate::sync_refusals::server_heads(&app, id);
    socket.sync(id, &doc);
    let error = socket.next().expect("told");
    assert_eq!(error.kind, "error", "{error:?}");
    assert!(
        error.message.as_deref().unwrap_or("").contains("on hold"),
        "{error:?}"
    );
    assert_eq!(crate::sync_refusals::server_heads(&app, id), heads);
}

/// Messages that reach the server together are handled together, each as if it came alone: reads are answered, a
/// cooperative outside the regions is unavailable, and a refused write holds the honest write sent right behind it.
#[test]
fn a_burst_of_websocket_messages_is_answered_message_by_message() {
    let app = TestApp::spawn();
    let (fruit, rice, fishery) = (
        app.cooperative_id(Fixture::HaishuFruit),
        app.cooperative_id(Fixture::HaishuRice),
        app.cooperative_id(Fixture::XiangshanFishery),
    );
    let phone = app.phone(Persona::CounsellorHaishu);
    let (token, honest) = socket_writer(&app, &phone, fruit);
    let forged = forged_approval(fruit, &ActorId::random());
    let changes_of = |doc: &Automerge| {
        let mut state = State::new();
        engine::assume_peer_has(&mut state, vec![document::genesis_hash(fruit)]);
        engine::generate(doc, &mut state).expect("a message")
    };
    let read_of = |id: Uuid| engine::generate(&genesis(id), &mut State::new()).expect("a message");
    let mut socket = HostileSocket::connect(&app, &token);
    let peer = socket.peer.clone();
    socket.burst(vec![
        HostileSocket::message_for(&peer, rice, "request", read_of(rice)),
        HostileSocket::message_for(&peer, fishery, "request", read_of(fishery)),
        HostileSocket::message_for(&peer, fruit, "sync", changes_of(&forged)),
        HostileSocket::message_for(&peer, fruit, "sync", changes_of(&honest)),
    ]);
    let answers: Vec<(String, Option<String>, String)> = std::iter::from_fn(|| socket.next())
        .take(5)
        .map(|m| {
            let document = m.document_id.clone().unwrap_or_default();
            (m.kind, m.message, document)
        })
        .collect();
    let named = |id: Uuid| hezuo_sync::DocumentId::from_uuid(id).to_string();
    let kinds: Vec<&str> = answers.iter().map(|(kind, _, _)| kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec!["sync", "doc-unavailable", "error", "error", "sync"],
        "{answers:?}"
    );
    assert_eq!(answers[0].2, named(rice));
    assert_eq!(answers[1].2, named(fishery), "outside the regions");
    let said = |i: usize| answers[i].1.clone().unwrap_or_default();
    assert!(said(2).contains("server"), "refused: {}", said(2));
    assert!(said(3).contains("on hold"), "held: {}", said(3));
    assert_eq!(answers[4].2, named(fruit), "a device on hold still reads");
    assert_eq!(
        crate::sync_refusals::server_heads(&app, fruit),
        None,
        "neither write is stored"
    );
}

/// A peer has one WebSocket: when it joins again (the stock client opens a new socket when one is slow to open, and a
/// phone that changed network leaves its old one half-open), the older connection is closed at once. A client of
/// another account cannot close it by claiming the same peer id.
#[test]
fn a_peer_that_joins_again_loses_its_older_websocket_and_no_one_else_can_close_it() {
    let app = TestApp::spawn();
    let (fruit, rice) = (
        app.cooperative_id(Fixture::HaishuFruit),
        app.cooperative_id(Fixture::HaishuRice),
    );
    let own = app.login(Persona::CounsellorHaishu).access_token;
    let stranger = app.login(Persona::SupervisorHaishu).access_token;
    let peer = format!("phone-{}", Uuid::now_v7().simple());
    let mut older = HostileSocket::connect_as(&app, &own, &peer);
    older.read(fruit);
    assert_eq!(older.next().expect("a reply").kind, "sync");

    let mut impostor = HostileSocket::connect_as(&app, &stranger, &peer);
    impostor.read(fruit);
    assert_eq!(impostor.next().expect("a reply").kind, "sync");
    // Each read asks for a document the socket has not had: a repeated one may need no answer.
    older.read(rice);
    assert_eq!(
        older.next().expect("still open").kind,
        "sync",
        "another account's peer of the same id closes nothing"
    );

    let mut newer = HostileSocket::connect_as(&app, &own, &peer);
    older.closes_saying("joined again");
    newer.read(fruit);
    assert_eq!(newer.next().expect("a reply").kind, "sync");
    impostor.read(rice);
    assert_eq!(impostor.next().expect("a reply").kind, "sync");
}

/// The stock client abandons a socket that opens slowly without closing it, and that socket never joins: the server
/// closes a socket that sends no join in time. One that joined stays open past that time.
#[test]
fn a_websocket_that_never_joins_is_closed_and_one_that_joined_stays() {
    let app = TestApp::spawn_with(|config| config.websocket_join_secs = 1);
    let fruit = app.cooperative_id(Fixture::HaishuFruit);
    let token = app.login(Persona::CounsellorHaishu).access_token;
    let mut joined = HostileSocket::connect(&app, &token);
    let mut silent = HostileSocket::upgrade(&app, &token, "never-joins");
    silent.closes_saying("no join");
    joined.read(fruit);
    assert_eq!(joined.next().expect("still open").kind, "sync");
}

/// Hole 2: an access token expires on an open WebSocket as it does on HTTP: the next message ends the connection.
#[test]
fn an_expired_token_ends_the_websocket() {
    let app = TestApp::spawn_with(|config| config.access_token_ttl_secs = 4);
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let phone = app.phone(Persona::CounsellorHaishu);
    let (token, doc) = socket_writer(&app, &phone, id);
    let mut socket = HostileSocket::connect(&app, &token);
    std::thread::sleep(std::time::Duration::from_millis(4100));
    socket.sync(id, &doc);
    let last = socket.until_closed();
    let error = last.iter().find(|m| m.kind == "error").expect("told why");
    assert!(
        error
            .message
            .as_deref()
            .unwrap_or("")
            .contains("token_expired"),
        "{error:?}"
    );
    assert_eq!(crate::sync_refusals::server_heads(&app, id), None);
}

/// A login attempt from `address` (the server trusts `X-Forwarded-For` in these tests, as behind a proxy); the
/// problem code, or `None` on success.
fn login_from(
    app: &TestApp,
    address: &str,
    username: &str,
    password: &str,
) -> Option<hezuo_mobile_api::ErrorCode> {
    let body = serde_json::json!({ "username": username, "password": password }).to_string();
    let response = app
        .anonymous()
        .raw(
            ureq::http::Method::POST,
            "/api/v1/auth/login",
            &[],
            &[("X-Forwarded-For", address)],
            Some(("application/json", body.as_bytes())),
        )
        .expect("answer");
    if response.status == 200 {
        return None;
    }
    let problem: hezuo_mobile_api::Problem =
        serde_json::from_slice(&response.body).expect("a problem document");
    Some(problem.code)
}

/// Hole 6: twenty wrong guesses sent at once from one address get no more than the allowed number of password
/// checks; that address is then locked out of the account, while its owner logs in from elsewhere.
#[test]
fn parallel_guesses_are_counted_and_lock_only_the_guessing_address() {
    use hezuo_mobile_api::ErrorCode;
    let app = TestApp::spawn_with(|config| {
        config.trust_forwarded_for = true;
        config.login_max_failures = 5;
        config.login_rate_limit_per_minute = 1000;
    });
    let user = Persona::CounsellorHaishu.username();
    let answers: Vec<Option<ErrorCode>> = std::thread::scope(|scope| {
        let guesses: Vec<_> = (0..20)
            .map(|n| {
                let app = &app;
                scope.spawn(move || {
                    login_from(app, "198.51.100.7", user, &format!("guess-{n}-xxxx"))
                })
            })
            .collect();
        guesses
            .into_iter()
            .map(|g| g.join().expect("thread"))
            .collect()
    });
    let checked = answers
        .iter()
        .filter(|a| **a == Some(ErrorCode::InvalidCredentials))
        .count();
    let locked = answers
        .iter()
        .filter(|a| **a == Some(ErrorCode::AccountLocked))
        .count();
    assert!(
        checked <= 4,
        "at most 4 plain refusals before the 5th locks: {answers:?}"
    );
    assert_eq!(checked + locked, 20, "{answers:?}");
    // The guessing address stays locked out, even with the right password.
    assert_eq!(
        login_from(&app, "198.51.100.7", user, hezuo_tests::PASSWORD),
        Some(ErrorCode::AccountLocked)
    );
    // The owner, elsewhere, is not locked out.
    assert_eq!(
        login_from(&app, "203.0.113.20", user, hezuo_tests::PASSWORD),
        None
    );
}

/// Hole 6: common passwords are refused, and a user changes their own password with the current one; a wrong
/// current password is refused, and the user's other sessions end.
#[test]
fn users_change_their_own_password_and_common_ones_are_refused() {
    use hezuo_mobile_api::ErrorCode;
    let app = TestApp::spawn();
    let user = Persona::CounsellorHaishu.username();
    let other_session = app.client(Persona::CounsellorHaishu);
    let client = app.client(Persona::CounsellorHaishu);
    for weak in ["1234567890", "qwertyuiop", "aaaaaaaaaa", "woaini1314"] {
        let problem = client
            .change_password(hezuo_tests::PASSWORD, weak)
            .expect_err("refused")
            .problem()
            .cloned()
            .expect("problem");
        assert_eq!(problem.code, ErrorCode::ValidationFailed, "{weak}");
        assert_eq!(problem.errors[0].code, "too_common", "{weak}");
        assert!(problem.errors[0].message.contains("常见"), "{problem:?}");
    }
    assert_eq!(
        crate::code_of(client.change_password("not-my-password", "a-fresh-passphrase-7")),
        ErrorCode::InvalidCredentials
    );
    client
        .change_password(hezuo_tests::PASSWORD, "a-fresh-passphrase-7")
        .expect("changed");
    assert!(client.me().is_ok(), "this session goes on");
    assert!(other_session.me().is_err(), "other sessions end");
    assert!(
        app.anonymous()
            .login(user, hezuo_tests::PASSWORD, None)
            .is_err()
    );
    assert!(
        app.anonymous()
            .login(user, "a-fresh-passphrase-7", None)
            .is_ok()
    );
    // An admin cannot set a common password either.
    let admin = app.client(Persona::Admin);
    let refused = admin.update_user(
        app.user_id(Persona::CounsellorHaishu),
        &hezuo_mobile_api::users::UpdateUserRequest {
            password: Some("1234567890".to_owned()),
            ..Default::default()
        },
    );
    assert_eq!(crate::code_of(refused), ErrorCode::ValidationFailed);
}

/// Hole 8: oversized sync. A profile note of 20 MB does not even get read (413); one of 1 MB is a change over the
/// per-change limit; one of 3,000 characters is over the field's limit. Each is refused with a reason in Chinese and
/// nothing reaches the document or the other phones.
#[test]
fn oversized_sync_bodies_changes_and_texts_are_refused() {
    let app = TestApp::spawn();
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let phone = app.phone(Persona::CounsellorHaishu);
    let device = raw_device(&app, &phone);
    let with_note = |chars: usize| {
        let mut doc = genesis(id).with_actor(device.actor.clone());
        let profile = hezuo_sync::model::Profile {
            notes: Some("x".repeat(chars)),
            ..Default::default()
        };
        document::put_profile(&mut doc, &profile, 1).expect("save");
        let changes = doc.get_changes(&[document::genesis_hash(id)]);
        (doc, changes)
    };

    let (doc, changes) = with_note(20 * 1024 * 1024);
    let request = request_with(id, &doc, &changes);
    let problem = device
        .client
        .sync_batch(&request)
        .expect_err("too large")
        .problem()
        .cloned()
        .expect("problem");
    assert_eq!(problem.code, hezuo_mobile_api::ErrorCode::PayloadTooLarge);
    assert!(problem.detail.unwrap_or_default().contains("过大"));

    let (doc, changes) = with_note(1024 * 1024);
    let reply = send_changes(&device, id, &doc, &changes);
    let hold = assert_refused_and_held(&app, reply, "修改过大", "too_large");
    release(&app, &hold);

    let (doc, changes) = with_note(3_000);
    let error = send_changes(&device, id, &doc, &changes)
        .error
        .expect("refused");
    assert!(
        error.message_zh.contains("最多2000个字"),
        "{}",
        error.message_zh
    );
    assert_eq!(crate::sync_refusals::server_heads(&app, id), None);
}

/// Hole 8: an integer where the schema wants a number with decimals is refused at the trust boundary, instead of
/// being stored and then failing every projection with a 500.
#[test]
fn a_value_the_projection_cannot_read_is_refused_at_the_boundary() {
    use automerge::transaction::Transactable;
    let app = TestApp::spawn();
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let phone = app.phone(Persona::CounsellorHaishu);
    let device = raw_device(&app, &phone);
    let mut doc = genesis(id).with_actor(device.actor.clone());
    {
        let mut tx = doc.transaction();
        let profile = automerge::ReadDoc::get(&tx, automerge::ROOT, "profile")
            .expect("get")
            .expect("profile")
            .1;
        let location = tx
            .put_object(&profile, "location", automerge::ObjType::Map)
            .expect("location");
        tx.put(&location, "lat", 30_i64).expect("put");
        tx.commit();
    }
    let changes = doc.get_changes(&[document::genesis_hash(id)]);
    let error = send_changes(&device, id, &doc, &changes)
        .error
        .expect("refused");
    assert_eq!(error.code, "refused");
    assert!(
        error.message_zh.contains("数据规范"),
        "{}",
        error.message_zh
    );
    assert_eq!(crate::sync_refusals::server_heads(&app, id), None);
}

/// Uploads `bytes` (named by a visit of the phone's) in one go over tus.
fn upload_whole(app: &TestApp, phone: &hezuo_tests::TestPhone, bytes: &[u8]) -> u64 {
    let client = crate::photos::raw_client(app, phone);
    let sha = hezuo_sync::photo::sha256_hex(bytes);
    let created = client
        .create_upload(&sha, bytes.len() as u64, "photo.jpg")
        .expect("create");
    let start = created.offset;
    if created.offset < bytes.len() as u64 {
        let mut rest = &bytes[created.offset as usize..];
        let length = rest.len() as u64;
        client
            .append_upload(&created.location, created.offset, &mut rest, length)
            .expect("append");
    }
    start
}

/// Hole 5: a counsellor names another district's photo hash in their own visit. The photo is not served to them or
/// their supervisor, the upload is not complete without the bytes, and the other district's visit raises no flag.
/// If they really hold the bytes and upload them, both visits are flagged as sharing a photo, but neither side's
/// listing names the other district's cooperative, visit or photo.
#[test]
fn naming_another_districts_photo_opens_nothing_and_flags_reveal_nothing_across_regions() {
    let app = TestApp::spawn();
    let original = std::fs::read(crate::photos::fixture("sign.jpg")).expect("fixture");
    let sha = hezuo_sync::photo::sha256_hex(&original);

    let fishery = app.cooperative_id(Fixture::XiangshanFishery);
    let mut victim = app.pulled_phone(Persona::CounsellorXiangshan);
    let victim_visit = victim
        .new_visit(fishery, baseline_visit("象山的走访"))
        .expect("visit");
    crate::photos::name_photos(
        &mut victim,
        fishery,
        victim_visit,
        std::slice::from_ref(&sha),
    );
    assert_eq!(upload_whole(&app, &victim, &original), 0);

    let fruit = app.cooperative_id(Fixture::HaishuFruit);
    let mut attacker = app.pulled_phone(Persona::CounsellorHaishu);
    let attacker_visit = attacker
        .new_visit(fruit, baseline_visit("海曙的走访"))
        .expect("visit");
    crate::photos::name_photos(
        &mut attacker,
        fruit,
        attacker_visit,
        std::slice::from_ref(&sha),
    );

    let image = |persona: Persona| {
        app.client(persona)
            .raw(
                ureq::http::Method::GET,
                &format!("/api/v1/photos/{sha}/small"),
                &[],
                &[],
                None,
            )
            .expect("answer")
            .status
    };
    assert_eq!(image(Persona::CounsellorHaishu), 404);
    assert_eq!(image(Persona::SupervisorHaishu), 404);
    assert_eq!(image(Persona::SupervisorXiangshan), 200);
    let listed =
        |persona: Persona, visit: Uuid| app.client(persona).visit_photos(visit).expect("photos");
    let attackers = listed(Persona::SupervisorHaishu, attacker_visit);
    assert_eq!(attackers.received, 0);
    assert!(
        attackers.photos[0].photo.is_none(),
        "nothing read from someone else's bytes"
    );
    let victims = listed(Persona::SupervisorXiangshan, victim_visit);
    assert!(
        victims.photos[0].flags.is_empty(),
        "{:?}",
        victims.photos[0].flags
    );

    // Creating the upload does not complete it: the bytes must come. When they do, the photo is theirs too.
    assert_eq!(upload_whole(&app, &attacker, &original), 0);
    assert_eq!(image(Persona::SupervisorHaishu), 200);
    let attackers = listed(Persona::SupervisorHaishu, attacker_visit);
    assert_eq!(attackers.received, 1);
    let victims = listed(Persona::SupervisorXiangshan, victim_visit);
    for (listing, hidden) in [
        (&attackers, [fishery, victim_visit]),
        (&victims, [fruit, attacker_visit]),
    ] {
        let flag = listing.photos[0]
            .flags
            .iter()
            .find(|f| f.code == "photo_reused")
            .unwrap_or_else(|| panic!("flagged: {:?}", listing.photos[0].flags));
        let figures = flag.figures.to_string();
        assert!(figures.contains("outside_your_regions"), "{figures}");
        for id in hidden {
            assert!(!figures.contains(&id.to_string()), "{figures}");
        }
    }
}

/// Hole 9: a counsellor held for a cooperative registers another phone: the hold follows the account. Devices per
/// account are limited; retiring an old one makes room.
#[test]
fn a_hold_follows_the_account_and_devices_per_account_are_limited() {
    use hezuo_mobile_api::devices::RegisterDeviceRequest;
    let app = TestApp::spawn_with(|config| config.max_devices_per_user = 2);
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let first_phone = app.phone(Persona::CounsellorHaishu);
    let first = raw_device(&app, &first_phone);
    forge_an_approval(&first, id);

    let second_phone = app.phone(Persona::CounsellorHaishu);
    let second = raw_device(&app, &second_phone);
    let (doc, own) = own_valid_change(&second, id);
    let held = send_changes(&second, id, &doc, &[own]).error.expect("held");
    assert_eq!(held.code, "quarantined");
    assert!(held.message_zh.contains("暂停"), "{}", held.message_zh);

    let request = RegisterDeviceRequest {
        name: "第三部手机".to_owned(),
        platform: "android".to_owned(),
        app_version: "1.0".to_owned(),
    };
    let third = app.client(Persona::CounsellorHaishu);
    let refused = third
        .register_device(&request)
        .expect_err("over the limit")
        .problem()
        .cloned()
        .expect("problem");
    assert_eq!(
        refused.code,
        hezuo_mobile_api::ErrorCode::DeviceLimitReached
    );
    assert!(refused.detail.unwrap_or_default().contains("停用旧手机"));
    let old = first_phone
        .session()
        .expect("session")
        .device
        .clone()
        .expect("device");
    app.client(Persona::CounsellorHaishu)
        .revoke_device(old.id, Some("换了新手机"))
        .expect("retire");
    assert!(third.register_device(&request).is_ok());
}

/// Hole 9: with a metrics token configured, `/metrics` answers only the scraper that presents it.
#[test]
fn metrics_can_be_kept_for_the_scraper() {
    let app =
        TestApp::spawn_with(|config| config.metrics_token = Some("scrape-secret-2026".to_owned()));
    let get = |headers: &[(&str, &str)]| {
        app.anonymous()
            .raw(ureq::http::Method::GET, "/metrics", &[], headers, None)
            .expect("answer")
            .status
    };
    assert_eq!(get(&[]), 401);
    assert_eq!(get(&[("Authorization", "Bearer wrong-secret-2026")]), 401);
    assert_eq!(get(&[("Authorization", "Bearer scrape-secret-2026")]), 200);
}

/// Hole 9: batch sync answers an id no cooperative has exactly as it answers another district's cooperative, so it
/// never confirms that an id exists.
#[test]
fn unknown_and_foreign_cooperatives_answer_the_same() {
    let app = TestApp::spawn();
    let phone = app.phone(Persona::CounsellorHaishu);
    let device = raw_device(&app, &phone);
    let ask = |id: Uuid| {
        let request = SyncRequest {
            protocol: SYNC_PROTOCOL,
            docs: vec![DocEntry {
                id: id.as_bytes().to_vec(),
                heads_digest: Some(document::heads_digest(&[document::genesis_hash(id)]).to_vec()),
                message: None,
            }],
            summary: None,
        };
        let mut reply = device
            .client
            .sync_batch(&request)
            .expect("answer")
            .docs
            .remove(0);
        reply.id.clear();
        reply
    };
    let foreign = ask(app.cooperative_id(Fixture::XiangshanFishery));
    let unknown = ask(Uuid::now_v7());
    assert_eq!(
        foreign.error.as_ref().map(|e| e.code.as_str()),
        Some("out_of_scope")
    );
    assert_eq!(foreign, unknown);
    // A "new cooperative" in another district: the same answer, and no hold.
    let elsewhere = Uuid::now_v7();
    let mut doc = genesis(elsewhere).with_actor(device.actor.clone());
    let profile = hezuo_sync::model::Profile {
        name: Some("象山某合作社".to_owned()),
        region_code: Some("330225101201".to_owned()),
        ..Default::default()
    };
    document::put_profile(&mut doc, &profile, 1).expect("save");
    let changes = doc.get_changes(&[document::genesis_hash(elsewhere)]);
    let mut reply = send_changes(&device, elsewhere, &doc, &changes);
    reply.id.clear();
    assert_eq!(reply, foreign);
    assert_eq!(crate::sync_refusals::active_quarantines(&app), 0);
}

/// Hole 9: an XLSX that unpacks to more than the limit is refused before it is unpacked, and a file of more rows than
/// one import takes is refused whole, instead of growing the server by hundreds of megabytes or answering with
/// hundreds of thousands of row errors.
#[test]
fn imports_are_bounded_by_unpacked_size_and_rows() {
    use std::io::Write;
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let mut bomb = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    bomb.start_file(
        "xl/worksheets/sheet1.xml",
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated),
    )
    .expect("entry");
    let zeros = vec![b'0'; 1024 * 1024];
    for _ in 0..65 {
        bomb.write_all(&zeros).expect("write");
    }
    let bomb = bomb.finish().expect("zip").into_inner();
    assert!(
        bomb.len() < 1024 * 1024,
        "a small file: {} bytes",
        bomb.len()
    );
    let problem = admin
        .import_cooperatives(&bomb)
        .expect_err("refused")
        .problem()
        .cloned()
        .expect("problem");
    assert_eq!(problem.code, hezuo_mobile_api::ErrorCode::ImportFileInvalid);
    assert!(
        problem.detail.unwrap_or_default().contains("解压后超过"),
        "{:?}",
        problem.errors
    );

    // The same archive with its directory lying (1,000 bytes declared): refused as it really unpacks.
    let mut lying = bomb.clone();
    let patch = |bytes: &mut Vec<u8>, signature: [u8; 4], offset: usize| {
        let at = bytes
            .windows(4)
            .position(|w| w == signature)
            .expect("header");
        bytes[at + offset..at + offset + 4].copy_from_slice(&1000u32.to_le_bytes());
    };
    patch(&mut lying, [0x50, 0x4b, 0x03, 0x04], 22);
    patch(&mut lying, [0x50, 0x4b, 0x01, 0x02], 24);
    let problem = admin
        .import_cooperatives(&lying)
        .expect_err("refused")
        .problem()
        .cloned()
        .expect("problem");
    assert_eq!(problem.code, hezuo_mobile_api::ErrorCode::ImportFileInvalid);
    assert!(
        problem
            .detail
            .clone()
            .unwrap_or_default()
            .contains("解压后超过"),
        "{problem:?}"
    );

    let mut csv = String::from("名称,统一社会信用代码\n");
    for n in 0..100_001 {
        csv.push_str(&format!("合作社{n},X\n"));
    }
    let problem = admin
        .import_cooperatives(csv.as_bytes())
        .expect_err("refused")
        .problem()
        .cloned()
        .expect("problem");
    assert_eq!(problem.code, hezuo_mobile_api::ErrorCode::ImportFileInvalid);
    assert!(problem.detail.unwrap_or_default().contains("分批导入"));
}

/// Hole 8, growth: within every per-change and per-request limit, a phone could still grow a cooperative's document
/// without end over many syncs (and every colleague's phone would download it). Past `max_document_bytes` the phone is
/// refused with a reason and nothing more is stored.
#[test]
fn a_document_cannot_grow_past_its_limit_one_sync_at_a_time() {
    use hezuo_mobile_api::client::DocStatus;
    let app = TestApp::spawn_with(|config| config.max_document_bytes = 12_000);
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let mut refused = None;
    for n in 0..40 {
        // Text that does not compress: each visit adds about a kilobyte.
        let notes: String = (0..60)
            .map(|_| Uuid::new_v4().simple().to_string())
            .collect();
        let visit = phone
            .new_visit(id, baseline_visit(&notes[..1_800]))
            .expect("visit");
        phone.submit_visit(id, visit).expect("submit");
        let report = phone.sync().expect("sync");
        if let Some(problem) = report.problems.get(&id) {
            refused = Some((n, problem.clone()));
            break;
        }
    }
    let (n, problem) = refused.expect("refused before 40 visits");
    assert!(n >= 3, "honest growth goes through first ({n} visits)");
    match problem {
        DocStatus::Quarantined { message } => assert!(message.contains("上限"), "{message}"),
        other => panic!("{other:?}"),
    }
    use hezuo_server::db::schema::documents;
    let (snapshot, chunks): (i64, i64) = documents::table
        .find(id.to_string())
        .select((documents::snapshot_bytes, documents::chunk_bytes))
        .first(&mut app.conn())
        .expect("row");
    // The device's changes stop at the limit; the server's own review records may add a few hundred bytes.
    assert!(snapshot + chunks <= 12_000 + 1_024, "{snapshot} + {chunks}");
}

/// The actor of each stored change a device made (not the server's own), with the device it is attributed to.
fn attributed_changes(app: &TestApp, id: Uuid) -> Vec<(String, Option<String>)> {
    use hezuo_server::db::schema::document_changes;
    let server = hezuo_sync::server_edit::server_actor().to_hex_string();
    document_changes::table
        .filter(document_changes::cooperative_id.eq(id.to_string()))
        .filter(document_changes::actor.ne(server))
        .select((document_changes::actor, document_changes::device_id))
        .load(&mut app.conn())
        .expect("changes")
}

/// Issue 17: stock automerge clients choose their own actors. An actor never seen before is bound to the registered
/// device that first writes with it; from then on it is that device's alone, and what it wrote is attributed to it.
#[test]
fn a_new_actor_is_bound_to_the_first_device_that_writes_with_it() {
    let app = TestApp::spawn();
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let owner_phone = app.phone(Persona::CounsellorHaishu);
    let owner = raw_device(&app, &owner_phone);
    let other_phone = another_haishu_counsellor(&app, "counsellor.haishu.other");
    let other = raw_device(&app, &other_phone);

    // The owner writes a profile field and a visit under an actor of its own choosing.
    let chosen = ActorId::random();
    let mut doc = genesis(id).with_actor(chosen.clone());
    let profile = hezuo_sync::model::Profile {
        contact_phone: Some("13900000001".to_owned()),
        ..Default::default()
    };
    document::put_profile(&mut doc, &profile, 1).expect("save");
    let visit_id = Uuid::now_v7();
    let visit = Visit {
        author_user_id: Some(owner.user_id.clone()),
        author_device_id: Some(owner.device_id.clone()),
        status: Some(VisitStatus::Submitted),
        notes: Some("自选作者".to_owned()),
        ..Default::default()
    };
    document::put_visit(&mut doc, visit_id, &visit, 2).expect("save");
    let changes = doc.get_changes(&[document::genesis_hash(id)]);
    let reply = send_changes(&owner, id, &doc, &changes);
    assert!(reply.error.is_none(), "{:?}", reply.error);
    let attributed = attributed_changes(&app, id);
    assert_eq!(attributed.len(), 2, "{attributed:?}");
    assert!(
        attributed
            .iter()
            .all(|(actor, device)| *actor == chosen.to_hex_string()
                && device.as_deref() == Some(owner.device_id.as_str())),
        "{attributed:?}"
    );
    let review = app
        .client(Persona::SupervisorHaishu)
        .visit_review(visit_id)
        .expect("the visit reached review");
    assert_eq!(
        review.review.author_user_id.as_deref(),
        Some(owner.user_id.as_str())
    );

    // Another device of the same region cannot take the actor over, not even for a profile field.
    let mut theirs = doc.fork().with_actor(chosen.clone());
    let profile = hezuo_sync::model::Profile {
        contact_phone: Some("13900000002".to_owned()),
        ..Default::default()
    };
    document::put_profile(&mut theirs, &profile, 3).expect("save");
    let stolen = theirs.get_changes(&doc.get_heads());
    let reply = send_changes(&other, id, &theirs, &stolen);
    assert_refused_and_held(&app, reply, "不是本设备", "foreign_actor");
    // The owner goes on writing with it.
    let mut more = doc.fork().with_actor(chosen.clone());
    let profile = hezuo_sync::model::Profile {
        contact_phone: Some("13900000003".to_owned()),
        ..Default::default()
    };
    document::put_profile(&mut more, &profile, 4).expect("save");
    let next = more.get_changes(&doc.get_heads());
    let reply = send_changes(&owner, id, &more, &next);
    assert!(reply.error.is_none(), "{:?}", reply.error);
    assert_eq!(attributed_changes(&app, id).len(), 3);
}

/// Issue 17: a hold stops a device's writes to a document, not its reads: it still receives what others wrote, and
/// hears why its own changes stay on the phone.
#[test]
fn a_device_on_hold_still_receives_the_document() {
    let app = TestApp::spawn();
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let held_phone = app.phone(Persona::CounsellorHaishu);
    let held = raw_device(&app, &held_phone);
    let (doc, own) = own_valid_change(&held, id);
    let mut forged = doc.fork().with_actor(held.actor.clone());
    {
        use automerge::transaction::Transactable;
        let mut tx = forged.transaction();
        let (_, review) = automerge::ReadDoc::get(&tx, automerge::ROOT, "review")
            .expect("get")
            .expect("review");
        tx.put(&review, "forged", "approved").expect("put");
        tx.commit();
    }
    let reply = send_changes(
        &held,
        id,
        &forged,
        &forged.get_changes(&[document::genesis_hash(id)]),
    );
    assert_eq!(reply.error.map(|e| e.code.as_str()), Some("refused"));

    // Meanwhile an honest colleague records a visit.
    let mut colleague = another_haishu_counsellor(&app, "counsellor.haishu.colleague");
    colleague.pull().expect("pull");
    colleague
        .new_visit(id, baseline_visit("同事的走访"))
        .expect("visit");
    colleague.sync().expect("sync");

    // The held device syncs with its own (valid) change again: the change stays out, the colleague's visit comes in.
    let reply = send_changes(&held, id, &doc, &[own]);
    assert_eq!(
        reply.error.as_ref().map(|e| e.code.as_str()),
        Some("quarantined")
    );
    let message = reply
        .message
        .expect("the document still reaches the held device");
    let mut phone = doc.fork();
    let mut state = State::new();
    engine::receive_from_server(&mut phone, &mut state, &message).expect("apply");
    let read = document::read(&phone).expect("read");
    assert!(
        read.visits
            .values()
            .any(|v| v.notes.as_deref() == Some("同事的走访")),
        "{:?}",
        read.visits.keys()
    );
    assert!(
        attributed_changes(&app, id)
            .iter()
            .all(|(_, device)| device.as_deref() != Some(held.device_id.as_str()))
    );
}

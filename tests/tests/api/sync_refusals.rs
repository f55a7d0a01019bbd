//! What the server refuses, seen from a client that does not play by the rules: the document stays untouched, the
//! reply names the problem per document, and the device is put on hold for that document until an admin releases it.

use automerge::sync::State;
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ROOT, ReadDoc};
use diesel::prelude::*;
use hezuo_mobile_api::client::{ApiClient, DocStatus};
use hezuo_mobile_api::sync::{DocEntry, DocReply, SYNC_PROTOCOL, SyncRequest};
use hezuo_sync::document::{self, genesis};
use hezuo_sync::engine;
use hezuo_sync::model::{Visit, VisitStatus};
use hezuo_tests::{Fixture, Persona, TestApp, TestPhone};
use uuid::Uuid;

/// A client holding a logged-in phone's token and actor, able to send anything.
pub(crate) struct RawDevice {
    pub client: ApiClient,
    pub actor: ActorId,
    pub user_id: String,
    pub device_id: String,
}

pub(crate) fn raw_device(app: &TestApp, phone: &TestPhone) -> RawDevice {
    let session = phone.session().expect("session");
    let device = session.device.clone().expect("device");
    let mut client = app.anonymous();
    client.set_token(session.access_token.clone());
    RawDevice {
        client,
        actor: ActorId::from(hex_decode(&device.actor_id)),
        user_id: session.user.id.to_string(),
        device_id: device.id.to_string(),
    }
}

fn hex_decode(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Sends everything `doc` has beyond the genesis for `id`, as a phone that synced nothing before would.
pub(crate) fn push(device: &RawDevice, id: Uuid, doc: &Automerge) -> DocReply {
    let mut state = State::new();
    engine::assume_peer_has(&mut state, vec![document::genesis_hash(id)]);
    let message = engine::generate(doc, &mut state).expect("a message");
    let request = SyncRequest {
        protocol: SYNC_PROTOCOL,
        docs: vec![DocEntry {
            id: id.as_bytes().to_vec(),
            heads_digest: None,
            message: Some(message),
        }],
        summary: None,
    };
    let mut response = device.client.sync_batch(&request).expect("answer");
    assert_eq!(response.docs.len(), 1);
    response.docs.remove(0)
}

pub(crate) fn server_heads(app: &TestApp, id: Uuid) -> Option<String> {
    use hezuo_server::db::schema::documents;
    documents::table
        .find(id.to_string())
        .select(documents::heads)
        .first(&mut app.conn())
        .optional()
        .expect("query")
}

pub(crate) fn active_quarantines(app: &TestApp) -> usize {
    app.client(Persona::Admin)
        .list_quarantines(&[])
        .expect("list")
        .items
        .len()
}

#[test]
fn writing_review_is_refused_and_quarantines_the_device_until_an_admin_releases_it() {
    let app = TestApp::spawn();
    let phone = app.phone(Persona::CounsellorHaishu);
    let device = raw_device(&app, &phone);
    let id = app.cooperative_id(Fixture::HaishuFruit);

    let mut doc = genesis(id).with_actor(device.actor.clone());
    {
        let mut tx = doc.transaction();
        let (_, review) = tx.get(ROOT, "review").expect("get").expect("review map");
        tx.put(&review, "some-visit", "approved").expect("put");
        tx.commit();
    }
    let reply = push(&device, id, &doc);
    let error = reply.error.expect("refused");
    assert_eq!(error.code, "refused");
    assert!(!error.retryable);
    assert!(error.message_zh.contains("服务器"), "{}", error.message_zh);
    assert_eq!(
        server_heads(&app, id),
        None,
        "the document is untouched (still at its genesis)"
    );
    assert_eq!(active_quarantines(&app), 1);

    // While on hold, even an honest change from this device to this document waits.
    let mut honest = genesis(id).with_actor(device.actor.clone());
    let visit = Visit {
        author_user_id: Some(device.user_id.clone()),
        author_device_id: Some(device.device_id.clone()),
        status: Some(VisitStatus::Draft),
        ..Default::default()
    };
    document::put_visit(&mut honest, Uuid::now_v7(), &visit, 1).expect("save");
    let held = push(&device, id, &honest);
    assert_eq!(held.error.map(|e| e.code.as_str()), Some("quarantined"));

    // Other documents of the same device are not affected.
    let other = app.cooperative_id(Fixture::HaishuRice);
    let mut elsewhere = genesis(other).with_actor(device.actor.clone());
    document::put_visit(&mut elsewhere, Uuid::now_v7(), &visit, 1).expect("save");
    assert_eq!(push(&device, other, &elsewhere).error, None);

    // The admin sees why and releases it; the honest change then goes through.
    let admin = app.client(Persona::Admin);
    let quarantines = admin.list_quarantines(&[]).expect("list").items;
    assert_eq!(quarantines[0].code, "server_only");
    assert_eq!(quarantines[0].username, "counsellor.haishu");
    assert_eq!(quarantines[0].path.as_deref(), Some("review.some-visit"));
    let released = admin
        .release_quarantine(quarantines[0].id)
        .expect("release");
    assert!(released.released_at.is_some());
    assert_eq!(active_quarantines(&app), 0);
    assert_eq!(push(&device, id, &honest).error, None);
    assert!(server_heads(&app, id).is_some());

    // Operators see the same story in the metrics.
    let metrics = app
        .anonymous()
        .raw(ureq::http::Method::GET, "/metrics", &[], &[], None)
        .expect("metrics");
    let text = String::from_utf8(metrics.body).expect("utf-8");
    for (outcome, count) in [("refused", 1), ("quarantined", 1), ("stored", 2)] {
        let line = format!(
            r#"hezuo_sync_documents_total{{transport="http",outcome="{outcome}"}} {count}"#
        );
        assert!(text.contains(&line), "{line} in {text}");
    }
}

#[test]
fn a_change_by_another_devices_actor_is_refused() {
    let app = TestApp::spawn();
    let phone = app.phone(Persona::CounsellorHaishu);
    let other_phone = app.phone(Persona::CounsellorHaishu);
    let device = raw_device(&app, &phone);
    let other = raw_device(&app, &other_phone);
    let id = app.cooperative_id(Fixture::HaishuFruit);
    // Signed as the other phone's actor, sent with this phone's token.
    let mut doc = genesis(id).with_actor(other.actor.clone());
    let visit = Visit {
        author_user_id: Some(device.user_id.clone()),
        author_device_id: Some(other.device_id.clone()),
        status: Some(VisitStatus::Draft),
        ..Default::default()
    };
    document::put_visit(&mut doc, Uuid::now_v7(), &visit, 1).expect("save");
    let reply = push(&device, id, &doc);
    assert_eq!(reply.error.map(|e| e.code.as_str()), Some("refused"));
    assert_eq!(server_heads(&app, id), None);
    let quarantine = app
        .client(Persona::Admin)
        .list_quarantines(&[])
        .expect("list")
        .items;
    assert_eq!(quarantine[0].code, "foreign_actor");
}

#[test]
fn a_document_outside_the_region_is_refused_without_touching_it() {
    let app = TestApp::spawn();
    let phone = app.phone(Persona::CounsellorHaishu);
    let device = raw_device(&app, &phone);
    let id = app.cooperative_id(Fixture::XiangshanFishery);
    let mut doc = genesis(id).with_actor(device.actor.clone());
    document::put_profile(
        &mut doc,
        &hezuo_sync::model::Profile {
            notes: Some("越界".into()),
            ..Default::default()
        },
        1,
    )
    .expect("save");
    let reply = push(&device, id, &doc);
    let error = reply.error.expect("refused");
    assert_eq!(error.code, "out_of_scope");
    assert_eq!(server_heads(&app, id), None);
    assert_eq!(
        active_quarantines(&app),
        0,
        "reading outside the scope is refused, not punished"
    );
}

#[test]
fn a_replayed_request_does_no_harm() {
    let app = TestApp::spawn();
    let phone = app.phone(Persona::CounsellorHaishu);
    let device = raw_device(&app, &phone);
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let mut doc = genesis(id).with_actor(device.actor.clone());
    let visit = Visit {
        author_user_id: Some(device.user_id.clone()),
        author_device_id: Some(device.device_id.clone()),
        status: Some(VisitStatus::Submitted),
        ..Default::default()
    };
    document::put_visit(&mut doc, Uuid::now_v7(), &visit, 1).expect("save");
    let first = push(&device, id, &doc);
    assert_eq!(first.error, None);
    let heads = server_heads(&app, id);
    let again = push(&device, id, &doc);
    assert_eq!(again.error, None);
    assert_eq!(
        server_heads(&app, id),
        heads,
        "the same changes are not stored twice"
    );
    use hezuo_server::db::schema::{document_changes, visits};
    let changes: i64 = document_changes::table
        .filter(document_changes::cooperative_id.eq(id.to_string()))
        .filter(document_changes::device_id.eq(&device.device_id))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(changes, 1);
    let by_server: i64 = document_changes::table
        .filter(document_changes::cooperative_id.eq(id.to_string()))
        .filter(document_changes::device_id.is_null())
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(
        by_server, 1,
        "one review record for the submitted visit, not two"
    );
    let visit_rows: i64 = visits::table
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(visit_rows, 1);
}

#[test]
fn a_cooperative_leaving_the_region_is_removed_from_the_phone_unless_it_holds_unsent_work() {
    let app = TestApp::spawn();
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let fruit = app.cooperative_id(Fixture::HaishuFruit);
    let rice = app.cooperative_id(Fixture::HaishuRice);
    phone
        .edit_profile(rice, |p| p.notes = Some("未同步的观察".into()))
        .expect("edit offline");

    // Both cooperatives move to 象山.
    let admin = app.client(Persona::Admin);
    for id in [fruit, rice] {
        admin
            .update_cooperative(
                id,
                &hezuo_mobile_api::cooperatives::UpdateCooperativeRequest {
                    region_code: Some(
                        hezuo_mobile_api::RegionCode::parse("330225101201").expect("code"),
                    ),
                    ..Default::default()
                },
                None,
            )
            .expect("move");
    }
    let summary = phone.pull().expect("pull");
    assert_eq!(summary.removed, 1, "{summary:?}");
    let local = phone.cooperatives().expect("index");
    assert!(!local.contains_key(&fruit));
    assert!(
        matches!(local[&rice].status, DocStatus::OutOfScope { .. }),
        "{:?}",
        local[&rice]
    );
    assert_eq!(
        phone.document(rice).expect("kept").profile.notes.as_deref(),
        Some("未同步的观察")
    );
}

//! Offline sync end to end: phones (the SDK) record work offline and sync through the real server.

use diesel::prelude::*;
use hezuo_mobile_api::client::{ClientError, DocStatus, RecordStatus};
use hezuo_mobile_api::users::{CreateUserRequest, Role};
use hezuo_mobile_api::{ErrorCode, RegionCode, Uscc};
use hezuo_sync::model::{Membership, OperatingStatus, Visit, VisitMeta, VisitType};
use hezuo_tests::{Fixture, PASSWORD, Persona, TestApp, TestPhone};

use crate::code_of;

/// A counsellor of 海曙 besides the persona, logged in on a phone of their own.
pub(crate) fn another_haishu_counsellor(app: &TestApp, username: &str) -> TestPhone {
    app.client(Persona::Admin)
        .create_user(&CreateUserRequest {
            username: username.to_owned(),
            display_name: username.to_owned(),
            role: Role::Counsellor,
            password: PASSWORD.to_owned(),
            region_codes: vec![RegionCode::parse("330203").expect("code")],
            phone: None,
        })
        .expect("create counsellor");
    let mut phone = app.new_phone();
    phone
        .login(&app.address, username, PASSWORD)
        .expect("login");
    phone
}

pub(crate) fn baseline_visit(note: &str) -> Visit {
    Visit {
        notes: Some(note.to_owned()),
        meta: Some(VisitMeta {
            visit_date: hezuo_sync::model::Day::parse("2026-11-20"),
            visit_type: Some(VisitType::Baseline),
            ..Default::default()
        }),
        membership: Some(Membership {
            members_total: Some(120),
            members_farmer: Some(110),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The 海曙 counsellor's phone, logged in and pulled through `link`.
fn counsellor_phone_behind(app: &TestApp, link: &hezuo_tests::CountingProxy) -> TestPhone {
    let mut phone = app.new_phone();
    phone
        .login(
            &link.address,
            Persona::CounsellorHaishu.username(),
            PASSWORD,
        )
        .expect("login");
    phone.pull().expect("pull");
    phone
}

/// The ids of the visits the server holds for a cooperative, sorted.
fn visit_ids_on_server(app: &TestApp, cooperative: uuid::Uuid) -> Vec<String> {
    use hezuo_server::db::schema::visits;
    visits::table
        .filter(visits::cooperative_id.eq(cooperative.to_string()))
        .select(visits::id)
        .order(visits::id)
        .load(&mut app.conn())
        .expect("visit ids")
}

/// Ids as the server's projection lists them.
fn sorted_ids(ids: &[uuid::Uuid]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(uuid::Uuid::to_string).collect();
    ids.sort();
    ids
}

#[test]
fn a_counsellor_records_a_visit_offline_and_it_reaches_the_server() {
    let app = TestApp::spawn();
    let mut phone = app.phone(Persona::CounsellorHaishu);
    let pulled = phone.pull().expect("pull");
    assert_eq!(pulled.documents, 2, "the two 海曙 cooperatives");
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);

    let visit = phone
        .new_visit(cooperative, baseline_visit("理事长在场"))
        .expect("saved offline");
    assert_eq!(
        phone.visits().expect("visits")[0].status,
        RecordStatus::Pending
    );
    phone
        .submit_visit(cooperative, visit)
        .expect("submitted offline");

    let report = phone.sync().expect("sync");
    assert_eq!(
        report.round_trips, 1,
        "new work goes up in one round trip: {report:?}"
    );
    assert!(report.problems.is_empty(), "{report:?}");
    let records = phone.visits().expect("visits");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].status, RecordStatus::Synced);

    let (status, author): (String, Option<String>) = hezuo_server::db::schema::visits::table
        .find(visit.to_string())
        .select((
            hezuo_server::db::schema::visits::status,
            hezuo_server::db::schema::visits::author_user_id,
        ))
        .first(&mut app.conn())
        .expect("projected");
    assert_eq!(status, "submitted");
    assert_eq!(
        author,
        Some(app.user_id(Persona::CounsellorHaishu).to_string())
    );

    // Nothing new: one round trip, nothing changes.
    let again = phone.sync().expect("sync");
    assert_eq!(again.round_trips, 1);
    assert!(
        again.updated.is_empty() && again.sent.is_empty(),
        "{again:?}"
    );
}

#[test]
fn three_phones_editing_one_cooperative_offline_converge_and_the_conflict_is_recorded() {
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let mut first = app.phone(Persona::CounsellorHaishu);
    let mut second = another_haishu_counsellor(&app, "counsellor.haishu.b");
    let mut third = another_haishu_counsellor(&app, "counsellor.haishu.c");
    for phone in [&mut first, &mut second, &mut third] {
        phone.pull().expect("pull");
    }

    // All offline: two change the same field, the third another one; each records a visit.
    first
        .edit_profile(cooperative, |p| p.member_count = Some(80))
        .expect("edit");
    second
        .edit_profile(cooperative, |p| p.member_count = Some(95))
        .expect("edit");
    third
        .edit_profile(cooperative, |p| {
            p.operating_status = Some(OperatingStatus::Seasonal)
        })
        .expect("edit");
    for (phone, note) in [(&mut first, "甲"), (&mut second, "乙"), (&mut third, "丙")] {
        phone
            .new_visit(cooperative, baseline_visit(note))
            .expect("visit");
    }

    // Sync in an arbitrary order, twice round so everyone hears from everyone.
    for _ in 0..2 {
        for phone in [&mut second, &mut third, &mut first] {
            let report = phone.sync().expect("sync");
            assert!(report.problems.is_empty(), "{report:?}");
        }
    }
    let docs: Vec<_> = [&first, &second, &third]
        .iter()
        .map(|phone| phone.document(cooperative).expect("document"))
        .collect();
    assert_eq!(docs[0], docs[1]);
    assert_eq!(docs[1], docs[2]);
    assert_eq!(docs[0].visits.len(), 3, "no visit lost");
    assert_eq!(
        docs[0].profile.operating_status,
        Some(OperatingStatus::Seasonal)
    );

    // The conflict is data: both values and both authors.
    use hezuo_server::db::schema::conflicts;
    let rows: Vec<(String, String)> = conflicts::table
        .filter(conflicts::cooperative_id.eq(cooperative.to_string()))
        .filter(conflicts::resolved_at.is_null())
        .select((conflicts::path, conflicts::candidates))
        .load(&mut app.conn())
        .expect("conflicts");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "profile.member_count");
    let candidates: Vec<serde_json::Value> = serde_json::from_str(&rows[0].1).expect("json");
    let mut values: Vec<i64> = candidates
        .iter()
        .filter_map(|c| c["value"].as_i64())
        .collect();
    values.sort();
    assert_eq!(values, vec![80, 95]);
    let authors: std::collections::BTreeSet<String> = candidates
        .iter()
        .filter_map(|c| c["user_id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(authors.len(), 2, "{candidates:?}");
    assert!(authors.contains(&app.user_id(Persona::CounsellorHaishu).to_string()));
}

#[test]
fn a_cooperative_found_in_the_field_is_registered_pending_and_a_duplicate_code_is_flagged() {
    let app = TestApp::spawn();
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let new_code = Uscc::from_body("93330203MA2H00077").expect("valid");
    let fresh = phone
        .create_cooperative(
            "宁波市海曙区高桥新发现专业合作社",
            "330203101201",
            Some(&new_code),
        )
        .expect("created offline");
    phone
        .new_visit(fresh, baseline_visit("首次发现"))
        .expect("visit");
    // A second one claims the credit code of a registered cooperative.
    let duplicate = phone
        .create_cooperative(
            "高桥绿源（挂牌名）",
            "330203101201",
            Some(&Fixture::HaishuFruit.uscc()),
        )
        .expect("created offline");
    let report = phone.sync().expect("sync");
    assert!(report.problems.is_empty(), "{report:?}");

    let admin = app.client(Persona::Admin);
    let registered = admin.get_cooperative(fresh).expect("registered");
    assert_eq!(
        registered.verification,
        hezuo_mobile_api::cooperatives::Verification::Pending
    );
    assert_eq!(
        registered.source,
        hezuo_mobile_api::cooperatives::CooperativeSource::Field
    );
    assert_eq!(registered.uscc, Some(new_code));
    let duplicate_row = admin.get_cooperative(duplicate).expect("registered");
    assert_eq!(
        duplicate_row.uscc, None,
        "the code stays with the registered cooperative"
    );

    use hezuo_server::db::schema::duplicate_candidates;
    let pairs: Vec<(String, String)> = duplicate_candidates::table
        .select((
            duplicate_candidates::cooperative_id,
            duplicate_candidates::duplicate_of,
        ))
        .load(&mut app.conn())
        .expect("pairs");
    assert_eq!(
        pairs,
        vec![(
            duplicate.to_string(),
            app.cooperative_id(Fixture::HaishuFruit).to_string()
        )]
    );

    // Another counsellor of the region sees the new cooperative after pulling.
    let mut colleague = app.pulled_phone(Persona::ViewerHaishu);
    colleague.sync().expect("sync");
    assert_eq!(colleague.document(fresh).expect("document").visits.len(), 1);
}

#[test]
fn a_new_cooperative_outside_the_counsellors_regions_is_refused_locally() {
    let app = TestApp::spawn();
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    // The phone cannot know the server's scope rule, so this one is caught by the server, which answers as for any
    // cooperative outside the regions (an unknown id and a foreign one look the same).
    let elsewhere = phone
        .create_cooperative("象山某合作社", "330225101201", None)
        .expect("created offline");
    let report = phone.sync().expect("sync");
    assert!(
        matches!(
            report.problems.get(&elsewhere),
            Some(DocStatus::OutOfScope { message }) if message.contains("不在您的负责范围内")
        ),
        "{report:?}"
    );
    assert_eq!(
        code_of(app.client(Persona::Admin).get_cooperative(elsewhere)),
        ErrorCode::NotFound
    );
}

#[test]
fn the_phone_refuses_to_save_what_the_server_would_refuse() {
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let mut author = app.pulled_phone(Persona::CounsellorHaishu);
    let visit = author
        .new_visit(cooperative, baseline_visit("原文"))
        .expect("visit");
    author.sync().expect("sync");

    let mut other = another_haishu_counsellor(&app, "counsellor.haishu.d");
    other.pull().expect("pull");
    other.sync().expect("sync");
    let error = other
        .edit_visit(cooperative, visit, |v| v.notes = Some("改写".into()))
        .expect_err("not the author");
    assert!(matches!(error, ClientError::Refused(_)), "{error:?}");
    assert_eq!(
        other.document(cooperative).expect("doc").visits[&visit.to_string()]
            .notes
            .as_deref(),
        Some("原文")
    );
}

#[test]
fn a_viewer_reads_but_cannot_write() {
    let app = TestApp::spawn();
    let mut viewer = app.pulled_phone(Persona::ViewerHaishu);
    let cooperative = app.cooperative_id(Fixture::HaishuRice);
    let error = viewer
        .new_visit(cooperative, Visit::default())
        .expect_err("read only");
    assert!(matches!(error, ClientError::Refused(_)), "{error:?}");
}

#[test]
fn syncing_needs_a_registered_device_and_a_revoked_one_is_refused() {
    let app = TestApp::spawn();
    let without_device = app.client(Persona::CounsellorHaishu);
    let request = hezuo_mobile_api::sync::SyncRequest {
        protocol: hezuo_mobile_api::sync::SYNC_PROTOCOL,
        docs: vec![],
        summary: None,
    };
    assert_eq!(
        code_of(without_device.sync_batch(&request)),
        ErrorCode::DeviceRequired
    );

    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    phone
        .new_visit(cooperative, baseline_visit("丢失前"))
        .expect("visit");
    let device = phone.device().map(|d| d.id).expect("device");
    app.client(Persona::SupervisorHaishu)
        .revoke_device(device, Some("手机丢失"))
        .expect("revoke");
    assert_eq!(code_of(phone.sync()), ErrorCode::DeviceRevoked);
    // The unsent visit is still on the phone.
    assert_eq!(phone.visits().expect("visits").len(), 1);
}

#[test]
fn a_wrong_protocol_version_or_garbage_is_refused_whole() {
    let app = TestApp::spawn();
    let phone = app.phone(Persona::CounsellorHaishu);
    let mut client = app.anonymous();
    client.set_token(phone.session().and_then(|s| s.access_token.clone()));
    let future = hezuo_mobile_api::sync::SyncRequest {
        protocol: 99,
        ..Default::default()
    };
    assert_eq!(
        code_of(client.sync_batch(&future)),
        ErrorCode::UnsupportedProtocol
    );
    let garbage = client
        .raw(
            ureq::http::Method::POST,
            "/api/v1/sync",
            &[],
            &[],
            Some(("application/cbor", b"\xff\x00garbage")),
        )
        .expect("answer");
    assert_eq!(garbage.status, 400);
}

#[test]
fn a_zstd_compressed_request_gets_a_zstd_compressed_reply() {
    use hezuo_mobile_api::sync::{CBOR, DocEntry, SYNC_PROTOCOL, SyncRequest, SyncResponse};

    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    // The server holds a visit this client has never seen.
    let mut writer = app.pulled_phone(Persona::CounsellorHaishu);
    writer
        .new_visit(cooperative, baseline_visit("理事长在场"))
        .expect("visit");
    writer.sync().expect("sync");

    let reader = app.phone(Persona::CounsellorHaishu);
    let mut client = app.anonymous();
    client.set_token(reader.session().and_then(|s| s.access_token.clone()));
    let genesis = hezuo_sync::document::genesis(cooperative).get_heads();
    let request = SyncRequest {
        protocol: SYNC_PROTOCOL,
        docs: vec![DocEntry {
            id: cooperative.as_bytes().to_vec(),
            heads_digest: Some(hezuo_sync::document::heads_digest(&genesis).to_vec()),
            message: None,
        }],
        summary: None,
    };
    let mut cbor = Vec::new();
    ciborium::into_writer(&request, &mut cbor).expect("encode");
    let compressed = zstd::encode_all(cbor.as_slice(), 3).expect("zstd");
    let response = client
        .raw(
            ureq::http::Method::POST,
            "/api/v1/sync",
            &[],
            &[("Content-Encoding", "zstd"), ("Accept-Encoding", "zstd")],
            Some((CBOR, &compressed)),
        )
        .expect("answer");
    assert_eq!(
        response.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(response.header("content-encoding"), Some("zstd"));
    let body = zstd::decode_all(response.body.as_slice()).expect("zstd reply");
    let reply: SyncResponse = ciborium::from_reader(body.as_slice()).expect("CBOR reply");
    let doc = reply
        .docs
        .iter()
        .find(|d| d.id == cooperative.as_bytes())
        .expect("the cooperative differs");
    assert!(doc.message.is_some() && doc.error.is_none(), "{doc:?}");
}

/// Runs `hezuo rebuild-projections` on the app's database; returns what it printed.
fn rebuild_projections(app: &TestApp) -> String {
    let output = std::process::Command::new(hezuo_tests::workspace_binary("hezuo"))
        .arg("rebuild-projections")
        .env("HEZUO_DATABASE_URL", app.database.url())
        .env("HEZUO_DATA_DIR", app.config.data_dir.as_os_str())
        .output()
        .expect("run hezuo");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn projections_are_rebuilt_from_the_documents() {
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let visit = phone
        .new_visit(cooperative, baseline_visit("重建测试"))
        .expect("visit");
    phone
        .edit_profile(cooperative, |p| {
            p.operating_status = Some(OperatingStatus::Operating)
        })
        .expect("edit");
    phone.sync().expect("sync");

    use hezuo_server::db::schema::{cooperative_profiles, visits};
    diesel::delete(visits::table)
        .execute(&mut app.conn())
        .expect("wipe");
    diesel::delete(cooperative_profiles::table)
        .execute(&mut app.conn())
        .expect("wipe");

    assert!(rebuild_projections(&app).contains("1 documents"));
    let restored: i64 = visits::table
        .filter(visits::id.eq(visit.to_string()))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(restored, 1);
    let status: Option<String> = cooperative_profiles::table
        .find(cooperative.to_string())
        .select(cooperative_profiles::operating_status)
        .first(&mut app.conn())
        .expect("profile");
    assert_eq!(status.as_deref(), Some("operating"));
}

/// The projection rows a rebuild would write, without their timestamps.
type VisitRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    String,
    i64,
    i64,
);

fn projected_visits(app: &TestApp) -> (Vec<VisitRow>, Vec<(String, String, String)>) {
    use hezuo_server::db::schema::{evidence_flags, visits};
    let rows = visits::table
        .order(visits::id)
        .select((
            visits::id,
            visits::cooperative_id,
            visits::author_user_id,
            visits::author_device_id,
            visits::status,
            visits::visit_type,
            visits::data,
            visits::photos_expected,
            visits::photos_received,
        ))
        .load(&mut app.conn())
        .expect("visits");
    let flags = evidence_flags::table
        .order((
            evidence_flags::visit_id,
            evidence_flags::code,
            evidence_flags::sha256,
        ))
        .select((
            evidence_flags::visit_id,
            evidence_flags::code,
            evidence_flags::sha256,
        ))
        .load(&mut app.conn())
        .expect("flags");
    (rows, flags)
}

#[test]
fn a_phones_change_projects_only_the_visits_it_wrote_to_and_matches_a_rebuild() {
    use hezuo_server::db::schema::visits;
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let first = phone
        .new_visit(cooperative, baseline_visit("第一次走访"))
        .expect("visit");
    let second = phone
        .new_visit(cooperative, baseline_visit("第二次走访"))
        .expect("visit");
    phone.submit_visit(cooperative, first).expect("submit");
    phone.sync().expect("sync");
    let updated_at = |visit: uuid::Uuid| -> chrono::NaiveDateTime {
        visits::table
            .find(visit.to_string())
            .select(visits::updated_at)
            .first(&mut app.conn())
            .expect("row")
    };
    let (first_at, second_at) = (updated_at(first), updated_at(second));

    std::thread::sleep(std::time::Duration::from_millis(20));
    phone
        .edit_visit(cooperative, second, |v| {
            v.notes = Some("补充：账簿齐全".to_owned())
        })
        .expect("edit");
    phone.sync().expect("sync");
    assert_eq!(
        updated_at(first),
        first_at,
        "the first visit was not written again"
    );
    assert!(updated_at(second) > second_at, "the edited visit was");
    let incremental = projected_visits(&app);
    assert!(
        incremental.0.iter().any(|row| row.6.contains("账簿齐全")),
        "the edit is projected"
    );

    rebuild_projections(&app);
    assert_eq!(
        projected_visits(&app),
        incremental,
        "a full rebuild writes the same rows"
    );
}

/// What the photo and conflict projections say: each visit's photo rows, and the open conflicts with their values.
type PhotoProjection = (
    Vec<(String, String, String, Option<String>)>,
    Vec<(String, String)>,
);

fn projected_photos_and_conflicts(app: &TestApp) -> PhotoProjection {
    use hezuo_server::db::schema::{conflicts, visit_photos};
    let photos = visit_photos::table
        .order((visit_photos::visit_id, visit_photos::sha256))
        .select((
            visit_photos::visit_id,
            visit_photos::sha256,
            visit_photos::field,
            visit_photos::caption,
        ))
        .load(&mut app.conn())
        .expect("photos");
    let open = conflicts::table
        .filter(conflicts::resolved_at.is_null())
        .order(conflicts::path)
        .select((conflicts::path, conflicts::candidates))
        .load(&mut app.conn())
        .expect("conflicts");
    (photos, open)
}

/// A phone's edit of a photo entry projects the visits it concerns (the one it names now, the one it named before,
/// and one that names the photo in its own fields) and looks for conflicts there, without projecting the whole
/// cooperative; the rows match what a full rebuild writes at every step.
#[test]
fn a_phones_photo_edits_project_the_visits_they_concern_and_match_a_rebuild() {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, ROOT, ReadDoc};
    use hezuo_sync::document;
    use hezuo_sync::model::{PhotoHash, PhotoMeta, VisitStatus};

    let app = TestApp::spawn();
    let id = app.cooperative_id(Fixture::HaishuFruit);
    let phone = app.phone(Persona::CounsellorHaishu);
    let device = crate::sync_refusals::raw_device(&app, &phone);
    let push = |doc: &automerge::Automerge| {
        let reply = crate::sync_refusals::push(&device, id, doc);
        assert_eq!(reply.error, None, "accepted");
    };
    let (first_hash, second_hash) = ("a".repeat(64), "b".repeat(64));
    let photo = |hash: &str| PhotoHash::parse(hash).expect("hash");
    let [first, second, third] = [(); 3].map(|_| uuid::Uuid::now_v7());
    let visit = |named: &[&str]| Visit {
        author_user_id: Some(device.user_id.clone()),
        author_device_id: Some(device.device_id.clone()),
        status: Some(VisitStatus::Draft),
        expected_photos: named.iter().map(|hash| photo(hash)).collect(),
        ..baseline_visit("照片测试")
    };
    let meta = |visit: uuid::Uuid| PhotoMeta {
        visit_id: Some(visit.to_string()),
        caption: Some("门牌".to_owned()),
        ..Default::default()
    };
    let mut doc = document::genesis(id).with_actor(device.actor.clone());
    document::attach_photos(
        &mut doc,
        first,
        &visit(&[]),
        &[(photo(&first_hash), meta(first))],
        1,
    )
    .expect("attach");
    document::attach_photos(
        &mut doc,
        second,
        &visit(&[]),
        &[(photo(&second_hash), meta(second))],
        2,
    )
    .expect("attach");
    // The third visit names the second photo in its own fields; the photo's entry names the second visit.
    document::put_visit(&mut doc, third, &visit(&[&second_hash]), 3).expect("save");
    push(&doc);

    let entry = |doc: &automerge::Automerge, hash: &str| {
        let (_, photos) = doc.get(ROOT, "photos").expect("get").expect("photos");
        doc.get(&photos, hash).expect("get").expect("entry").1
    };
    let check_against_rebuild = |step: &str| -> PhotoProjection {
        let incremental = (projected_visits(&app), projected_photos_and_conflicts(&app));
        rebuild_projections(&app);
        let rebuilt = (projected_visits(&app), projected_photos_and_conflicts(&app));
        assert_eq!(
            rebuilt, incremental,
            "{step}: a full rebuild writes the same rows"
        );
        incremental.1
    };
    check_against_rebuild("attached");

    // The first photo moves to the second visit.
    let moved = entry(&doc, &first_hash);
    let mut tx = doc.transaction();
    tx.put(&moved, "visit_id", second.to_string()).expect("put");
    tx.commit();
    push(&doc);
    let (rows, _) = check_against_rebuild("moved");
    let of = |visit: uuid::Uuid| -> Vec<&str> {
        rows.iter()
            .filter(|row| row.0 == visit.to_string())
            .map(|row| row.1.as_str())
            .collect()
    };
    assert!(of(first).is_empty(), "the visit it left: {rows:?}");
    assert_eq!(of(second), vec![first_hash.as_str(), second_hash.as_str()]);

    // Two of the device's actors caption the second photo at once: a conflict on its entry, then settled.
    let captioned = entry(&doc, &second_hash);
    let mut other = doc.fork().with_actor(ActorId::random());
    for (copy, caption) in [(&mut doc, "正门"), (&mut other, "侧门")] {
        let mut tx = copy.transaction();
        tx.put(&captioned, "caption", caption).expect("put");
        tx.commit();
    }
    doc.merge(&mut other).expect("merge");
    push(&doc);
    let (rows, open) = check_against_rebuild("in conflict");
    assert_eq!(
        open.iter()
            .map(|(path, _)| path.as_str())
            .collect::<Vec<_>>(),
        vec![format!("photos.{second_hash}.caption")]
    );
    let shown = rows
        .iter()
        .find(|row| row.0 == third.to_string())
        .and_then(|row| row.3.clone());
    assert!(
        matches!(shown.as_deref(), Some("正门" | "侧门")),
        "the visit naming the photo shows its caption: {shown:?}"
    );

    let mut tx = doc.transaction();
    tx.put(&captioned, "caption", "正门（新）").expect("put");
    tx.commit();
    push(&doc);
    let (rows, open) = check_against_rebuild("settled");
    assert!(open.is_empty(), "{open:?}");
    assert!(
        rows.iter()
            .filter(|row| row.1 == second_hash)
            .all(|row| row.3.as_deref() == Some("正门（新）")),
        "{rows:?}"
    );
}

#[test]
fn edits_after_an_acknowledged_sync_are_sent_too() {
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let visit = phone
        .new_visit(cooperative, baseline_visit("第一稿"))
        .expect("visit");
    phone.sync().expect("sync");
    for round in 0..3 {
        phone
            .edit_visit(cooperative, visit, |v| {
                v.notes = Some(format!("第{round}次修改"))
            })
            .expect("edit");
        let report = phone.sync().expect("sync");
        assert!(report.problems.is_empty(), "{report:?}");
        let records = phone.visits().expect("visits");
        assert_eq!(
            records[0].status,
            RecordStatus::Synced,
            "round {round}: {report:?}"
        );
    }
    phone.submit_visit(cooperative, visit).expect("submit");
    phone.sync().expect("sync");
    assert_eq!(
        phone.visits().expect("visits")[0].status,
        RecordStatus::Synced
    );
}

#[test]
fn edits_after_an_acknowledged_sync_survive_an_app_restart() {
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let visit = phone
        .new_visit(cooperative, baseline_visit("第一稿"))
        .expect("visit");
    phone.sync().expect("sync");
    let dir = phone.state_dir().to_path_buf();
    let reopen =
        || hezuo_mobile_api::client::Phone::open(&dir, hezuo_tests::phone_info()).expect("reopen");
    reopen().submit_visit(cooperative, visit).expect("submit");
    let mut restarted = reopen();
    let report = restarted.sync().expect("sync");
    assert!(report.problems.is_empty(), "{report:?}");
    assert_eq!(
        restarted.visits().expect("visits")[0].status,
        RecordStatus::Synced,
        "{report:?}"
    );
}

#[test]
fn chunks_are_compacted_into_a_snapshot_and_the_document_reloads_from_it() {
    use hezuo_server::db::schema::{document_chunks, documents};
    use hezuo_server::documents::{cache::DocCache, store};

    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuRice);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    // Enough visits, synced one by one, that the chunks outgrow the 64 KiB compaction threshold.
    let mut written: usize = 0;
    let mut compacted = false;
    while !compacted {
        let mut visit = baseline_visit(&"长".repeat(400));
        visit.notes = Some(format!("{written}{}", "记录".repeat(300)));
        phone.new_visit(cooperative, visit).expect("visit");
        phone.sync().expect("sync");
        written += 1;
        let snapshot: Option<i64> = documents::table
            .find(cooperative.to_string())
            .select(documents::snapshot_bytes)
            .first(&mut app.conn())
            .optional()
            .expect("row");
        compacted = snapshot.unwrap_or(0) > 0;
        assert!(written < 200, "compaction never happened");
    }
    let chunks: i64 = document_chunks::table
        .filter(document_chunks::cooperative_id.eq(cooperative.to_string()))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert!(
        chunks < written as i64,
        "chunks were folded into the snapshot ({chunks} left of {written})"
    );

    // A cold load (no cache) from snapshot and chunks gives the same document the phone has.
    let cold = store::load(&mut app.conn(), &DocCache::new(0), cooperative).expect("load");
    let from_db = hezuo_sync::document::read(&cold.doc).expect("read");
    assert_eq!(from_db, phone.document(cooperative).expect("phone copy"));
    assert_eq!(from_db.visits.len(), written);
}

#[test]
fn a_link_that_drops_mid_request_loses_nothing_and_duplicates_nothing() {
    let app = TestApp::spawn();
    let link = hezuo_tests::CountingProxy::start(app.address.trim_start_matches("http://"));
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let mut phone = counsellor_phone_behind(&app, &link);
    let recorded: Vec<_> = (0..3)
        .map(|n| {
            phone
                .new_visit(cooperative, baseline_visit(&format!("第{n}户")))
                .expect("visit")
        })
        .collect();
    let visits_on_server = || visit_ids_on_server(&app, cooperative).len();

    // The request is cut off halfway: the server takes nothing, the phone says why its work is still here.
    link.drop_after(Some(400), None);
    phone.sync().expect_err("the link dropped");
    assert_eq!(visits_on_server(), 0);
    for record in phone.visits().expect("visits") {
        assert!(
            matches!(&record.status, RecordStatus::Error(reason) if reason.contains("同步中断")),
            "{record:?}"
        );
    }

    // The request arrives whole but the answer is lost: the server has the work, the phone does not know it yet.
    link.drop_after(None, Some(20));
    phone.sync().expect_err("the link dropped");
    assert_eq!(visits_on_server(), 3);

    // On a good link the retry finds the work already there: acknowledged once, stored once.
    link.drop_after(None, None);
    let report = phone.sync().expect("sync");
    assert!(report.problems.is_empty(), "{report:?}");
    let records = phone.visits().expect("visits");
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r.status == RecordStatus::Synced));
    assert_eq!(
        visit_ids_on_server(&app, cooperative),
        sorted_ids(&recorded)
    );
    assert_eq!(
        phone.cooperatives().expect("index")[&cooperative].status,
        DocStatus::Synced
    );
}

#[test]
fn a_visit_saved_while_a_sync_is_under_way_is_not_lost() {
    let app = TestApp::spawn();
    let link = hezuo_tests::CountingProxy::start(app.address.trim_start_matches("http://"));
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let mut syncing = counsellor_phone_behind(&app, &link);
    let first = syncing
        .new_visit(cooperative, baseline_visit("第一户"))
        .expect("visit");

    // A slow link keeps the sync busy while the counsellor (the app's UI, or the CLI in another terminal) saves
    // another visit in the same phone state.
    link.set_latency(std::time::Duration::from_millis(300));
    let dir = syncing.state_dir().to_path_buf();
    let second = std::thread::scope(|scope| {
        let sync = scope.spawn(|| syncing.sync());
        std::thread::sleep(std::time::Duration::from_millis(150));
        let mut editing = hezuo_mobile_api::client::Phone::open(&dir, hezuo_tests::phone_info())
            .expect("same phone state");
        let second = editing
            .new_visit(cooperative, baseline_visit("第二户"))
            .expect("visit");
        sync.join().expect("sync thread").expect("sync");
        second
    });
    link.set_latency(std::time::Duration::ZERO);

    let report = syncing.sync().expect("sync");
    assert!(report.problems.is_empty(), "{report:?}");
    let records = syncing.visits().expect("visits");
    assert_eq!(records.len(), 2, "{records:?}");
    assert!(records.iter().all(|r| r.status == RecordStatus::Synced));
    assert_eq!(
        visit_ids_on_server(&app, cooperative),
        sorted_ids(&[first, second])
    );
}

/// Look-ups of the document cache that had to load from the database, from `/metrics`.
fn cache_misses(app: &TestApp) -> u64 {
    let metrics = app
        .anonymous()
        .raw(ureq::http::Method::GET, "/metrics", &[], &[], None)
        .expect("metrics");
    String::from_utf8(metrics.body)
        .expect("utf-8")
        .lines()
        .find(|line| line.starts_with("hezuo_document_cache_lookups_total{outcome=\"miss\"}"))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|count| count.parse().ok())
        .unwrap_or(0)
}

/// On PostgreSQL an instance also hears the NOTIFY of its own commits. The version it just cached must stay cached:
/// the next reader of a write finds it in memory instead of loading it from the database.
#[test]
fn the_next_reader_of_a_write_finds_it_in_the_cache() {
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let mut writer = app.pulled_phone(Persona::CounsellorHaishu);
    let mut reader = app.pulled_phone(Persona::CounsellorHaishu);
    let visit = writer
        .new_visit(cooperative, baseline_visit("缓存里的走访"))
        .expect("visit");
    writer.sync().expect("sync");
    // Several times the listener's poll: the instance has heard its own notification by now.
    std::thread::sleep(std::time::Duration::from_millis(600));
    let before = cache_misses(&app);
    reader.sync().expect("sync");
    assert!(
        reader
            .document(cooperative)
            .expect("document")
            .visits
            .contains_key(&visit.to_string()),
        "the reader received the visit"
    );
    assert_eq!(
        cache_misses(&app),
        before,
        "no document was loaded from the database"
    );
}

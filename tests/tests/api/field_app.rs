//! The counsellors' field app (issue 17) in Debian's Chromium emulating a phone, against the real server: the
//! scenarios are in `web/field/e2e/`, the checks through the API afterwards.

use std::time::Duration;

use hezuo_tests::browser;
use hezuo_tests::{Fixture, PASSWORD, Persona, TestApp};
use serde_json::json;

#[test]
fn a_visit_recorded_offline_reaches_the_server_in_one_sync_when_a_link_appears() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let name = Fixture::HaishuFruit.name();
    let notes = "离线记录：理事长在场，账册齐全 <b>不是HTML</b>";
    let mut accepted_syncs = 0;
    browser::run_in(
        &browser::field_dir(),
        "offline-visit",
        &app.address,
        PASSWORD,
        &json!({
            "username": Persona::CounsellorHaishu.username(),
            "cooperative": name,
            "notes": notes,
            "photos": [fixture("sign.jpg"), fixture("ledger-rotated.jpg")],
        }),
        Duration::from_secs(120),
        |step, _| {
            assert_eq!(step, "synced");
            let audit = app
                .client(Persona::Admin)
                .audit_log(&hezuo_mobile_api::reviews::AuditQuery {
                    action: Some("document.changes_accepted".to_owned()),
                    entity_id: Some(cooperative.to_string()),
                    ..Default::default()
                })
                .expect("audit")
                .items;
            accepted_syncs = audit.len();
            json!(null)
        },
    );
    assert_eq!(
        accepted_syncs, 1,
        "the day's work arrived in one accepted sync"
    );
    let visit_id = only_visit(&app, Persona::SupervisorHaishu, cooperative).visit_id;
    let review = app
        .client(Persona::SupervisorHaishu)
        .visit_review(visit_id)
        .expect("the visit");
    assert_eq!(review.visit["notes"], notes);
    assert_eq!(review.visit["status"], "submitted");
    assert_eq!(review.visit["membership"]["members_total"], 126);
    assert_eq!(review.visit["meta"]["visit_type"], "baseline");
    // The phone's position, allowed by the counsellor, recorded with the visit.
    assert_eq!(review.visit["meta"]["geo"]["lat"], 29.8712);
    assert_eq!(review.visit["meta"]["geo"]["datum"], "wgs84");

    // The photos followed: shrunk on the phone, upright, with the camera's time and place read before shrinking.
    let photos = app
        .client(Persona::SupervisorHaishu)
        .visit_photos(visit_id)
        .expect("photos");
    assert_eq!(photos.photos.len(), 2, "{photos:?}");
    for photo in &photos.photos {
        assert!(photo.received, "{photo:?}");
        let info = photo.photo.as_ref().expect("received");
        assert!(info.width.max(info.height) <= 1600, "{info:?}");
    }
    let sign =
        hezuo_sync::photo::ExifFacts::read(&std::fs::read(fixture("sign.jpg")).expect("fixture"));
    assert!(
        photos
            .photos
            .iter()
            .any(|p| p.device_taken_at.map(|t| t.timestamp_millis()) == sign.taken_at_ms),
        "the camera's time of sign.jpg reached the server: {photos:?}"
    );
}

fn fixture(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/photos")
        .join(name)
        .display()
        .to_string()
}

/// Issue 17, test 2: over a 256 kbit/s, 600 ms link that drops while a photo is on its way, the upload resumes from
/// the server's offset: the link carries the photo once, plus at most the one piece (64 KiB) in flight at the drop.
#[test]
fn a_photo_upload_cut_on_a_weak_link_resumes_and_sends_little_twice() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn();
    let link = hezuo_tests::WeakLink::start(
        &app.address.replace("http://", ""),
        256_000,
        Duration::from_millis(600),
    );
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    // A photo with detail everywhere, so that even shrunk on the phone it takes seconds on this link.
    let photo = tempfile::Builder::new()
        .suffix(".jpg")
        .tempfile()
        .expect("temp file");
    std::fs::write(photo.path(), crate::photos::camera_photo(1200, 900, 7)).expect("write");
    let mut cut_at = 0;
    browser::run_in(
        &browser::field_dir(),
        "weak-photo",
        &app.address,
        PASSWORD,
        &json!({
            "username": Persona::CounsellorHaishu.username(),
            "cooperative": Fixture::HaishuFruit.name(),
            "photo": photo.path().display().to_string(),
            "link": link.address,
        }),
        Duration::from_secs(180),
        |step, payload| {
            assert_eq!(step, "uploading");
            // Cut once a third of the photo is on its way.
            let third = payload["bytes"].as_u64().expect("the photo's size") / 3;
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            while link.sent_up() < third && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            cut_at = link.sent_up();
            link.cut();
            json!(null)
        },
    );
    assert!(
        cut_at > 0,
        "the link was cut while the photo was on its way"
    );
    let photos = app
        .client(Persona::SupervisorHaishu)
        .visit_photos(only_visit(&app, Persona::SupervisorHaishu, cooperative).visit_id)
        .expect("photos");
    assert_eq!(photos.received, 1, "{photos:?}");
    let bytes = photos.photos[0].photo.as_ref().expect("received").bytes;
    let on_air = link.sent_up();
    eprintln!("weak link: photo {bytes} bytes, cut at {cut_at}, {on_air} bytes up in all");
    assert!(
        cut_at < bytes,
        "the cut came before the photo was through ({cut_at} of {bytes})"
    );
    // The photo once, one 64 KiB piece lost in the drop, and the requests' headers.
    assert!(
        on_air <= bytes + 64 * 1024 + 8 * 1024,
        "{on_air} bytes up for a photo of {bytes} bytes"
    );
}

/// The visit of the cooperative, as the review queue lists it for `persona` (any state).
fn only_visit(
    app: &TestApp,
    persona: Persona,
    cooperative: uuid::Uuid,
) -> hezuo_mobile_api::reviews::ReviewItem {
    let mut items = app
        .client(persona)
        .review_queue(&hezuo_mobile_api::reviews::ReviewQuery {
            cooperative_id: Some(cooperative),
            state: Some("all".to_owned()),
            ..Default::default()
        })
        .expect("queue")
        .items;
    assert_eq!(items.len(), 1, "{items:?}");
    items.remove(0)
}

fn decide(app: &TestApp, persona: Persona, visit: uuid::Uuid, decision: &str, note: Option<&str>) {
    let version = app
        .client(persona)
        .visit_review(visit)
        .expect("review")
        .review
        .version;
    app.client(persona)
        .decide_visit(
            visit,
            decision,
            &hezuo_mobile_api::reviews::ReviewDecision {
                note: note.map(str::to_owned),
                level: None,
                version: Some(version),
            },
        )
        .unwrap_or_else(|e| panic!("{decision} by {persona:?}: {e}"));
}

/// Issue 17, test 4: a reviewer returns a visit; the note reaches the app's tasks; the fix is submitted and approved.
#[test]
fn a_returned_visit_is_fixed_in_the_app_and_approved() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let note = "请补充成员总数和理事长姓名";
    let fixed = "已补充：成员126人，理事长王建国";
    browser::run_in(
        &browser::field_dir(),
        "returned-visit",
        &app.address,
        PASSWORD,
        &json!({
            "username": Persona::CounsellorHaishu.username(),
            "cooperative": Fixture::HaishuFruit.name(),
            "note": note,
            "fixed": fixed,
        }),
        Duration::from_secs(180),
        |step, _| {
            let visit = only_visit(&app, Persona::Admin, cooperative).visit_id;
            match step {
                "submitted" => decide(&app, Persona::TownshipGaoqiao, visit, "return", Some(note)),
                "resubmitted" => {
                    let review = app
                        .client(Persona::Admin)
                        .visit_review(visit)
                        .expect("review");
                    assert_eq!(review.visit["notes"], fixed);
                    decide(&app, Persona::TownshipGaoqiao, visit, "approve", None);
                    decide(&app, Persona::SupervisorHaishu, visit, "approve", None);
                }
                other => panic!("unexpected step {other}"),
            }
            json!(null)
        },
    );
    let item = only_visit(&app, Persona::Admin, cooperative);
    assert_eq!(item.state.as_str(), "approved", "{item:?}");
}

/// Issue 17, test 5: a tampered app writes under another device's actor and into `review`; both are refused, the
/// device is held for those cooperatives, and the app shows them as paused with the reason.
#[test]
fn a_tampered_app_is_refused_and_shows_the_hold() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn();
    // Another device of another counsellor of the district, whose actor the tampered app borrows.
    let other = crate::sync::another_haishu_counsellor(&app, "counsellor.haishu.lender");
    let lender = other
        .session()
        .expect("session")
        .device
        .clone()
        .expect("device");
    let user = app.user_id(Persona::CounsellorHaishu);
    let forged = app.cooperative_id(Fixture::HaishuFruit);
    let foreign = app.cooperative_id(Fixture::HaishuRice);
    browser::run_in(
        &browser::field_dir(),
        "tampered",
        &app.address,
        PASSWORD,
        &json!({
            "username": Persona::CounsellorHaishu.username(),
            "userId": user.to_string(),
            "forged": forged.to_string(),
            "foreign": foreign.to_string(),
            "ownActor": "0123456789abcdef0123456789abcdef",
            "foreignActor": lender.actor_id,
        }),
        Duration::from_secs(120),
        |_, _| json!(null),
    );
    let holds = app
        .client(Persona::Admin)
        .list_quarantines(&[])
        .expect("holds")
        .items;
    let mut codes: Vec<(uuid::Uuid, String)> = holds
        .iter()
        .map(|h| (h.cooperative_id, h.code.clone()))
        .collect();
    codes.sort();
    let mut expected = vec![
        (forged, "server_only".to_owned()),
        (foreign, "foreign_actor".to_owned()),
    ];
    expected.sort();
    assert_eq!(codes, expected, "{holds:?}");
}

/// Issue 17, test 3: the app and a Rust phone change the same profile field offline at the same time; the server
/// keeps both values as a conflict, each with the device that wrote it.
#[test]
fn the_app_and_a_rust_phone_editing_one_field_offline_make_a_conflict_that_keeps_both() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let mut rust_phone = crate::sync::another_haishu_counsellor(&app, "counsellor.haishu.rust");
    rust_phone.pull().expect("pull");
    rust_phone.sync().expect("sync");
    let (app_value, rust_value) = ("13911110000", "13922220000");
    browser::run_in(
        &browser::field_dir(),
        "profile-conflict",
        &app.address,
        PASSWORD,
        &json!({
            "username": Persona::CounsellorHaishu.username(),
            "cooperative": Fixture::HaishuFruit.name(),
            "phone": app_value,
        }),
        Duration::from_secs(120),
        |step, _| {
            if step == "edited" {
                rust_phone
                    .edit_profile(cooperative, |profile| {
                        profile.contact_phone = Some(rust_value.to_owned())
                    })
                    .expect("edit");
                let report = rust_phone.sync().expect("sync");
                assert!(report.problems.is_empty(), "{report:?}");
            }
            json!(null)
        },
    );
    let conflicts = app
        .client(Persona::SupervisorHaishu)
        .conflicts(&Default::default())
        .expect("conflicts")
        .items;
    let conflict = conflicts
        .iter()
        .find(|c| c.cooperative_id == cooperative && c.path == "profile.contact_phone")
        .unwrap_or_else(|| panic!("a conflict on the phone number: {conflicts:?}"));
    let mut values: Vec<String> = conflict
        .candidates
        .iter()
        .filter_map(|c| c.value.as_str().map(str::to_owned))
        .collect();
    values.sort();
    assert_eq!(values, vec![app_value.to_owned(), rust_value.to_owned()]);
    assert!(
        conflict.candidates.iter().all(|c| c.device_id.is_some()),
        "each value is attributed to its device: {conflict:?}"
    );
}

/// The list finds a cooperative by pinyin initials and by credit code; a cooperative found in the field is created
/// offline and reaches the server, registered as pending verification.
#[test]
fn search_by_initials_and_code_and_a_cooperative_found_in_the_field() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn();
    let new_name = "高桥镇新发现的草莓专业合作社";
    let good = Fixture::HaishuFruit.uscc().as_str().to_owned();
    let bad_uscc = format!(
        "{}{}",
        &good[..17],
        if good.ends_with('0') { '1' } else { '0' }
    );
    let reports = browser::run_in(
        &browser::field_dir(),
        "new-cooperative",
        &app.address,
        PASSWORD,
        &json!({
            "username": Persona::CounsellorHaishu.username(),
            "name": Fixture::HaishuFruit.name(),
            // 绿源果蔬
            "initials": "lygs",
            "uscc": Fixture::HaishuFruit.uscc().as_str(),
            "badUscc": bad_uscc,
            "newName": new_name,
            "region": hezuo_tests::HAISHU_VILLAGE,
        }),
        Duration::from_secs(120),
        |_, _| json!(null),
    );
    let id: uuid::Uuid = reports
        .get("id")
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("the new cooperative's id");
    let created = app
        .client(Persona::SupervisorHaishu)
        .get_cooperative(id)
        .expect("registered by the sync");
    assert_eq!(created.name, new_name);
    assert_eq!(created.region_code.as_str(), hezuo_tests::HAISHU_VILLAGE);
}

/// A counsellor's own cooperatives come first in the app and the overdue ones are in the tasks, also offline.
#[test]
fn my_cooperatives_come_first_and_the_overdue_ones_are_tasks() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn();
    // 绿源果蔬 sorts after 金穗水稻 by name; as the counsellor's own it comes first.
    app.client(Persona::SupervisorHaishu)
        .assign_responsibility(
            app.cooperative_id(Fixture::HaishuFruit),
            &hezuo_mobile_api::coverage::AssignRequest {
                counsellor_user_id: app.user_id(Persona::CounsellorHaishu),
                officer_user_id: None,
                note: None,
            },
        )
        .expect("assign");
    browser::run_in(
        &browser::field_dir(),
        "my-cooperatives",
        &app.address,
        PASSWORD,
        &json!({
            "username": Persona::CounsellorHaishu.username(),
            "mine": Fixture::HaishuFruit.name(),
        }),
        Duration::from_secs(120),
        |_, _| json!(null),
    );
}

/// One phone, two counsellors: sign-out warns about unsent work and keeps it, the next user sees none of it, and the
/// first user's work syncs when they are back.
#[test]
fn a_second_user_of_the_phone_never_sees_the_first_ones_work() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let notes = "第一位辅导员的草稿";
    browser::run_in(
        &browser::field_dir(),
        "two-users",
        &app.address,
        PASSWORD,
        &json!({
            "first": Persona::CounsellorHaishu.username(),
            "second": Persona::CounsellorXiangshan.username(),
            "cooperative": Fixture::HaishuFruit.name(),
            "notes": notes,
        }),
        Duration::from_secs(120),
        |_, _| json!(null),
    );
    use diesel::prelude::*;
    use hezuo_server::db::schema::visits;
    let stored: Vec<(String, String)> = visits::table
        .filter(visits::cooperative_id.eq(cooperative.to_string()))
        .select((visits::status, visits::data))
        .load(&mut app.conn())
        .expect("visits");
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].0, "draft");
    assert!(stored[0].1.contains(notes), "{stored:?}");
}

/// The app's files as a phone fetches them: its page for its own routes, the WebAssembly with its type, the service
/// worker checked on every load, hashed files kept, a missing file a 404, all under the app's policy.
#[test]
fn the_app_is_served_with_its_policy_and_caching() {
    use ureq::http::Method;
    let app = TestApp::spawn();
    let client = app.anonymous();
    let get = |path: &str| {
        client
            .raw(Method::GET, path, &[], &[], None)
            .expect("answer")
    };
    let page = get("/field/coop/01a24266-d914-777d-94a6-3b83a10f4623");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    let policy = page
        .header("content-security-policy")
        .expect("a policy")
        .to_owned();
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval';"),
        "{policy}"
    );
    assert!(policy.contains("worker-src 'self'"), "{policy}");
    assert!(
        !policy.contains(" 'unsafe-eval'"),
        "no eval, only WebAssembly: {policy}"
    );
    let html = String::from_utf8(page.body).expect("utf-8");
    assert!(html.contains("manifest.webmanifest"), "installable: {html}");

    let worker = get("/field/sw.js");
    assert_eq!(worker.status, 200);
    assert_eq!(worker.header("cache-control"), Some("no-cache"));
    let shell = String::from_utf8(worker.body).expect("utf-8");
    let wasm = shell
        .split('"')
        .find(|part| part.ends_with(".wasm"))
        .expect("the service worker keeps the WebAssembly")
        .to_owned();
    let module = get(&wasm);
    assert_eq!(module.status, 200);
    assert_eq!(module.header("content-type"), Some("application/wasm"));
    assert!(
        module
            .header("cache-control")
            .is_some_and(|c| c.contains("immutable"))
    );
    assert_eq!(get("/field/assets/gone-00000000.js").status, 404);
    // `/field` leads to the app (the client follows the redirect).
    let lead = get("/field");
    assert_eq!(lead.status, 200);
    assert_eq!(
        lead.header("content-type"),
        Some("text/html; charset=utf-8")
    );
}

//! The browser console in a real browser (`hezuo_tests::browser`): phones submit with the SDK, reviewers work in
//! Chromium against the real server, and the API and the phones are checked afterwards.

use std::time::Duration;

use hezuo_mobile_api::client::PhotoOptions;
use hezuo_mobile_api::reviews::ReviewItem;
use hezuo_sync::model::{Datum, Day, GeoPoint, Visit, VisitMeta, VisitType};
use hezuo_tests::{Fixture, PASSWORD, Persona, TestApp, TestPhone, browser};
use serde_json::json;
use uuid::Uuid;

use crate::photos::fixture;

const SCENARIO_TIMEOUT: Duration = Duration::from_secs(180);

fn visit(note: &str) -> Visit {
    Visit {
        notes: Some(note.to_owned()),
        meta: Some(VisitMeta {
            visit_date: Day::parse("2026-11-20"),
            visit_type: Some(VisitType::Routine),
            geo: Some(GeoPoint {
                lat: Some(29.8683),
                lon: Some(121.5440),
                datum: Some(Datum::Wgs84),
                accuracy_m: Some(15.0),
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A visit submitted from the phone with these fixture photos, synced and uploaded.
fn submit(phone: &mut TestPhone, cooperative: Uuid, note: &str, photos: &[&str]) -> Uuid {
    let visit_id = phone.new_visit(cooperative, visit(note)).expect("visit");
    if !photos.is_empty() {
        let files: Vec<_> = photos.iter().map(|name| fixture(name)).collect();
        phone
            .attach_photos(
                cooperative,
                visit_id,
                &files,
                Some("现场照片"),
                PhotoOptions::default(),
            )
            .expect("attach");
    }
    phone.submit_visit(cooperative, visit_id).expect("submit");
    let report = phone.sync().expect("sync");
    assert!(report.problems.is_empty(), "{report:?}");
    phone.upload_photos().expect("upload");
    visit_id
}

fn review(app: &TestApp, visit_id: Uuid) -> ReviewItem {
    app.client(Persona::Admin)
        .visit_review(visit_id)
        .expect("the visit in review")
        .review
}

#[test]
fn a_supervisors_day_in_the_browser_from_township_to_county_and_back_to_the_phone() {
    if !browser::available() {
        return;
    }
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let injected = "<img src=x onerror=alert(1)>理事长在场";
    let first = submit(
        &mut phone,
        cooperative,
        injected,
        &["sign.jpg", "ledger-rotated.jpg"],
    );
    let second = submit(&mut phone, cooperative, "账本不全", &[]);
    let return_note = "请补拍成员大会签到表";

    browser::run(
        "supervisor-day",
        &app.address,
        PASSWORD,
        &json!({
            "township": Persona::TownshipGaoqiao.username(),
            "townshipRegion": "高桥镇",
            "county": Persona::SupervisorHaishu.username(),
            "first": first,
            "second": second,
            "note": injected,
            "photos": 2,
            "returnNote": return_note,
        }),
        SCENARIO_TIMEOUT,
        |_| json!(null),
    );

    let approved = review(&app, first);
    assert_eq!(approved.state, "approved");
    assert_eq!(approved.approved_levels.len(), 2);
    let returned = review(&app, second);
    assert_eq!(returned.state, "returned");
    assert_eq!(returned.note.as_deref(), Some(return_note));
    phone.sync().expect("sync");
    let tasks = phone.tasks().expect("tasks");
    let task = tasks
        .iter()
        .find(|t| t.visit_id == second)
        .expect("the returned visit is a task on the phone");
    assert_eq!(task.note.as_deref(), Some(return_note));
}

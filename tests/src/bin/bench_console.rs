//! The console's weight and speed in Chromium against the real server: what the first load transfers (compressed, as
//! the browser counts it) and how long a page of 200 review-queue rows takes from navigation to the rows on screen,
//! over `--rounds` loads (default 7), with the median and the API call's share.
//!
//! `cargo run --release -p hezuo-tests --bin bench-console` (needs node, Chromium and `npm ci` in web/console)

use std::time::Duration;

use hezuo_sync::model::{Day, Visit, VisitMeta, VisitType};
use hezuo_tests::{Fixture, PASSWORD, Persona, TestApp, browser, count_arg};
use serde_json::json;

fn main() {
    let rounds = count_arg("--rounds", 7);
    if !browser::available() {
        eprintln!("bench-console needs node and Chromium");
        std::process::exit(2);
    }
    let app = TestApp::spawn();
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    let cooperatives = [
        app.cooperative_id(Fixture::HaishuFruit),
        app.cooperative_id(Fixture::HaishuRice),
    ];
    for n in 0..220 {
        let cooperative = cooperatives[n % 2];
        let visit = Visit {
            notes: Some(format!("第{n}次走访：理事长在场，账本齐全")),
            meta: Some(VisitMeta {
                visit_date: Day::parse(&format!("2026-11-{:02}", 1 + n % 28)),
                visit_type: Some(VisitType::Routine),
                ..Default::default()
            }),
            ..Default::default()
        };
        let id = phone.new_visit(cooperative, visit).expect("visit");
        phone.submit_visit(cooperative, id).expect("submit");
    }
    phone.sync().expect("sync");

    let reports = browser::run(
        "bench",
        &app.address,
        PASSWORD,
        &json!({ "username": Persona::SupervisorHaishu.username(), "rounds": rounds }),
        Duration::from_secs(600),
        |_, _| json!(null),
    );
    let kib = |bytes: &serde_json::Value| bytes.as_f64().unwrap_or_default() / 1024.0;
    for (label, key) in [
        ("first load, sign-in page", "sign_in"),
        (
            "first visit, sign-in to the queue (incl. the above's cache)",
            "first_queue",
        ),
    ] {
        let figures = reports.get(key);
        println!(
            "{label}: {} requests, {:.1} KiB bodies (compressed) + {:.1} KiB headers",
            figures["requests"],
            kib(&figures["body"]),
            kib(&figures["headers"])
        );
    }
    let rows = reports.get("rows_200");
    println!(
        "200 queue rows, navigation to rows on screen: median {} ms (each: {}); of which the API call: median {} ms (each: {})",
        rows["median_total"], rows["totals"], rows["median_api"], rows["api"]
    );
}

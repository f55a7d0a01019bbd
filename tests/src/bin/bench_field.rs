//! The field app (issue 17) against the Rust phone SDK, on the same server and the same documents, through
//! byte-counting proxies, and printed side by side:
//!
//! 1. uploading 10 new visits: bytes on the wire and round trips (target: the app ≤ 1.5 × the SDK);
//! 2. a reconnect holding every document unchanged (≈ 300): bytes and round trips (same target);
//! 3. the install's weight (everything the page and its service worker fetch, compressed; target ≤ 2 MB) and what
//!    reopening the installed app transfers;
//! 4. saving a visit in a document that holds 50 visits: the app's own measure of a commit (load, edit, check, save,
//!    store), median over `--saves` (default 15; target < 100 ms).
//!
//! `cargo run --release -p hezuo-tests --bin bench-field` (needs node, Chromium and `npm ci` in web/field)

use std::time::Duration;

use hezuo_mobile_api::client::Phone;
use hezuo_server::demo;
use hezuo_server::import;
use hezuo_server::models::Who;
use hezuo_sync::model::{Day, Visit, VisitMeta, VisitType};
use hezuo_tests::{
    CountingProxy, Fixture, HAISHU_VILLAGE, PASSWORD, Persona, TestApp, browser, count_arg,
    phone_info,
};
use serde_json::json;
use uuid::Uuid;

const DOCUMENTS: usize = 300;
const NOTES: &str = "理事长在场，挂牌和办公室都在，账簿齐全，成员抽查三人均知情。";

fn visit(kind: VisitType) -> Visit {
    Visit {
        notes: Some(NOTES.to_owned()),
        meta: Some(VisitMeta {
            visit_date: Day::parse("2026-12-04"),
            visit_type: Some(kind),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn main() {
    let saves = count_arg("--saves", 15);
    if !browser::available() {
        eprintln!("bench-field needs node and Chromium");
        std::process::exit(2);
    }
    let app = TestApp::spawn();
    {
        let mut village = demo::cooperatives(DOCUMENTS);
        for input in &mut village {
            input.region_code = hezuo_mobile_api::RegionCode::parse(HAISHU_VILLAGE).ok();
        }
        import::cooperatives::apply(&mut app.conn(), village, &Who::system(), &mut |_, _| {})
            .expect("cooperatives");
    }

    // The Rust SDK first, alone on its proxy.
    let sdk_proxy = CountingProxy::start(app.address.trim_start_matches("http://"));
    let dir = tempfile::tempdir().expect("dir");
    let mut sdk = Phone::open(dir.path(), phone_info()).expect("phone");
    sdk.login(
        &sdk_proxy.address,
        Persona::CounsellorHaishu.username(),
        PASSWORD,
    )
    .expect("login");
    let held = sdk.pull().expect("pull").documents;
    sdk.sync().expect("initial sync");
    sdk.sync().expect("settle");
    let index = sdk.cooperatives().expect("index");
    let names: Vec<(Uuid, String)> = index
        .iter()
        .map(|(id, info)| (*id, info.name.clone()))
        .collect();
    // Cooperatives whose names no other name contains, so the app's search finds exactly one.
    let unique: Vec<&(Uuid, String)> = names
        .iter()
        .filter(|(id, name)| {
            !names
                .iter()
                .any(|(other, n)| other != id && n.contains(name.as_str()))
        })
        .collect();
    let busy = app.cooperative_id(Fixture::HaishuFruit);
    let for_sdk: Vec<Uuid> = unique
        .iter()
        .filter(|(id, _)| *id != busy)
        .take(10)
        .map(|(id, _)| *id)
        .collect();
    let for_app: Vec<String> = unique
        .iter()
        .filter(|(id, _)| *id != busy && !for_sdk.contains(id))
        .take(10)
        .map(|(_, name)| name.clone())
        .collect();
    for id in &for_sdk {
        sdk.new_visit(*id, visit(VisitType::Baseline))
            .expect("visit");
    }
    sdk_proxy.reset();
    let report = sdk.sync().expect("upload");
    let sdk_upload = (sdk_proxy.bytes(), report.round_trips);
    sdk.sync().expect("settle");
    sdk_proxy.reset();
    let report = sdk.sync().expect("reconnect");
    let sdk_reconnect = (sdk_proxy.bytes(), report.round_trips);

    // A document with 50 visits, written by a colleague's phone, for the app's save timing.
    let mut colleague = app.pulled_phone(Persona::CounsellorHaishu);
    for _ in 0..50 {
        colleague
            .new_visit(busy, visit(VisitType::Routine))
            .expect("visit");
    }
    colleague.sync().expect("sync");

    let install_proxy = CountingProxy::start(app.address.trim_start_matches("http://"));
    let sync_proxy = CountingProxy::start(app.address.trim_start_matches("http://"));
    let mut figures = std::collections::HashMap::new();
    let reports = browser::run_in(
        &browser::field_dir(),
        "bench",
        &app.address,
        PASSWORD,
        &json!({
            "username": Persona::CounsellorHaishu.username(),
            "installBase": install_proxy.address,
            "syncBase": sync_proxy.address,
            "cooperatives": for_app,
            "busy": Fixture::HaishuFruit.name(),
            "notes": NOTES,
            "saves": saves,
        }),
        Duration::from_secs(900),
        |step, _| {
            match step {
                "install-start" => install_proxy.reset(),
                "installed" => {
                    figures.insert("install", install_proxy.bytes());
                    install_proxy.reset();
                }
                "reopened" => {
                    figures.insert("reopen", install_proxy.bytes());
                }
                "drafts-ready" | "before-reconnect" => sync_proxy.reset(),
                "uploaded" => {
                    figures.insert("upload", sync_proxy.bytes());
                }
                "reconnected" => {
                    figures.insert("reconnect", sync_proxy.bytes());
                }
                other => panic!("unexpected step {other}"),
            }
            json!(null)
        },
    );
    let kb = |(up, down): (u64, u64)| (up + down) as f64 / 1024.0;
    let ratio = |app: (u64, u64), sdk: (u64, u64)| kb(app) / kb(sdk).max(f64::MIN_POSITIVE);
    println!(
        "hezuo field app against the Rust SDK — {held} documents held, same server, byte-counting proxies"
    );
    for (label, sdk_figures, app_key, trips_key) in [
        (
            "1. upload 10 new visits",
            sdk_upload,
            "upload",
            "upload_round_trips",
        ),
        (
            "2. reconnect, nothing new",
            sdk_reconnect,
            "reconnect",
            "reconnect_round_trips",
        ),
    ] {
        let app_bytes = figures[app_key];
        let app_trips = reports.get(trips_key).as_u64().unwrap_or_default();
        println!(
            "{label}: SDK {:.2} KB ({} B up, {} B down), {} round trip(s); app {:.2} KB ({} B up, {} B down), {} round trip(s); bytes × {:.2}, round trips × {:.2}   [target ≤ 1.5]",
            kb(sdk_figures.0),
            sdk_figures.0.0,
            sdk_figures.0.1,
            sdk_figures.1,
            kb(app_bytes),
            app_bytes.0,
            app_bytes.1,
            app_trips,
            ratio(app_bytes, sdk_figures.0),
            app_trips as f64 / sdk_figures.1.max(1) as f64,
        );
    }
    println!(
        "3. install: {:.1} KB down, {:.1} KB up (compressed, incl. the service worker's cache)   [target ≤ 2048 KB]; reopening the installed app: {} B down",
        figures["install"].1 as f64 / 1024.0,
        figures["install"].0 as f64 / 1024.0,
        figures["reopen"].1,
    );
    let mut commits: Vec<f64> = reports
        .get("commit_ms")
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
        .unwrap_or_default();
    let count = commits.len();
    let max = commits.iter().copied().fold(0.0, f64::max);
    println!(
        "4. saving a visit in a document with 50 visits: median {:.1} ms, max {:.1} ms over {count} saves   [target < 100 ms]",
        median(&mut commits),
        max,
    );
}

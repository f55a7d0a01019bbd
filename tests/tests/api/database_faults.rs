//! The database failing under a running server (PostgreSQL only: SQLite is a file inside the process). A restart is
//! played by a relay between the server and PostgreSQL that drops every connection and refuses new ones for a while,
//! so the tests running beside this one keep their database.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hezuo_mobile_api::client::{ApiClient, ClientError};
use hezuo_sync::DocumentId;
use hezuo_sync::model::Visit;
use hezuo_tests::db_proxy::DatabaseRelay;
use hezuo_tests::{Fixture, Persona, SeededDatabase, ServerProcess, TestApp};

use crate::{js_dir, node_ready};

fn postgres_only(test: &str) -> bool {
    if std::env::var("HEZUO_TEST_POSTGRES_URL").is_err() {
        eprintln!("{test} needs PostgreSQL: skipping on SQLite");
        return false;
    }
    true
}

fn visit(note: &str) -> Visit {
    Visit {
        notes: Some(note.to_owned()),
        ..Default::default()
    }
}

fn access_token(address: &str, persona: Persona) -> String {
    ApiClient::new(address)
        .login(persona.username(), hezuo_tests::PASSWORD, None)
        .expect("login")
        .access_token
}

fn list_cooperatives(address: &str, token: &str) -> hezuo_mobile_api::client::RawResponse {
    let bearer = format!("Bearer {token}");
    ApiClient::new(address)
        .raw(
            ureq::http::Method::GET,
            "/api/v1/cooperatives",
            &[],
            &[("Authorization", &bearer)],
            None,
        )
        .expect("an answer")
}

/// Seconds of CPU the process has used (user and system), from `/proc`.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .expect("stat format")
        .1
        .split_whitespace()
        .collect();
    let ticks: f64 =
        fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
    ticks / 100.0
}

/// A stock automerge-repo client on `address` waiting until the document holds `visits` visits.
fn js_client_waiting(
    address: &str,
    token: &str,
    document: &str,
    visits: usize,
) -> std::process::Child {
    let url = format!(
        "{}/api/v1/sync/ws?token={token}",
        address.replace("http://", "ws://")
    );
    std::process::Command::new("node")
        .arg(js_dir().join("sync-client.mjs"))
        .args([&url, document, &visits.to_string(), "60000"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start node")
}

fn js_result(child: std::process::Child) -> serde_json::Value {
    let output = child.wait_with_output().expect("node finished");
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("{}"))
        .unwrap_or_else(|_| panic!("unexpected output: {text}"))
}

/// The first instance loses its database for a few seconds while the second keeps writing. Meanwhile the first
/// answers 503 with `Retry-After` at once; afterwards it serves again, tells its WebSocket client of the change it
/// missed, pushes new ones live, and its listener sleeps instead of spinning.
#[test]
fn after_a_database_restart_an_instance_replays_what_it_missed_and_pushes_again() {
    if !postgres_only("the database restart test") {
        return;
    }
    if node_ready("@automerge/automerge-repo-network-websocket").is_none() {
        eprintln!("node is not installed: skipping the database restart test");
        return;
    }
    let database = SeededDatabase::create(|_| {});
    let relay = DatabaseRelay::in_front_of(database.database.url());
    let first = ServerProcess::start_on(&database, &relay.url_through(database.database.url()));
    let second = ServerProcess::start(&database);
    let cooperative = database.cooperative_id(Fixture::HaishuFruit);
    let document = DocumentId::from_uuid(cooperative).to_string();
    let token = access_token(&first.address, Persona::SupervisorHaishu);
    let mut phone = second.phone(Persona::CounsellorHaishu);
    phone.pull().expect("pull");

    let hears_the_missed_visit = js_client_waiting(&first.address, &token, &document, 1);
    std::thread::sleep(Duration::from_millis(1500));
    relay.cut();

    let asked = Instant::now();
    let refused = list_cooperatives(&first.address, &token);
    let waited = asked.elapsed();
    assert_eq!(
        refused.status,
        503,
        "{}",
        String::from_utf8_lossy(&refused.body)
    );
    assert!(
        refused.header("Retry-After").is_some(),
        "a 503 says when to retry"
    );
    let problem: hezuo_mobile_api::Problem =
        serde_json::from_slice(&refused.body).expect("problem");
    assert_eq!(
        problem.code,
        hezuo_mobile_api::ErrorCode::ServiceUnavailable
    );
    assert!(
        waited < Duration::from_secs(10),
        "the request is not held for the pool's 10 s timeout (waited {waited:?})"
    );
    let again = list_cooperatives(&first.address, &token);
    assert_eq!(again.status, 503);
    eprintln!("database down: first answer after {waited:?}");

    phone
        .new_visit(cooperative, visit("库断时所记"))
        .expect("visit");
    phone.sync().expect("the second instance still writes");
    std::thread::sleep(Duration::from_millis(500));
    relay.restore();
    let restored = Instant::now();

    let pushed = js_result(hears_the_missed_visit);
    assert_eq!(
        pushed["status"], "ok",
        "the missed change is announced after the restart: {pushed}"
    );
    assert_eq!(pushed["notes"][0], "库断时所记");
    eprintln!(
        "the missed change reached the client {:?} after the restart",
        restored.elapsed()
    );

    let deadline = Instant::now() + Duration::from_secs(30);
    while list_cooperatives(&first.address, &token).status != 200 {
        assert!(Instant::now() < deadline, "the first instance serves again");
        std::thread::sleep(Duration::from_millis(200));
    }

    let hears_live = js_client_waiting(&first.address, &token, &document, 2);
    std::thread::sleep(Duration::from_millis(1500));
    phone
        .new_visit(cooperative, visit("恢复后所记"))
        .expect("visit");
    phone.sync().expect("sync");
    let live = js_result(hears_live);
    assert_eq!(
        live["status"], "ok",
        "live push works after the restart: {live}"
    );

    let pid = first.pid().expect("running");
    let before = cpu_seconds(pid);
    std::thread::sleep(Duration::from_secs(3));
    let used = cpu_seconds(pid) - before;
    assert!(
        used < 0.5,
        "an idle instance uses next to no CPU after the restart ({used:.2} s of CPU in 3 s)"
    );
}

/// Backends terminated again and again under load (an administrator's `pg_terminate_backend`, a crashing backend):
/// every request answers 200 or 503, never 500, and every visit a phone was told is stored is there afterwards.
#[test]
fn terminated_backends_answer_only_503_and_lose_nothing() {
    if !postgres_only("the terminated backends test") {
        return;
    }
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let token = access_token(&app.address, Persona::SupervisorHaishu);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let statuses = std::sync::Arc::new(std::sync::Mutex::new(BTreeMap::<u16, usize>::new()));

    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (address, token, stop, statuses) = (
                app.address.clone(),
                token.clone(),
                stop.clone(),
                statuses.clone(),
            );
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let status = list_cooperatives(&address, &token).status;
                    *statuses
                        .lock()
                        .expect("statuses")
                        .entry(status)
                        .or_default() += 1;
                }
            })
        })
        .collect();
    let writer = {
        let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
        let (stop, statuses) = (stop.clone(), statuses.clone());
        std::thread::spawn(move || {
            let mut written: i64 = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                phone
                    .new_visit(cooperative, visit(&format!("第{written}次")))
                    .expect("visit");
                written += 1;
                let status = match phone.sync() {
                    Ok(_) => 200,
                    Err(ClientError::Api(problem)) => problem.status,
                    Err(other) => panic!("sync: {other:?}"),
                };
                *statuses
                    .lock()
                    .expect("statuses")
                    .entry(status)
                    .or_default() += 1;
            }
            (phone, written)
        })
    };

    let mut terminated = 0;
    for _ in 0..15 {
        std::thread::sleep(Duration::from_millis(200));
        terminated += app.database.terminate_backends();
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for reader in readers {
        reader.join().expect("reader");
    }
    let (mut phone, written) = writer.join().expect("writer");
    let statuses = statuses.lock().expect("statuses").clone();
    eprintln!("terminated {terminated} backends; answers by status: {statuses:?}");
    assert!(terminated > 0, "backends were terminated");
    assert!(
        statuses.keys().all(|status| matches!(status, 200 | 503)),
        "only 200 and 503: {statuses:?}"
    );

    // Once the database is left alone, the phone's every visit is stored.
    let deadline = Instant::now() + Duration::from_secs(30);
    while phone.sync().is_err() {
        assert!(Instant::now() < deadline, "the server recovers");
        std::thread::sleep(Duration::from_millis(200));
    }
    use diesel::prelude::*;
    use hezuo_server::db::schema::visits;
    let stored: i64 = visits::table
        .filter(visits::cooperative_id.eq(cooperative.to_string()))
        .count()
        .get_result(&mut app.pool.get().expect("connection"))
        .expect("count");
    assert_eq!(stored, written, "no visit is lost");
}

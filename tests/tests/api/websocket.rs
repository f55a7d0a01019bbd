//! An unmodified automerge-repo JavaScript client (the npm packages `@automerge/automerge-repo` and
//! `@automerge/automerge-repo-network-websocket`) syncs a cooperative document through the WebSocket endpoint with a
//! valid token, is refused without one, and sees documents of its own regions only. Needs `node`; the packages are
//! installed into `tests/js` on first use (CI installs them before the suite).

use std::process::{Child, Command, Stdio};

use hezuo_sync::DocumentId;
use hezuo_sync::model::Visit;
use hezuo_tests::{Fixture, Persona, TestApp};

use crate::{js_dir, node_ready};

fn client(url: &str, document: &str, visits: usize, timeout_ms: u64) -> Child {
    Command::new("node")
        .arg(js_dir().join("sync-client.mjs"))
        .args([url, document, &visits.to_string(), &timeout_ms.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start node")
}

fn result(child: Child) -> serde_json::Value {
    let output = child.wait_with_output().expect("node finished");
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("{}"))
        .unwrap_or_else(|_| panic!("unexpected output: {text}"))
}

fn ws_url(app: &TestApp, token: Option<&str>) -> String {
    let base = app.address.replace("http://", "ws://");
    match token {
        Some(token) => format!("{base}/api/v1/sync/ws?token={token}"),
        None => format!("{base}/api/v1/sync/ws"),
    }
}

#[test]
fn a_js_automerge_repo_client_syncs_with_a_token_and_hears_new_work() {
    if node_ready("@automerge/automerge-repo-network-websocket").is_none() {
        eprintln!("node is not installed: skipping the automerge-repo interop test");
        return;
    }
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let document = DocumentId::from_uuid(cooperative).to_string();
    let mut phone = app.pulled_phone(Persona::CounsellorHaishu);
    phone
        .new_visit(
            cooperative,
            Visit {
                notes: Some("第一次".into()),
                ..Default::default()
            },
        )
        .expect("visit");
    phone.sync().expect("sync");

    // A supervisor's browser, logged in without a registered device: reads.
    let token = app.login(Persona::SupervisorHaishu).access_token;
    let found = result(client(&ws_url(&app, Some(&token)), &document, 1, 20_000));
    assert_eq!(found["status"], "ok", "{found}");
    assert_eq!(found["cooperative_id"], cooperative.to_string());
    assert_eq!(found["notes"][0], "第一次");

    // A connected client is pushed a change another device syncs meanwhile.
    let waiting = client(&ws_url(&app, Some(&token)), &document, 2, 30_000);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    phone
        .new_visit(
            cooperative,
            Visit {
                notes: Some("第二次".into()),
                ..Default::default()
            },
        )
        .expect("visit");
    phone.sync().expect("sync");
    let pushed = result(waiting);
    assert_eq!(pushed["status"], "ok", "{pushed}");
    assert_eq!(pushed["visits"], 2);
}

#[test]
fn without_a_token_or_outside_the_region_the_js_client_gets_nothing() {
    if node_ready("@automerge/automerge-repo-network-websocket").is_none() {
        eprintln!("node is not installed: skipping the automerge-repo interop test");
        return;
    }
    let app = TestApp::spawn();
    let document = DocumentId::from_uuid(app.cooperative_id(Fixture::HaishuFruit)).to_string();

    let anonymous = result(client(&ws_url(&app, None), &document, 0, 6_000));
    assert_ne!(anonymous["status"], "ok", "{anonymous}");
    let forged = result(client(
        &ws_url(&app, Some("not-a-token")),
        &document,
        0,
        6_000,
    ));
    assert_ne!(forged["status"], "ok", "{forged}");

    let foreign_token = app.login(Persona::CounsellorXiangshan).access_token;
    let foreign = result(client(
        &ws_url(&app, Some(&foreign_token)),
        &document,
        0,
        10_000,
    ));
    assert_ne!(foreign["status"], "ok", "{foreign}");
}

#[test]
fn a_client_on_one_instance_hears_a_change_synced_through_another() {
    if node_ready("@automerge/automerge-repo-network-websocket").is_none() {
        eprintln!("node is not installed: skipping the automerge-repo interop test");
        return;
    }
    if std::env::var("HEZUO_TEST_POSTGRES_URL").is_err() {
        eprintln!(
            "several instances share PostgreSQL only: skipping the cross-instance push test on SQLite"
        );
        return;
    }
    let database = hezuo_tests::SeededDatabase::create(|_| {});
    let first = hezuo_tests::ServerProcess::start(&database);
    let second = hezuo_tests::ServerProcess::start(&database);
    let cooperative = database.cooperative_id(Fixture::HaishuFruit);
    let document = DocumentId::from_uuid(cooperative).to_string();
    let token = hezuo_mobile_api::client::ApiClient::new(&first.address)
        .login(
            Persona::SupervisorHaishu.username(),
            hezuo_tests::PASSWORD,
            None,
        )
        .expect("login")
        .access_token;
    let url = format!(
        "{}/api/v1/sync/ws?token={token}",
        first.address.replace("http://", "ws://")
    );
    let waiting = client(&url, &document, 1, 30_000);
    std::thread::sleep(std::time::Duration::from_millis(1500));

    let mut phone = second.phone(Persona::CounsellorHaishu);
    phone.pull().expect("pull");
    phone
        .new_visit(
            cooperative,
            Visit {
                notes: Some("经二号实例".into()),
                ..Default::default()
            },
        )
        .expect("visit");
    phone.sync().expect("sync");
    let pushed = result(waiting);
    assert_eq!(pushed["status"], "ok", "{pushed}");
    assert_eq!(pushed["notes"][0], "经二号实例");
}

/// Issue 17: a stock automerge-repo client on a registered device writes a profile field over WebSocket. Its actor is
/// its own choice (bound to the device on first use), and automerge 3 stores the string as a text object: the change
/// is accepted, projected, and attributed to that device. The same actor from another device stays refused.
#[test]
fn a_stock_js_client_with_a_registered_device_writes_and_the_change_is_its_devices() {
    use diesel::prelude::*;
    use hezuo_server::db::schema::{device_actors, document_changes};
    if node_ready("@automerge/automerge-repo-network-websocket").is_none() {
        eprintln!("node is not installed: skipping the automerge-repo interop test");
        return;
    }
    let app = TestApp::spawn();
    let cooperative = app.cooperative_id(Fixture::HaishuFruit);
    let document = DocumentId::from_uuid(cooperative).to_string();
    let phone = app.phone(Persona::CounsellorHaishu);
    let session = phone.session().expect("session");
    let device = session.device.clone().expect("a registered device");

    let mut writer = Command::new("node")
        .arg(js_dir().join("write-client.mjs"))
        .args([
            &ws_url(&app, session.access_token.as_deref()),
            &document,
            "contact_phone",
            "13712345678",
            "30000",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start node");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(writer.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("read");
    let written: serde_json::Value = serde_json::from_str(&line).expect("json line");
    assert_eq!(written["status"], "written", "{line}");
    let actor = written["actor"].as_str().expect("actor").to_owned();

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let stored = loop {
        let rows: Vec<Option<String>> = document_changes::table
            .filter(document_changes::cooperative_id.eq(cooperative.to_string()))
            .filter(document_changes::actor.eq(&actor))
            .select(document_changes::device_id)
            .load(&mut app.conn())
            .expect("changes");
        if !rows.is_empty() || std::time::Instant::now() > deadline {
            break rows;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    drop(writer.stdin.take());
    let _ = writer.wait();
    assert_eq!(
        stored,
        vec![Some(device.id.to_string())],
        "the change is the device's"
    );
    let bound: String = device_actors::table
        .find(&actor)
        .select(device_actors::device_id)
        .first(&mut app.conn())
        .expect("the actor is bound");
    assert_eq!(bound, device.id.to_string());
    let profile: String = hezuo_server::db::schema::cooperative_profiles::table
        .find(cooperative.to_string())
        .select(hezuo_server::db::schema::cooperative_profiles::data)
        .first(&mut app.conn())
        .expect("projected profile");
    assert!(profile.contains("13712345678"), "{profile}");

    // Another counsellor's device cannot write under that actor: refused as someone else's.
    let other = crate::sync::another_haishu_counsellor(&app, "counsellor.haishu.thief");
    let thief = crate::sync_refusals::raw_device(&app, &other);
    let mut doc = hezuo_sync::document::genesis(cooperative)
        .with_actor(automerge::ActorId::from(hex_bytes(&actor)));
    let profile = hezuo_sync::model::Profile {
        contact_phone: Some("10000000000".to_owned()),
        ..Default::default()
    };
    hezuo_sync::document::put_profile(&mut doc, &profile, 1).expect("save");
    let reply = crate::sync_refusals::push(&thief, cooperative, &doc);
    let error = reply.error.expect("refused");
    assert_eq!(error.code, "refused");
    assert!(
        error.message_zh.contains("不是本设备"),
        "{}",
        error.message_zh
    );
}

fn hex_bytes(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

//! `hezuo-field`, the command-line phone, against the real server.

use std::process::{Command, Output};

use hezuo_tests::{Fixture, PASSWORD, TestApp, workspace_binary};

fn field(app: &TestApp, dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(workspace_binary("hezuo-field"))
        .arg("--dir")
        .arg(dir)
        .args(args)
        .env("HEZUO_SERVER", &app.address)
        .env("HEZUO_PASSWORD", PASSWORD)
        .output()
        .expect("run hezuo-field")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "hezuo-field failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_cli_phone_logs_in_downloads_and_searches_offline() {
    let app = TestApp::spawn();
    let dir = tempfile::tempdir().expect("dir");
    let login = stdout(&field(
        &app,
        dir.path(),
        &[
            "login",
            "--username",
            "counsellor.haishu",
            "--device-name",
            "CLI 手机",
        ],
    ));
    assert!(login.contains("已登录"), "{login}");
    assert!(login.contains("actor"), "{login}");

    let whoami = stdout(&field(&app, dir.path(), &["whoami"]));
    assert!(
        whoami.contains("counsellor.haishu") && whoami.contains("330203"),
        "{whoami}"
    );

    let online = stdout(&field(&app, dir.path(), &["coops", "list", "--q", "果蔬"]));
    assert!(online.contains(Fixture::HaishuFruit.name()), "{online}");

    let download = stdout(&field(&app, dir.path(), &["coops", "download"]));
    assert!(download.contains("2"), "{download}");
    drop(app);

    let dir_path = dir.path().to_owned();
    let offline = Command::new(workspace_binary("hezuo-field"))
        .arg("--dir")
        .arg(&dir_path)
        .args(["coops", "list", "--offline", "--q", "水稻"])
        .output()
        .expect("run");
    let offline = stdout(&offline);
    assert!(offline.contains(Fixture::HaishuRice.name()), "{offline}");
    assert!(!offline.contains(Fixture::HaishuFruit.name()), "{offline}");

    // Online commands without a server fail, saying to retry later.
    let failed = Command::new(workspace_binary("hezuo-field"))
        .arg("--dir")
        .arg(&dir_path)
        .args(["whoami"])
        .output()
        .expect("run");
    assert!(!failed.status.success());
    assert!(String::from_utf8_lossy(&failed.stderr).contains("稍后重试"));
}

#[test]
fn a_wrong_password_fails_with_the_servers_message() {
    let app = TestApp::spawn();
    let dir = tempfile::tempdir().expect("dir");
    let output = Command::new(workspace_binary("hezuo-field"))
        .arg("--dir")
        .arg(dir.path())
        .args(["login", "--username", "counsellor.haishu"])
        .env("HEZUO_SERVER", &app.address)
        .env("HEZUO_PASSWORD", "wrong-password")
        .output()
        .expect("run");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("用户名或密码错误"));
}

#[test]
fn a_counsellors_day_with_the_cli_phone() {
    let app = TestApp::spawn();
    let dir = tempfile::tempdir().expect("dir");
    stdout(&field(
        &app,
        dir.path(),
        &["login", "--username", "counsellor.haishu"],
    ));
    let pulled = stdout(&field(&app, dir.path(), &["pull"]));
    assert!(pulled.contains("共 2 家"), "{pulled}");

    // Offline: a visit from a TOML file plus flags, found by part of the cooperative's name.
    let form = dir.path().join("visit.toml");
    std::fs::write(
        &form,
        "notes = \"理事长在场，账簿齐全\"\n\n[membership]\nmembers_total = 126\nmembers_farmer = 118\n\n[finance]\nmember_accounts = true\n",
    )
    .expect("write");
    let created = stdout(&field(
        &app,
        dir.path(),
        &[
            "visit",
            "new",
            "果蔬",
            "--file",
            form.to_str().expect("utf-8"),
            "--type",
            "baseline",
            "--date",
            "2026-11-20",
        ],
    ));
    let visit_id = created.split_whitespace().last().expect("id").to_owned();
    let listed = stdout(&field(&app, dir.path(), &["list", "--visits"]));
    assert!(
        listed.contains(&visit_id) && listed.contains("摸底排查") && listed.contains("待同步"),
        "{listed}"
    );
    let status = stdout(&field(&app, dir.path(), &["status"]));
    assert!(status.contains("未同步 1 条"), "{status}");

    // An unknown field in the form is refused, not silently dropped.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"membership": {"members_totl": 3}}"#).expect("write");
    let refused = field(
        &app,
        dir.path(),
        &[
            "visit",
            "new",
            "果蔬",
            "--file",
            bad.to_str().expect("utf-8"),
        ],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("members_totl"));

    // Photos of the sign and the ledger, attached offline.
    let cooperative = app.cooperative_id(Fixture::HaishuFruit).to_string();
    let sign = crate::photos::fixture("sign.jpg");
    let ledger = crate::photos::fixture("ledger-rotated.jpg");
    let attached = stdout(&field(
        &app,
        dir.path(),
        &[
            "visit",
            "photo",
            "add",
            &cooperative,
            &visit_id,
            sign.to_str().expect("utf-8"),
            ledger.to_str().expect("utf-8"),
            "--caption",
            "招牌与账簿",
        ],
    ));
    assert!(attached.contains("已添加 2 张照片"), "{attached}");
    let status = stdout(&field(&app, dir.path(), &["status"]));
    assert!(status.contains("待上传照片 2 张"), "{status}");

    // One sync sends the visit, then the photos.
    let synced = stdout(&field(&app, dir.path(), &["sync"]));
    assert!(synced.contains("上传 1 份"), "{synced}");
    assert!(synced.contains("照片上传 2 张，剩余 0 张"), "{synced}");
    let status = stdout(&field(&app, dir.path(), &["status"]));
    assert!(status.contains("待上传照片 0 张"), "{status}");
    stdout(&field(
        &app,
        dir.path(),
        &["submit", &cooperative, &visit_id],
    ));
    stdout(&field(&app, dir.path(), &["sync", "--watch"]));
    let status = stdout(&field(&app, dir.path(), &["status"]));
    assert!(status.contains("未同步 0 条"), "{status}");

    use diesel::prelude::*;
    use hezuo_server::db::schema::visits;
    let (state, data): (String, String) = visits::table
        .find(&visit_id)
        .select((visits::status, visits::data))
        .first(&mut app.conn())
        .expect("on the server");
    assert_eq!(state, "submitted");
    assert!(data.contains("\"members_total\":126"), "{data}");
    let photos = app
        .client(hezuo_tests::Persona::SupervisorHaishu)
        .visit_photos(uuid::Uuid::parse_str(&visit_id).expect("uuid"))
        .expect("photos");
    assert_eq!((photos.expected, photos.received), (2, 2));

    // A reviewer returns it; the CLI phone lists it as a task, the counsellor fixes it and submits it again.
    let visit = uuid::Uuid::parse_str(&visit_id).expect("uuid");
    let township = app.client(hezuo_tests::Persona::TownshipGaoqiao);
    let version = township.visit_review(visit).expect("review").review.version;
    township
        .decide_visit(
            visit,
            "return",
            &hezuo_mobile_api::reviews::ReviewDecision {
                note: Some("请补充成员名册照片".into()),
                version: Some(version),
                ..Default::default()
            },
        )
        .expect("return");
    let no_tasks = stdout(&field(&app, dir.path(), &["tasks"]));
    assert!(no_tasks.contains("没有退回"), "not synced yet: {no_tasks}");
    stdout(&field(&app, dir.path(), &["sync"]));
    let tasks = stdout(&field(&app, dir.path(), &["tasks"]));
    assert!(
        tasks.contains(&visit_id)
            && tasks.contains("请补充成员名册照片")
            && tasks.contains("退回修改"),
        "{tasks}"
    );
    let fix = dir.path().join("fix.toml");
    std::fs::write(&fix, "[membership]\nmembers_total = 130\n").expect("write");
    stdout(&field(
        &app,
        dir.path(),
        &[
            "visit",
            "edit",
            &cooperative,
            &visit_id,
            "--file",
            fix.to_str().expect("utf-8"),
        ],
    ));
    stdout(&field(
        &app,
        dir.path(),
        &["submit", &cooperative, &visit_id],
    ));
    stdout(&field(&app, dir.path(), &["sync"]));
    let tasks = stdout(&field(&app, dir.path(), &["tasks"]));
    assert!(tasks.contains("没有退回"), "{tasks}");
    let review = township.visit_review(visit).expect("review").review;
    assert_eq!(review.pending_reason.as_deref(), Some("resubmitted"));
}

#[test]
fn the_cli_phone_shows_a_star_awarded_then_revoked() {
    use crate::stars::{at_level, decision, filed_for_haishu_fruit, score_manual_in_full};
    use hezuo_mobile_api::stars::RecordStarEvent;
    use hezuo_tests::Persona;

    let (app, _phone, cooperative, filed) = filed_for_haishu_fruit();
    let county = app.client(Persona::SupervisorHaishu);
    let scored = score_manual_in_full(&county, &filed);
    let at_county = county
        .review_application(scored.id, &decision(&scored, "confirm"))
        .expect("county");
    app.client(Persona::Admin)
        .review_application(scored.id, &at_level(&at_county, "city"))
        .expect("city");

    let dir = tempfile::tempdir().expect("dir");
    stdout(&field(
        &app,
        dir.path(),
        &["login", "--username", "counsellor.haishu"],
    ));
    stdout(&field(&app, dir.path(), &["pull"]));
    stdout(&field(&app, dir.path(), &["sync"]));
    let held = stdout(&field(&app, dir.path(), &["stars"]));
    assert!(
        held.contains(&cooperative.to_string())
            && held.contains("★★★★")
            && held.contains("2026年度星级评定：4星级"),
        "{held}"
    );

    county
        .record_star_event(
            cooperative,
            &RecordStarEvent {
                cause: "major_safety_accident".to_owned(),
                occurred_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 20).expect("day"),
                description: "仓库火灾致人重伤".to_owned(),
                source: "应急管理局通报".to_owned(),
            },
        )
        .expect("revocation");
    let before_sync = stdout(&field(&app, dir.path(), &["stars"]));
    assert!(
        before_sync.contains("★★★★"),
        "as of the last sync: {before_sync}"
    );
    stdout(&field(&app, dir.path(), &["sync"]));
    let revoked = stdout(&field(&app, dir.path(), &["stars"]));
    assert!(
        revoked.contains("已撤销")
            && revoked.contains("仓库火灾致人重伤")
            && revoked.contains("前不得申报")
            && !revoked.contains("★"),
        "{revoked}"
    );
}

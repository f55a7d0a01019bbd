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

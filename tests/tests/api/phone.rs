//! The phone SDK as an app uses it: log in once, keep working across app restarts and token expiry, search the
//! registry without a link.

use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::RegionCode;
use hezuo_mobile_api::client::{ClientError, Phone};
use hezuo_tests::{Fixture, PASSWORD, Persona, TestApp, phone_info};

use crate::code_of;

#[test]
fn a_counsellor_logs_in_registers_the_phone_and_lists_their_cooperatives() {
    let app = TestApp::spawn();
    let mut phone = app.new_phone();
    let session = phone
        .login(&app.address, "counsellor.haishu", PASSWORD)
        .expect("login")
        .clone();
    let device = session.device.clone().expect("registered on first login");
    assert_eq!(device.platform, "android");
    assert_eq!(device.name, "测试手机");

    let page = phone.list_cooperatives(&Default::default()).expect("list");
    let mut names: Vec<String> = page.items.into_iter().map(|c| c.name).collect();
    names.sort();
    let mut expected = vec![
        Fixture::HaishuRice.name().to_owned(),
        Fixture::HaishuFruit.name().to_owned(),
    ];
    expected.sort();
    assert_eq!(names, expected);
    let me = phone.me().expect("me");
    assert_eq!(me.device.map(|d| d.actor_id), Some(device.actor_id));
}

#[test]
fn the_session_survives_an_app_restart_and_the_next_login_keeps_the_device() {
    let app = TestApp::spawn();
    let dir = tempfile::tempdir().expect("dir");
    let device = {
        let mut phone = Phone::open(dir.path(), phone_info()).expect("open");
        phone
            .login(&app.address, "counsellor.haishu", PASSWORD)
            .expect("login");
        phone.device().cloned().expect("device")
    };
    // The app restarts.
    let mut phone = Phone::open(dir.path(), phone_info()).expect("reopen");
    assert_eq!(
        phone.me().expect("still logged in").user.username,
        "counsellor.haishu"
    );
    phone.logout().expect("logout");
    assert!(matches!(phone.me(), Err(ClientError::NotLoggedIn)));
    // Logging in again reuses the registration and its actor id.
    phone
        .login(&app.address, "counsellor.haishu", PASSWORD)
        .expect("login again");
    assert_eq!(
        phone.device().map(|d| (d.id, d.actor_id.clone())),
        Some((device.id, device.actor_id))
    );
    let devices = phone.list_devices().expect("devices");
    assert_eq!(devices.len(), 1);
}

#[test]
fn an_expired_access_token_is_refreshed_without_the_user_noticing() {
    let app = TestApp::spawn_with(|config| config.access_token_ttl_secs = 1);
    let mut phone = app.phone(Persona::CounsellorXiangshan);
    let before = phone.session().and_then(|s| s.refresh_token.clone());
    // With a 1 s lifetime the phone refreshes before every call; the calls keep working.
    for _ in 0..3 {
        assert_eq!(
            phone.me().expect("me").user.username,
            "counsellor.xiangshan"
        );
    }
    let after = phone.session().and_then(|s| s.refresh_token.clone());
    assert_ne!(before, after, "the refresh token rotated");
}

#[test]
fn the_registry_is_searchable_offline_after_download() {
    let app = TestApp::spawn();
    let mut phone = app.phone(Persona::CounsellorHaishu);
    let mut progress = Vec::new();
    let count = phone
        .download_registry(&mut |n| progress.push(n))
        .expect("download");
    assert_eq!(count, 2);
    assert_eq!(progress.last(), Some(&2));

    // The server goes away; the phone still finds cooperatives.
    drop(app);
    let by_name = phone.search_offline(Some("水稻"), None).expect("search");
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0].name, Fixture::HaishuRice.name());
    let code = Fixture::HaishuFruit.uscc();
    let by_code = phone
        .search_offline(Some(&code.as_str()[10..].to_lowercase()), None)
        .expect("search");
    assert_eq!(by_code.len(), 1);
    let region = RegionCode::parse("330203101").expect("code");
    assert_eq!(
        phone
            .search_offline(None, Some(&region))
            .expect("search")
            .len(),
        2
    );
    let elsewhere = RegionCode::parse("330203010").expect("code");
    assert!(
        phone
            .search_offline(None, Some(&elsewhere))
            .expect("search")
            .is_empty()
    );

    // Without a link, calls fail as retryable.
    let error = phone
        .list_cooperatives(&Default::default())
        .expect_err("no server");
    assert!(error.is_retryable(), "{error:?}");
}

#[test]
fn a_wrong_password_is_reported_in_the_phone_language() {
    let app = TestApp::spawn();
    let mut phone = app.new_phone();
    let error = phone
        .login(&app.address, "counsellor.haishu", "wrong")
        .expect_err("refused");
    assert_eq!(
        error.problem().map(|p| p.title.as_str()),
        Some("用户名或密码错误")
    );
    phone.set_language(hezuo_mobile_api::Lang::En);
    let error = phone
        .login(&app.address, "counsellor.haishu", "wrong")
        .expect_err("refused");
    assert_eq!(
        error.problem().map(|p| p.title.as_str()),
        Some("Wrong username or password")
    );
    assert!(!error.is_retryable());
    assert_eq!(code_of::<()>(Err(error)), ErrorCode::InvalidCredentials);
}

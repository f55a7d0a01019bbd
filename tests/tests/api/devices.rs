use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::client::ListParams;
use hezuo_mobile_api::devices::RegisterDeviceRequest;
use hezuo_tests::{PASSWORD, Persona, TestApp};

use crate::code_of;

fn request() -> RegisterDeviceRequest {
    RegisterDeviceRequest {
        name: "李四的华为 Mate 60".to_owned(),
        platform: "harmonyos".to_owned(),
        app_version: "1.2.0".to_owned(),
    }
}

#[test]
fn registering_binds_the_session_and_assigns_an_actor_id() {
    let app = TestApp::spawn();
    let client = app.client(Persona::CounsellorHaishu);
    let (device, created) = client.register_device(&request()).expect("register");
    assert!(created);
    assert_eq!(device.actor_id.len(), 32);
    assert!(hezuo_sync::ActorId::parse(&device.actor_id).is_ok());
    assert_eq!(device.username, "counsellor.haishu");
    let me = client.me().expect("me");
    assert_eq!(me.device.map(|d| d.id), Some(device.id));
}

#[test]
fn registering_again_from_the_same_session_returns_the_same_device() {
    let app = TestApp::spawn();
    let client = app.client(Persona::CounsellorHaishu);
    let (first, created) = client.register_device(&request()).expect("register");
    assert!(created);
    let (again, created_again) = client.register_device(&request()).expect("retry");
    assert!(!created_again);
    assert_eq!(again.id, first.id);
    assert_eq!(again.actor_id, first.actor_id);
    let devices = client.list_devices(&ListParams::default()).expect("list");
    assert_eq!(
        devices.items.len(),
        1,
        "a retry never creates a second device"
    );
}

#[test]
fn invalid_registrations_are_refused_with_field_errors() {
    let app = TestApp::spawn();
    let client = app.client(Persona::CounsellorHaishu);
    let bad = RegisterDeviceRequest {
        name: "   ".to_owned(),
        platform: "symbian".to_owned(),
        app_version: "1".to_owned(),
    };
    let error = client.register_device(&bad).expect_err("refused");
    let problem = error.problem().expect("problem");
    assert_eq!(problem.code, ErrorCode::ValidationFailed);
    let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, vec!["name", "platform"]);
}

#[test]
fn a_phone_logging_in_again_keeps_its_device_and_actor() {
    let app = TestApp::spawn();
    let first = app.client(Persona::CounsellorHaishu);
    let (device, _) = first.register_device(&request()).expect("register");
    let tokens = app
        .anonymous()
        .login(
            Persona::CounsellorHaishu.username(),
            PASSWORD,
            Some(device.id),
        )
        .expect("login with device");
    assert_eq!(tokens.device_id, Some(device.id));

    // Another user's device id is refused.
    assert_eq!(
        code_of(app.anonymous().login(
            Persona::CounsellorXiangshan.username(),
            PASSWORD,
            Some(device.id)
        )),
        ErrorCode::DeviceUnknown
    );
}

#[test]
fn a_supervisor_revokes_a_lost_phone_and_its_tokens_stop_working_at_once() {
    let app = TestApp::spawn();
    let mut phone = app.phone(Persona::CounsellorHaishu);
    let device = phone.device().cloned().expect("registered");
    assert!(phone.me().is_ok());

    let supervisor = app.client(Persona::SupervisorHaishu);
    let visible = supervisor
        .list_devices(&ListParams::default())
        .expect("list");
    assert!(
        visible.items.iter().any(|d| d.id == device.id),
        "the supervisor sees the counsellor's phone"
    );
    let revoked = supervisor
        .revoke_device(device.id, Some("手机丢失"))
        .expect("revoke");
    assert!(revoked.revoked_at.is_some());
    assert_eq!(revoked.revoke_reason.as_deref(), Some("手机丢失"));

    assert_eq!(code_of(phone.me()), ErrorCode::DeviceRevoked);
    // The phone forgot its tokens and knows why.
    assert!(!phone.session().expect("session").is_logged_in());
    assert!(phone.device().and_then(|d| d.revoked_at).is_some());
    // Logging in again with the revoked device id is refused.
    assert_eq!(
        code_of(app.anonymous().login(
            Persona::CounsellorHaishu.username(),
            PASSWORD,
            Some(device.id)
        )),
        ErrorCode::DeviceRevoked
    );
    // Revoking twice changes nothing.
    let again = supervisor
        .revoke_device(device.id, Some("再次"))
        .expect("idempotent");
    assert_eq!(again.revoked_at, revoked.revoked_at);
    assert_eq!(again.revoke_reason.as_deref(), Some("手机丢失"));
    // Revoked devices are listed only on request.
    let listed = supervisor
        .list_devices(&ListParams::default())
        .expect("list");
    assert!(listed.items.iter().all(|d| d.id != device.id));
    let with_revoked = supervisor
        .list_devices(&ListParams {
            include_revoked: true,
            ..ListParams::default()
        })
        .expect("list");
    assert!(with_revoked.items.iter().any(|d| d.id == device.id));
}

#[test]
fn the_phone_registers_a_new_device_after_its_old_one_was_revoked() {
    let app = TestApp::spawn();
    let mut phone = app.phone(Persona::CounsellorHaishu);
    let old = phone.device().cloned().expect("registered");
    app.client(Persona::Admin)
        .revoke_device(old.id, None)
        .expect("revoke");
    assert_eq!(code_of(phone.me()), ErrorCode::DeviceRevoked);
    let session = phone
        .login(&app.address, Persona::CounsellorHaishu.username(), PASSWORD)
        .expect("log in again");
    let new = session.device.clone().expect("new device");
    assert_ne!(new.id, old.id);
    assert_ne!(new.actor_id, old.actor_id);
}

#[test]
fn users_revoke_their_own_devices() {
    let app = TestApp::spawn();
    let lost = app.phone(Persona::CounsellorHaishu);
    let lost_id = lost.device().map(|d| d.id).expect("device");
    let mut other = app.phone(Persona::CounsellorHaishu);
    let revoked = other
        .revoke_device(lost_id, Some("换新手机"))
        .expect("own device");
    assert!(revoked.revoked_at.is_some());
    assert!(other.me().is_ok(), "the phone that revoked keeps working");
}

#[test]
fn devices_page_with_a_cursor() {
    let app = TestApp::spawn();
    for _ in 0..3 {
        app.phone(Persona::CounsellorXiangshan);
    }
    let admin = app.client(Persona::Admin);
    let first = admin
        .list_devices(&ListParams {
            limit: Some(2),
            ..ListParams::default()
        })
        .expect("page 1");
    assert_eq!(first.items.len(), 2);
    let second = admin
        .list_devices(&ListParams {
            limit: Some(2),
            cursor: first.next_cursor.clone(),
            ..ListParams::default()
        })
        .expect("page 2");
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.next_cursor, None);
    assert!(
        second
            .items
            .iter()
            .all(|d| first.items.iter().all(|f| f.id != d.id))
    );
}

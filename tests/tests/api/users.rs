use hezuo_mobile_api::users::{CreateUserRequest, Role, UpdateUserRequest};
use hezuo_mobile_api::{ErrorCode, RegionCode};
use hezuo_tests::{Persona, TestApp};

use crate::code_of;

fn counsellor(username: &str, regions: &[&str]) -> CreateUserRequest {
    CreateUserRequest {
        username: username.to_owned(),
        display_name: "张三".to_owned(),
        role: Role::Counsellor,
        password: "zhangsan-2026".to_owned(),
        region_codes: regions
            .iter()
            .map(|r| RegionCode::parse(r).expect("code"))
            .collect(),
        phone: Some("13800000000".to_owned()),
    }
}

#[test]
fn an_admin_creates_a_counsellor_who_then_works_in_their_township() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let created = admin
        .create_user(&counsellor("Zhang.San", &["330203101"]))
        .expect("create");
    assert_eq!(created.username, "zhang.san");
    assert_eq!(created.regions.len(), 1);
    assert_eq!(created.regions[0].name, "高桥镇");

    // The new counsellor logs in from a phone and sees the cooperatives of 高桥镇 only.
    let mut phone = app.new_phone();
    phone
        .login(&app.address, "zhang.san", "zhangsan-2026")
        .expect("login");
    let page = phone.list_cooperatives(&Default::default()).expect("list");
    assert_eq!(
        page.items.len(),
        2,
        "both 海曙 fixtures are in a 高桥镇 village"
    );

    // The 海曙 supervisor manages them; the 象山 one does not even see them.
    let supervisor = app.client(Persona::SupervisorHaishu);
    assert_eq!(
        supervisor.get_user(created.id).expect("visible").username,
        "zhang.san"
    );
    let foreign = app.client(Persona::SupervisorXiangshan);
    assert_eq!(code_of(foreign.get_user(created.id)), ErrorCode::NotFound);
}

#[test]
fn account_rules_are_enforced() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    assert_eq!(
        code_of(admin.create_user(&counsellor("counsellor.haishu", &["330203"]))),
        ErrorCode::UsernameTaken
    );
    assert_eq!(
        code_of(admin.create_user(&counsellor("no.region", &[]))),
        ErrorCode::ValidationFailed
    );
    assert_eq!(
        code_of(admin.create_user(&counsellor("far.away", &["110101"]))),
        ErrorCode::RegionUnknown
    );
    let mut short = counsellor("short.password", &["330203"]);
    short.password = "short".to_owned();
    let problem = admin
        .create_user(&short)
        .expect_err("short")
        .problem()
        .cloned()
        .expect("problem");
    assert_eq!(problem.errors[0].field, "password");
    let mut bad_name = counsellor("张三", &["330203"]);
    bad_name.username = "张三".to_owned();
    assert_eq!(
        code_of(admin.create_user(&bad_name)),
        ErrorCode::ValidationFailed
    );
}

#[test]
fn admins_cannot_lock_themselves_out() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let me = app.user_id(Persona::Admin);
    let disable = UpdateUserRequest {
        is_active: Some(false),
        ..Default::default()
    };
    assert_eq!(
        code_of(admin.update_user(me, &disable)),
        ErrorCode::ValidationFailed
    );
    let demote = UpdateUserRequest {
        role: Some(Role::Viewer),
        ..Default::default()
    };
    assert_eq!(
        code_of(admin.update_user(me, &demote)),
        ErrorCode::ValidationFailed
    );
}

#[test]
fn reassigning_regions_changes_what_a_counsellor_sees_at_once() {
    let app = TestApp::spawn();
    let counsellor = app.client(Persona::CounsellorHaishu);
    assert_eq!(
        counsellor
            .list_cooperatives(&Default::default())
            .expect("list")
            .items
            .len(),
        2
    );
    let admin = app.client(Persona::Admin);
    let moved = admin
        .update_user(
            app.user_id(Persona::CounsellorHaishu),
            &UpdateUserRequest {
                region_codes: Some(vec![RegionCode::parse("330225").expect("code")]),
                ..Default::default()
            },
        )
        .expect("reassign");
    assert_eq!(moved.regions[0].code.as_str(), "330225");
    let names: Vec<String> = counsellor
        .list_cooperatives(&Default::default())
        .expect("list")
        .items
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(
        names,
        vec![hezuo_tests::Fixture::XiangshanFishery.name().to_owned()]
    );
}

#[test]
fn a_new_password_ends_existing_sessions() {
    let app = TestApp::spawn();
    let counsellor = app.client(Persona::CounsellorXiangshan);
    let admin = app.client(Persona::Admin);
    admin
        .update_user(
            app.user_id(Persona::CounsellorXiangshan),
            &UpdateUserRequest {
                password: Some("a-brand-new-password".to_owned()),
                ..Default::default()
            },
        )
        .expect("reset");
    assert_eq!(code_of(counsellor.me()), ErrorCode::SessionRevoked);
    assert!(
        app.anonymous()
            .login("counsellor.xiangshan", "a-brand-new-password", None)
            .is_ok()
    );
}

#[test]
fn users_are_listed_by_role_region_and_text() {
    let app = TestApp::spawn();
    let admin = app.client(Persona::Admin);
    let usernames = |query: &[(&str, &str)]| -> Vec<String> {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut names: Vec<String> = admin
            .list_users(&query)
            .expect("list")
            .items
            .into_iter()
            .map(|u| u.username)
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        usernames(&[("role", "supervisor")]),
        vec![
            "supervisor.haishu",
            "supervisor.xiangshan",
            "township.gaoqiao",
            "township.jishigang"
        ]
    );
    assert_eq!(
        usernames(&[("region", "330225")]),
        vec!["counsellor.xiangshan", "supervisor.xiangshan"]
    );
    assert_eq!(usernames(&[("q", "viewer")]), vec!["viewer.haishu"]);
    assert_eq!(
        usernames(&[("region", "330200"), ("role", "counsellor")]),
        vec!["counsellor.haishu", "counsellor.xiangshan"]
    );
}

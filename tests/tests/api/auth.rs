use std::time::Duration;

use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::client::ApiClient;
use hezuo_tests::{PASSWORD, Persona, TestApp};

use crate::code_of;

#[test]
fn login_returns_tokens_and_the_account() {
    let app = TestApp::spawn();
    let tokens = app.login(Persona::CounsellorHaishu);
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, 900);
    assert!(tokens.refresh_token.starts_with("hzr_"));
    assert_eq!(tokens.user.username, "counsellor.haishu");
    assert_eq!(tokens.user.regions.len(), 1);
    assert_eq!(tokens.user.regions[0].name, "海曙区");
    assert_eq!(tokens.device_id, None);

    let mut client = app.anonymous();
    client.set_token(Some(tokens.access_token));
    let me = client.me().expect("me");
    assert_eq!(me.user.username, "counsellor.haishu");
    assert_eq!(me.session_id, tokens.session_id);
}

#[test]
fn usernames_are_case_insensitive_and_wrong_passwords_are_refused() {
    let app = TestApp::spawn();
    let client = app.anonymous();
    assert!(client.login("Counsellor.Haishu", PASSWORD, None).is_ok());
    assert_eq!(
        code_of(client.login("counsellor.haishu", "wrong-password", None)),
        ErrorCode::InvalidCredentials
    );
    assert_eq!(
        code_of(client.login("nobody.here", PASSWORD, None)),
        ErrorCode::InvalidCredentials
    );
}

#[test]
fn repeated_failures_lock_the_account_for_a_while() {
    let app = TestApp::spawn_with(|config| {
        config.login_max_failures = 3;
        config.login_lockout_secs = 600;
    });
    let client = app.anonymous();
    let user = Persona::CounsellorHaishu.username();
    assert_eq!(
        code_of(client.login(user, "wrong-1", None)),
        ErrorCode::InvalidCredentials
    );
    assert_eq!(
        code_of(client.login(user, "wrong-2", None)),
        ErrorCode::InvalidCredentials
    );
    let locked = client
        .login(user, "wrong-3", None)
        .expect_err("third failure locks");
    let problem = locked.problem().expect("problem");
    assert_eq!(problem.code, ErrorCode::AccountLocked);
    assert_eq!(problem.status, 429);
    assert!(problem.retry_after_secs.is_some_and(|s| s > 500));
    // Even the right password is refused while locked.
    assert_eq!(
        code_of(client.login(user, PASSWORD, None)),
        ErrorCode::AccountLocked
    );
    // Other accounts are unaffected.
    assert!(
        client
            .login(Persona::CounsellorXiangshan.username(), PASSWORD, None)
            .is_ok()
    );

    // An admin unlocks it.
    let admin = app.client(Persona::Admin);
    let id = app.user_id(Persona::CounsellorHaishu);
    let unlocked = admin
        .update_user(
            id,
            &hezuo_mobile_api::users::UpdateUserRequest {
                unlock: true,
                ..Default::default()
            },
        )
        .expect("unlock");
    assert_eq!(unlocked.locked_until, None);
    assert!(client.login(user, PASSWORD, None).is_ok());
}

#[test]
fn a_success_resets_the_failure_count() {
    let app = TestApp::spawn_with(|config| config.login_max_failures = 2);
    let client = app.anonymous();
    let user = Persona::CounsellorHaishu.username();
    assert_eq!(
        code_of(client.login(user, "wrong", None)),
        ErrorCode::InvalidCredentials
    );
    assert!(client.login(user, PASSWORD, None).is_ok());
    assert_eq!(
        code_of(client.login(user, "wrong", None)),
        ErrorCode::InvalidCredentials
    );
    assert!(
        client.login(user, PASSWORD, None).is_ok(),
        "one failure after a success does not lock"
    );
}

#[test]
fn logins_are_throttled_per_address() {
    let app = TestApp::spawn_with(|config| config.login_rate_limit_per_minute = 3);
    let client = app.anonymous();
    for _ in 0..3 {
        let _ = client.login("someone", "guess", None);
    }
    let error = client
        .login(Persona::Admin.username(), PASSWORD, None)
        .expect_err("throttled");
    let problem = error.problem().expect("problem");
    assert_eq!(problem.code, ErrorCode::RateLimited);
    assert!(problem.retry_after_secs.is_some());
    assert!(error.is_retryable());
}

#[test]
fn refresh_rotates_and_each_token_works_once() {
    let app = TestApp::spawn();
    let client = app.anonymous();
    let first = app.login(Persona::CounsellorHaishu);
    let second = client.refresh(&first.refresh_token).expect("refresh");
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(second.session_id, first.session_id);
    let third = client
        .refresh(&second.refresh_token)
        .expect("refresh again");

    // Using the first token again (long after its successor was used) is theft: the session ends.
    assert_eq!(
        code_of(client.refresh(&first.refresh_token)),
        ErrorCode::RefreshTokenReused
    );
    assert_eq!(
        code_of(client.refresh(&third.refresh_token)),
        ErrorCode::SessionRevoked
    );
    let mut with_access = app.anonymous();
    with_access.set_token(Some(third.access_token));
    assert_eq!(code_of(with_access.me()), ErrorCode::SessionRevoked);
}

#[test]
fn a_retried_refresh_after_a_lost_response_gets_the_same_tokens() {
    let app = TestApp::spawn();
    let client = app.anonymous();
    let first = app.login(Persona::CounsellorHaishu);
    let answered = client.refresh(&first.refresh_token).expect("refresh");
    // The phone never saw `answered` (the 2G link dropped) and retries with the old token.
    let retried = client
        .refresh(&first.refresh_token)
        .expect("retry within the grace period");
    assert_eq!(retried.refresh_token, answered.refresh_token);
    // The session goes on normally.
    assert!(client.refresh(&retried.refresh_token).is_ok());
}

#[test]
fn a_retry_after_the_grace_period_ends_the_session() {
    let app = TestApp::spawn_with(|config| config.refresh_retry_grace_secs = 1);
    let client = app.anonymous();
    let first = app.login(Persona::CounsellorHaishu);
    let second = client.refresh(&first.refresh_token).expect("refresh");
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(
        code_of(client.refresh(&first.refresh_token)),
        ErrorCode::RefreshTokenReused
    );
    assert_eq!(
        code_of(client.refresh(&second.refresh_token)),
        ErrorCode::SessionRevoked
    );
}

#[test]
fn unknown_and_malformed_refresh_tokens_are_refused() {
    let app = TestApp::spawn();
    let client = app.anonymous();
    assert_eq!(
        code_of(client.refresh("hzr_not-a-real-token")),
        ErrorCode::RefreshTokenInvalid
    );
    let forged = format!("hzr_{}", "A".repeat(43));
    assert_eq!(
        code_of(client.refresh(&forged)),
        ErrorCode::RefreshTokenInvalid
    );
}

#[test]
fn logout_ends_the_session_for_access_and_refresh_tokens() {
    let app = TestApp::spawn();
    let tokens = app.login(Persona::SupervisorHaishu);
    let mut client = app.anonymous();
    client.set_token(Some(tokens.access_token.clone()));
    client.logout(None).expect("logout");
    assert_eq!(code_of(client.me()), ErrorCode::SessionRevoked);
    assert_eq!(
        code_of(app.anonymous().refresh(&tokens.refresh_token)),
        ErrorCode::SessionRevoked
    );
    // Logging out again is harmless.
    assert!(app.anonymous().logout(Some(&tokens.refresh_token)).is_ok());
}

#[test]
fn logout_with_only_the_refresh_token_works_when_the_access_token_is_gone() {
    let app = TestApp::spawn();
    let tokens = app.login(Persona::CounsellorHaishu);
    app.anonymous()
        .logout(Some(&tokens.refresh_token))
        .expect("logout");
    let mut client: ApiClient = app.anonymous();
    client.set_token(Some(tokens.access_token));
    assert_eq!(code_of(client.me()), ErrorCode::SessionRevoked);
    assert_eq!(
        code_of(app.anonymous().logout(None)),
        ErrorCode::Unauthenticated
    );
}

#[test]
fn disabled_accounts_cannot_log_in_and_lose_their_sessions() {
    let app = TestApp::spawn();
    let counsellor = app.client(Persona::CounsellorHaishu);
    let admin = app.client(Persona::Admin);
    admin
        .update_user(
            app.user_id(Persona::CounsellorHaishu),
            &hezuo_mobile_api::users::UpdateUserRequest {
                is_active: Some(false),
                ..Default::default()
            },
        )
        .expect("disable");
    assert_eq!(code_of(counsellor.me()), ErrorCode::SessionRevoked);
    assert_eq!(
        code_of(
            app.anonymous()
                .login(Persona::CounsellorHaishu.username(), PASSWORD, None)
        ),
        ErrorCode::AccountDisabled
    );
}

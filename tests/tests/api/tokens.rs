//! Every way an access token can be wrong is refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hezuo_mobile_api::ErrorCode;
use hezuo_tests::{Persona, TestApp};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::code_of;

fn me_with(app: &TestApp, token: &str) -> ErrorCode {
    let mut client = app.anonymous();
    client.set_token(Some(token.to_owned()));
    code_of(client.me())
}

fn claims_of(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json")
}

#[test]
fn a_missing_or_malformed_authorization_header_is_refused() {
    let app = TestApp::spawn();
    assert_eq!(code_of(app.anonymous().me()), ErrorCode::Unauthenticated);
    assert_eq!(me_with(&app, "not-a-jwt"), ErrorCode::TokenInvalid);
    let raw = app
        .anonymous()
        .raw(
            ureq::http::Method::GET,
            "/api/v1/me",
            &[],
            &[("Authorization", "Basic YWRtaW46YWRtaW4=")],
            None,
        )
        .expect("answer");
    assert_eq!(raw.status, 401);
    assert_eq!(
        raw.header("www-authenticate"),
        Some("Bearer realm=\"hezuo\"")
    );
}

#[test]
fn a_tampered_signature_or_payload_is_refused() {
    let app = TestApp::spawn();
    let token = app.login(Persona::CounsellorHaishu).access_token;
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();

    // Flip one character of the signature.
    let mut signature = parts[2].clone().into_bytes();
    signature[5] = if signature[5] == b'A' { b'B' } else { b'A' };
    let tampered_signature = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        String::from_utf8(signature).expect("ascii")
    );
    assert_eq!(me_with(&app, &tampered_signature), ErrorCode::TokenInvalid);

    // Claim to be the admin with the counsellor's signature.
    let mut claims = claims_of(&token);
    claims["sub"] = json!(app.user_id(Persona::Admin));
    parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("json"));
    assert_eq!(me_with(&app, &parts.join(".")), ErrorCode::TokenInvalid);
}

#[test]
fn alg_none_is_refused() {
    let app = TestApp::spawn();
    let token = app.login(Persona::Admin).access_token;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims_of(&token)).expect("json"));
    assert_eq!(
        me_with(&app, &format!("{header}.{payload}.")),
        ErrorCode::TokenInvalid
    );
    assert_eq!(
        me_with(&app, &format!("{header}.{payload}")),
        ErrorCode::TokenInvalid
    );
}

#[test]
fn another_algorithm_or_another_key_is_refused() {
    let app = TestApp::spawn();
    let claims = claims_of(&app.login(Persona::Admin).access_token);
    let secret = app.config.jwt_secret.clone().expect("test secret");
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign");
    assert_eq!(me_with(&app, &hs512), ErrorCode::TokenInvalid);
    let other_key = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(b"someone-else's-secret-someone-else's"),
    )
    .expect("sign");
    assert_eq!(me_with(&app, &other_key), ErrorCode::TokenInvalid);
}

#[test]
fn an_expired_token_is_refused_as_expired() {
    let app = TestApp::spawn();
    let mut claims = claims_of(&app.login(Persona::CounsellorHaishu).access_token);
    let now = chrono::Utc::now().timestamp();
    claims["iat"] = json!(now - 3600);
    claims["exp"] = json!(now - 600);
    let secret = app.config.jwt_secret.clone().expect("test secret");
    let expired = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign");
    assert_eq!(me_with(&app, &expired), ErrorCode::TokenExpired);
}

#[test]
fn a_token_of_a_revoked_device_is_refused_at_once() {
    let app = TestApp::spawn();
    let mut phone = app.phone(Persona::CounsellorHaishu);
    let device = phone.device().cloned().expect("registered");
    let token = phone
        .session()
        .and_then(|s| s.access_token.clone())
        .expect("token");
    assert!(phone.me().is_ok());

    app.client(Persona::SupervisorHaishu)
        .revoke_device(device.id, Some("手机丢失"))
        .expect("revoke");
    assert_eq!(me_with(&app, &token), ErrorCode::DeviceRevoked);
    let refresh = phone
        .session()
        .and_then(|s| s.refresh_token.clone())
        .expect("refresh token");
    assert_eq!(
        code_of(app.anonymous().refresh(&refresh)),
        ErrorCode::DeviceRevoked
    );
}

#[test]
fn a_reused_refresh_token_is_refused_and_ends_the_session() {
    let app = TestApp::spawn_with(|config| config.refresh_retry_grace_secs = 0);
    let tokens = app.login(Persona::CounsellorHaishu);
    let client = app.anonymous();
    let next = client.refresh(&tokens.refresh_token).expect("first use");
    assert_eq!(
        code_of(client.refresh(&tokens.refresh_token)),
        ErrorCode::RefreshTokenReused
    );
    assert_eq!(me_with(&app, &next.access_token), ErrorCode::SessionRevoked);
}

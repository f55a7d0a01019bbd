//! The browser console's cookie session and pages, through raw HTTP: cookies page script cannot read, a CSRF token
//! bound to the session for every change, rotation on refresh, cookies removed at logout; the console served at
//! `/console/` with a Content-Security-Policy.

use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::auth::WebSession;
use hezuo_mobile_api::client::{ApiClient, RawResponse};
use hezuo_tests::{PASSWORD, Persona, TestApp};
use ureq::http::Method;

/// The `name=value` of each Set-Cookie header, with its attributes.
fn set_cookies(response: &RawResponse) -> Vec<String> {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

fn cookie_value(set_cookies: &[String], name: &str) -> String {
    set_cookies
        .iter()
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no {name} cookie in {set_cookies:?}"))
        .to_owned()
}

fn web_login(client: &ApiClient, persona: Persona) -> (WebSession, Vec<String>) {
    let body =
        serde_json::json!({ "username": persona.username(), "password": PASSWORD }).to_string();
    let response = client
        .raw(
            Method::POST,
            "/api/v1/auth/web/login",
            &[],
            &[],
            Some(("application/json", body.as_bytes())),
        )
        .expect("answer");
    assert_eq!(
        response.status,
        200,
        "{}",
        String::from_utf8_lossy(&response.body)
    );
    (response.json().expect("session"), set_cookies(&response))
}

/// A request carrying `cookies` and, when given, the CSRF header, as the console's page sends it.
fn with_cookies(
    client: &ApiClient,
    method: Method,
    path: &str,
    cookies: &str,
    csrf: Option<&str>,
    json: Option<&[u8]>,
) -> RawResponse {
    let mut headers = vec![("Cookie", cookies)];
    if let Some(token) = csrf {
        headers.push(("X-CSRF-Token", token));
    }
    client
        .raw(
            method,
            path,
            &[],
            &headers,
            json.map(|b| ("application/json", b)),
        )
        .expect("answer")
}

fn problem(response: &RawResponse) -> ErrorCode {
    response.json::<Problem>().expect("a problem document").code
}

#[test]
fn the_console_session_lives_in_cookies_and_every_change_needs_its_csrf_token() {
    let app = TestApp::spawn();
    let client = app.anonymous();
    let (session, cookies) = web_login(&client, Persona::SupervisorHaishu);
    assert_eq!(session.user.username, Persona::SupervisorHaishu.username());
    let access = cookies
        .iter()
        .find(|c| c.starts_with("hezuo_access="))
        .expect("access cookie");
    assert!(
        access.contains("HttpOnly")
            && access.contains("SameSite=Strict")
            && access.contains("Path=/")
    );
    let refresh = cookies
        .iter()
        .find(|c| c.starts_with("hezuo_refresh="))
        .expect("refresh cookie");
    assert!(refresh.contains("HttpOnly") && refresh.contains("Path=/api/v1/auth/web"));
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("hezuo_csrf="))
        .expect("csrf cookie");
    assert!(!csrf.contains("HttpOnly"), "the page reads the CSRF token");
    assert_eq!(cookie_value(&cookies, "hezuo_csrf"), session.csrf_token);
    assert!(
        !String::from_utf8_lossy(&serde_json::to_vec(&session).expect("json")).contains("hzr_")
    );

    let access_cookie = format!("hezuo_access={}", cookie_value(&cookies, "hezuo_access"));
    let me = with_cookies(
        &client,
        Method::GET,
        "/api/v1/me",
        &access_cookie,
        None,
        None,
    );
    assert_eq!(me.status, 200, "a read needs only the cookie");

    let comment = br#"{"note":"x"}"#;
    let path = "/api/v1/visits/00000000-0000-7000-8000-000000000000/comments";
    let without = with_cookies(
        &client,
        Method::POST,
        path,
        &access_cookie,
        None,
        Some(comment),
    );
    assert_eq!(
        (without.status, problem(&without)),
        (403, ErrorCode::CsrfTokenInvalid)
    );
    // Another session's token does not pass either.
    let (other, _) = web_login(&client, Persona::SupervisorHaishu);
    let foreign = with_cookies(
        &client,
        Method::POST,
        path,
        &access_cookie,
        Some(&other.csrf_token),
        Some(comment),
    );
    assert_eq!(problem(&foreign), ErrorCode::CsrfTokenInvalid);
    let with = with_cookies(
        &client,
        Method::POST,
        path,
        &access_cookie,
        Some(&session.csrf_token),
        Some(comment),
    );
    assert_eq!(
        (with.status, problem(&with)),
        (404, ErrorCode::NotFound),
        "past the CSRF check"
    );
}

#[test]
fn refresh_rotates_the_cookies_and_logout_removes_them() {
    let app = TestApp::spawn();
    let client = app.anonymous();
    let (session, cookies) = web_login(&client, Persona::TownshipGaoqiao);
    let refresh_cookie = format!(
        "hezuo_refresh={}; hezuo_csrf={}",
        cookie_value(&cookies, "hezuo_refresh"),
        session.csrf_token
    );
    let no_header = with_cookies(
        &client,
        Method::POST,
        "/api/v1/auth/web/refresh",
        &refresh_cookie,
        None,
        None,
    );
    assert_eq!(problem(&no_header), ErrorCode::CsrfTokenInvalid);

    let renewed = with_cookies(
        &client,
        Method::POST,
        "/api/v1/auth/web/refresh",
        &refresh_cookie,
        Some(&session.csrf_token),
        None,
    );
    assert_eq!(renewed.status, 200);
    let renewed_cookies = set_cookies(&renewed);
    assert_ne!(
        cookie_value(&renewed_cookies, "hezuo_refresh"),
        cookie_value(&cookies, "hezuo_refresh"),
        "the refresh token rotates"
    );

    let access_cookie = format!(
        "hezuo_access={}; hezuo_refresh={}; hezuo_csrf={}",
        cookie_value(&renewed_cookies, "hezuo_access"),
        cookie_value(&renewed_cookies, "hezuo_refresh"),
        session.csrf_token
    );
    let logout = with_cookies(
        &client,
        Method::POST,
        "/api/v1/auth/web/logout",
        &access_cookie,
        Some(&session.csrf_token),
        None,
    );
    assert_eq!(logout.status, 204);
    let removed = set_cookies(&logout);
    for name in ["hezuo_access", "hezuo_refresh", "hezuo_csrf"] {
        assert!(
            removed
                .iter()
                .any(|c| c.starts_with(&format!("{name}=;")) && c.contains("Max-Age=0")),
            "{name} removed: {removed:?}"
        );
    }
    let after = with_cookies(
        &client,
        Method::GET,
        "/api/v1/me",
        &access_cookie,
        None,
        None,
    );
    assert_eq!(problem(&after), ErrorCode::SessionRevoked);
}

#[test]
fn the_root_leads_to_the_console_which_is_served_with_a_content_security_policy() {
    let app = TestApp::spawn_with(|config| {
        config.map_tile_url = Some("https://tiles.example.cn/{z}/{x}/{y}.png".to_owned());
    });
    let client = app.anonymous();
    // The client follows the redirect from `/` to `/console/`.
    let root = client
        .raw(Method::GET, "/", &[], &[], None)
        .expect("answer");
    assert_eq!(root.status, 200);
    assert_eq!(
        root.header("content-type"),
        Some("text/html; charset=utf-8")
    );

    let page = client
        .raw(
            Method::GET,
            "/console/reviews",
            &[("awaiting".into(), "mine".into())],
            &[],
            None,
        )
        .expect("answer");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    let policy = page.header("content-security-policy").expect("a policy");
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(
        policy.contains("https://tiles.example.cn"),
        "the map's tiles are allowed: {policy}"
    );
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    let html = String::from_utf8(page.body).expect("utf-8");
    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page loads its script");
    assert!(!html.contains("<script>"), "no inline script");

    let asset = client
        .raw(Method::GET, script, &[], &[], None)
        .expect("answer");
    assert_eq!(asset.status, 200);
    assert_eq!(
        asset.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(
        asset.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );

    let gone = client
        .raw(
            Method::GET,
            "/console/assets/index-00000000.js",
            &[],
            &[],
            None,
        )
        .expect("answer");
    assert_eq!(gone.status, 404, "a missing file is not the page");
}

use hezuo_mobile_api::{ErrorCode, Problem};
use hezuo_tests::TestApp;
use ureq::http::Method;

#[test]
fn health_ready_and_metrics_answer() {
    let app = TestApp::spawn();
    let client = app.anonymous();
    let health = client
        .raw(Method::GET, "/health", &[], &[], None)
        .expect("health");
    assert_eq!(health.status, 200);
    let ready = client
        .raw(Method::GET, "/ready", &[], &[], None)
        .expect("ready");
    assert_eq!(ready.status, 200);
    assert_eq!(
        ready.json::<serde_json::Value>().expect("json")["database"],
        "ok"
    );

    let metrics = client
        .raw(Method::GET, "/metrics", &[], &[], None)
        .expect("metrics");
    assert_eq!(metrics.status, 200);
    let text = String::from_utf8(metrics.body).expect("utf-8");
    assert!(
        text.contains(r#"hezuo_http_requests_total{method="GET",route="/ready",status="200"} 1"#),
        "the ready request is counted by route: {text}"
    );
    assert!(text.contains("hezuo_db_connections"));
}

#[test]
fn unknown_paths_get_a_problem_document_in_chinese_or_english() {
    let app = TestApp::spawn();
    let client = app.anonymous();
    let response = client
        .raw(Method::GET, "/api/v1/nothing-here", &[], &[], None)
        .expect("answer");
    assert_eq!(response.status, 404);
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    let problem: Problem = response.json().expect("problem");
    assert_eq!(problem.code, ErrorCode::NotFound);
    assert_eq!(problem.title, "资源不存在");
    assert_eq!(problem.instance.as_deref(), Some("/api/v1/nothing-here"));

    let english = client
        .raw(
            Method::GET,
            "/api/v1/nothing-here",
            &[],
            &[("Accept-Language", "en-US,en;q=0.9")],
            None,
        )
        .expect("answer");
    let problem: Problem = english.json().expect("problem");
    assert_eq!(problem.title, "Not found");
    assert_eq!(english.header("content-language"), Some("en"));
}

#[test]
fn wrong_methods_and_malformed_bodies_get_problem_documents_too() {
    let app = TestApp::spawn();
    let client = app.anonymous();
    // A documented path asked with a method it does not answer says which it does.
    let wrong_method = client
        .raw(Method::DELETE, "/api/v1/auth/login", &[], &[], None)
        .expect("answer");
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.header("Allow"), Some("POST"));
    assert_eq!(
        wrong_method.json::<Problem>().expect("problem").code,
        ErrorCode::MethodNotAllowed
    );

    let broken = client
        .raw(
            Method::POST,
            "/api/v1/auth/login",
            &[],
            &[],
            Some(("application/json", b"{not json")),
        )
        .expect("answer");
    assert_eq!(broken.status, 400);
    assert_eq!(
        broken.json::<Problem>().expect("problem").code,
        ErrorCode::InvalidJson
    );

    let missing_field = client
        .raw(
            Method::POST,
            "/api/v1/auth/login",
            &[],
            &[],
            Some(("application/json", br#"{"username":"x"}"#)),
        )
        .expect("answer");
    assert_eq!(missing_field.status, 422);
    let problem = missing_field.json::<Problem>().expect("problem");
    assert_eq!(problem.code, ErrorCode::ValidationFailed);
    assert!(problem.detail.unwrap_or_default().contains("password"));
}

#[test]
fn every_response_carries_a_request_id() {
    let app = TestApp::spawn();
    let client = app.anonymous();
    let echoed = client
        .raw(
            Method::GET,
            "/health",
            &[],
            &[("X-Request-Id", "phone-abc-123")],
            None,
        )
        .expect("answer");
    assert_eq!(echoed.header("x-request-id"), Some("phone-abc-123"));
    let generated = client
        .raw(Method::GET, "/health", &[], &[], None)
        .expect("answer");
    assert_eq!(generated.header("x-request-id").map(str::len), Some(32));
}

#[test]
fn docs_ui_is_served() {
    let app = TestApp::spawn();
    let client = app.anonymous();
    let docs = client
        .raw(Method::GET, "/docs/", &[], &[], None)
        .expect("answer");
    assert_eq!(docs.status, 200);
    assert!(
        String::from_utf8_lossy(&docs.body).contains("swagger"),
        "the Swagger UI page"
    );
}

#[test]
fn the_suite_runs_on_the_backend_it_was_asked_for() {
    let app = TestApp::spawn();
    let wants_postgres = std::env::var("HEZUO_TEST_POSTGRES_URL").is_ok_and(|url| !url.is_empty());
    assert_eq!(app.database.is_postgres(), wants_postgres);
    let conn = app.conn();
    assert_eq!(
        matches!(*conn, hezuo_server::db::DbConn::Pg(_)),
        wants_postgres
    );
}

/// A client that is slow to send its request's head (a weak link, a phone short of CPU) is still answered: the server
/// waits longer than actix's default 5 s before giving up with 408.
#[test]
fn a_request_head_that_arrives_slowly_is_still_answered() {
    use std::io::{Read, Write};
    let app = TestApp::spawn();
    let address = app.address.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: hezuo\r\n")
        .expect("first half");
    std::thread::sleep(std::time::Duration::from_millis(6_000));
    stream
        .write_all(b"Connection: close\r\n\r\n")
        .expect("second half");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

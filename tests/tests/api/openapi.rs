//! The OpenAPI document is compared with a committed snapshot, so any change to the API shows up in review.
//! After an intended change: `UPDATE_SNAPSHOTS=1 cargo test --workspace openapi` and commit the new snapshot.

use std::path::PathBuf;

use hezuo_tests::TestApp;
use ureq::http::Method;

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("snapshots/openapi.json")
}

#[test]
fn the_openapi_document_matches_the_snapshot() {
    let app = TestApp::spawn();
    let response = app
        .anonymous()
        .raw(Method::GET, "/api/v1/openapi.json", &[], &[], None)
        .expect("document");
    assert_eq!(response.status, 200);
    let document: serde_json::Value = response.json().expect("json");
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    let rendered = serde_json::to_string_pretty(&document).expect("render") + "\n";

    let path = snapshot_path();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &rendered).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing; run with UPDATE_SNAPSHOTS=1 to create it",
            path.display()
        )
    });
    if expected != rendered {
        let first_difference = expected
            .lines()
            .zip(rendered.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(n, (a, b))| format!("line {}:\n  snapshot: {a}\n  now:      {b}", n + 1))
            .unwrap_or_else(|| "the documents differ in length".to_owned());
        panic!(
            "the OpenAPI document changed; if intended, run with UPDATE_SNAPSHOTS=1.\n{first_difference}"
        );
    }
}

#[test]
fn every_api_operation_is_documented_with_its_errors() {
    let app = TestApp::spawn();
    let document: serde_json::Value = app
        .anonymous()
        .raw(Method::GET, "/api/v1/openapi.json", &[], &[], None)
        .expect("document")
        .json()
        .expect("json");
    let paths = document["paths"].as_object().expect("paths");
    for expected in [
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/devices",
        "/api/v1/devices/{id}",
        "/api/v1/devices/{id}/revoke",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/regions",
        "/api/v1/regions/{code}",
        "/api/v1/cooperatives",
        "/api/v1/cooperatives/{id}",
        "/api/v1/imports/regions",
        "/api/v1/imports/cooperatives",
        "/api/v1/uploads",
        "/api/v1/uploads/{id}",
        "/api/v1/visits/{id}/photos",
        "/api/v1/photos/{sha256}/{size}",
        "/health",
        "/ready",
        "/metrics",
    ] {
        assert!(paths.contains_key(expected), "{expected} is documented");
    }
    for (path, item) in paths.iter().filter(|(p, _)| p.starts_with("/api/")) {
        for (method, operation) in item.as_object().expect("path item") {
            let responses = operation["responses"].as_object().expect("responses");
            let has_problem = responses
                .values()
                .any(|r| r["content"].get("application/problem+json").is_some());
            assert!(
                has_problem,
                "{method} {path} documents its problem responses"
            );
        }
    }
}

/// Every `$ref` in the document names a schema it holds (a broken one makes generated clients and fuzzers fail).
#[test]
fn every_reference_in_the_document_resolves() {
    let text = std::fs::read_to_string(snapshot_path()).expect("snapshot");
    let document: serde_json::Value = serde_json::from_str(&text).expect("json");
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("schemas");
    let mut broken = Vec::new();
    for (at, _) in text.match_indices("\"#/components/schemas/") {
        let name: String = text[at + 22..].chars().take_while(|c| *c != '"').collect();
        if !schemas.contains_key(&name) {
            broken.push(name);
        }
    }
    assert!(broken.is_empty(), "broken references: {broken:?}");
}

/// A documented path asked with a method it does not answer gets 405 with `Allow` (TRACE included); an unknown path
/// gets 404. Both are problem documents.
#[test]
fn a_method_a_path_does_not_answer_is_405_with_allow() {
    let app = TestApp::spawn();
    let client = app.anonymous();
    for (method, path, allow) in [
        (Method::TRACE, "/api/v1/me", "GET"),
        (Method::DELETE, "/api/v1/cleanup/rules", "GET, PUT"),
        (
            Method::PUT,
            "/api/v1/visits/0193a1b2-0000-7000-8000-000000000000/review/approve",
            "POST",
        ),
        (Method::TRACE, "/health", "GET"),
    ] {
        let response = client
            .raw(method.clone(), path, &[], &[], None)
            .expect("answer");
        assert_eq!(response.status, 405, "{method} {path}");
        assert_eq!(response.header("Allow"), Some(allow), "{method} {path}");
        let problem: hezuo_mobile_api::Problem = response.json().expect("problem");
        assert_eq!(problem.code, hezuo_mobile_api::ErrorCode::MethodNotAllowed);
    }
    let unknown = client
        .raw(Method::TRACE, "/api/v1/nothing-here", &[], &[], None)
        .expect("answer");
    assert_eq!(unknown.status, 404);
}

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

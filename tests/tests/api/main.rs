//! All integration tests in one binary: each test starts the real server on a port of its own, with a database of
//! its own, and drives it over HTTP with the phone SDK. They run on SQLite, and on PostgreSQL when
//! `HEZUO_TEST_POSTGRES_URL` is set.

mod adversarial;
mod auth;
mod authorization;
mod cleanup;
mod console;
mod cooperatives;
mod coverage;
mod crash;
mod database_faults;
mod devices;
mod field_app;
mod field_cli;
mod imports;
mod memory;
mod multi_instance;
mod openapi;
mod phone;
mod photos;
mod regions;
mod reporting;
mod review;
mod stars;
mod sync;
mod sync_refusals;
mod system;
mod targets;
mod tokens;
mod users;
mod web_session;
mod websocket;

use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::client::ClientError;

/// The problem code of a failed call; panics when the call succeeded or failed without a problem document.
#[track_caller]
pub fn code_of<T: std::fmt::Debug>(result: Result<T, ClientError>) -> ErrorCode {
    match result {
        Err(ClientError::Api(problem)) => problem.code,
        other => panic!("expected a problem document, got {other:?}"),
    }
}

/// The npm interop clients' folder (`tests/js`).
pub fn js_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("js")
}

/// `None` when this machine has no node; the npm packages are installed when `package` is missing.
pub fn node_ready(package: &str) -> Option<()> {
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .ok()?;
    if !node.status.success() {
        return None;
    }
    if !js_dir().join("node_modules").join(package).exists() {
        let installed = std::process::Command::new("npm")
            .args(["install", "--no-audit", "--no-fund"])
            .current_dir(js_dir())
            .status()
            .expect("run npm");
        assert!(installed.success(), "npm install in tests/js failed");
    }
    Some(())
}

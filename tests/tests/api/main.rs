//! All integration tests in one binary: each test starts the real server on a port of its own, with a database of
//! its own, and drives it over HTTP with the phone SDK. They run on SQLite, and on PostgreSQL when
//! `HEZUO_TEST_POSTGRES_URL` is set.

mod auth;
mod authorization;
mod cooperatives;
mod crash;
mod devices;
mod field_cli;
mod imports;
mod multi_instance;
mod openapi;
mod phone;
mod photos;
mod regions;
mod sync;
mod sync_refusals;
mod system;
mod tokens;
mod users;
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

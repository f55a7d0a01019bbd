//! hezuo server: the actix-web API, storage, importers and the `hezuo` command line.

pub mod auth;
pub mod cleanup;
pub mod cli;
pub mod config;
pub mod console;
pub mod coverage;
pub mod db;
pub mod demo;
pub mod documents;
pub mod error;
pub mod etag;
pub mod evidence;
pub mod heap;
pub mod import;
pub mod metrics;
pub mod middleware;
pub mod models;
pub mod openapi;
pub mod pagination;
pub mod photos;
pub mod reporting;
pub mod reports;
pub mod responsibility;
pub mod review;
pub mod routes;
pub mod stars;
pub mod startup;
pub mod state;
pub mod targets;
pub mod telemetry;
pub mod validate;
pub mod xlsx;

pub use config::Config;
pub use startup::Application;

//! District targets: progress, its Excel export, and the import.

use ureq::http::Method;

use super::api::{ApiClient, content_type_of};
use super::error::ClientError;
use crate::imports::ImportReport;
use crate::targets::{EnterValue, MetricInfo, MetricValue, TargetProgress};

impl ApiClient {
    pub fn target_progress(&self, year: i64) -> Result<Vec<TargetProgress>, ClientError> {
        self.get(
            "/api/v1/targets/progress",
            &[("year".to_owned(), year.to_string())],
        )
    }

    /// The progress as an XLSX workbook.
    pub fn export_target_progress(&self, year: i64) -> Result<Vec<u8>, ClientError> {
        self.get_bytes(
            "/api/v1/targets/progress/export",
            &[("year".to_owned(), year.to_string())],
        )
    }

    pub fn import_targets(&self, file: &[u8], source: &str) -> Result<ImportReport, ClientError> {
        self.send_bytes(
            Method::POST,
            "/api/v1/imports/targets",
            &[("source".to_owned(), source.to_owned())],
            content_type_of(file),
            file,
        )
    }
}

impl ApiClient {
    /// The metric catalogue.
    pub fn target_metrics(&self) -> Result<Vec<MetricInfo>, ClientError> {
        self.get("/api/v1/targets/metrics", &[])
    }

    /// Installs a catalogue as TOML (administrators).
    pub fn install_target_metrics(&self, toml: &str) -> Result<Vec<MetricInfo>, ClientError> {
        self.send_bytes(
            Method::PUT,
            "/api/v1/targets/metrics",
            &[],
            "application/toml",
            toml.as_bytes(),
        )
    }

    pub fn enter_metric_value(&self, value: &EnterValue) -> Result<MetricValue, ClientError> {
        self.send_json(Method::PUT, "/api/v1/targets/values", value)
    }

    pub fn metric_values(&self, year: i64) -> Result<Vec<MetricValue>, ClientError> {
        self.get(
            "/api/v1/targets/values",
            &[("year".to_owned(), year.to_string())],
        )
    }
}

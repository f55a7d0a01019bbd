//! District targets: progress, its Excel export, and the import.

use ureq::http::Method;

use super::api::{ApiClient, content_type_of};
use super::error::ClientError;
use crate::imports::ImportReport;
use crate::targets::TargetProgress;

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

//! Responsibility for cooperatives and visit coverage.

use ureq::http::Method;
use uuid::Uuid;

use super::api::{ApiClient, content_type_of, query_pairs};
use super::error::ClientError;
use crate::Page;
use crate::coverage::{
    AssignRequest, CooperativeCoverage, CoverageQuery, CoverageReport, Responsibility,
};
use crate::imports::ImportReport;

impl ApiClient {
    pub fn responsibility(&self, cooperative: Uuid) -> Result<Responsibility, ClientError> {
        self.get(
            &format!("/api/v1/cooperatives/{cooperative}/responsibility"),
            &[],
        )
    }

    /// Makes a counsellor responsible for a cooperative (supervisors and admins).
    pub fn assign_responsibility(
        &self,
        cooperative: Uuid,
        request: &AssignRequest,
    ) -> Result<Responsibility, ClientError> {
        self.send_json(
            Method::PUT,
            &format!("/api/v1/cooperatives/{cooperative}/responsibility"),
            request,
        )
    }

    pub fn end_responsibility(&self, cooperative: Uuid) -> Result<Responsibility, ClientError> {
        self.bodiless(
            Method::DELETE,
            &format!("/api/v1/cooperatives/{cooperative}/responsibility"),
        )
    }

    /// Imports assignments from CSV or XLSX (统一社会信用代码, 辅导员账号, 供销专干账号, 备注).
    pub fn import_responsibility(&self, file: &[u8]) -> Result<ImportReport, ClientError> {
        self.send_bytes(
            Method::POST,
            "/api/v1/imports/responsibility",
            &[],
            content_type_of(file),
            file,
        )
    }

    pub fn coverage(&self, query: &CoverageQuery) -> Result<CoverageReport, ClientError> {
        self.get("/api/v1/coverage", &query_pairs(query))
    }

    pub fn coverage_cooperatives(
        &self,
        query: &CoverageQuery,
    ) -> Result<Page<CooperativeCoverage>, ClientError> {
        self.get("/api/v1/coverage/cooperatives", &query_pairs(query))
    }

    /// The coverage workbook.
    pub fn export_coverage(&self, query: &CoverageQuery) -> Result<Vec<u8>, ClientError> {
        self.get_bytes("/api/v1/coverage/export", &query_pairs(query))
    }
}

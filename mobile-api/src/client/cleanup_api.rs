//! The supervisor's and administrator's side of the clean-up: classifications, decisions, disposal cases, rule sets,
//! reports, the Excel export and the registry-fact and complaint imports.

use ureq::http::Method;
use uuid::Uuid;

use super::api::{ApiClient, query_pairs};
use super::error::ClientError;
use crate::Page;
use crate::cleanup::{
    ActionUpdate, CaseQuery, Classification, ClassifyReport, CleanupItem, CleanupQuery,
    CleanupRecord, CleanupReport, CloseCase, DecisionRequest, DisposalCase, OpenCase,
    RuleSetVersion,
};
use crate::imports::ImportReport;

impl ApiClient {
    pub fn cleanup_list(&self, query: &CleanupQuery) -> Result<Page<CleanupItem>, ClientError> {
        self.get("/api/v1/cleanup/cooperatives", &query_pairs(query))
    }

    pub fn cleanup_record(&self, cooperative_id: Uuid) -> Result<CleanupRecord, ClientError> {
        self.get(
            &format!("/api/v1/cooperatives/{cooperative_id}/cleanup"),
            &[],
        )
    }

    pub fn decide_cleanup(
        &self,
        cooperative_id: Uuid,
        decision: &DecisionRequest,
    ) -> Result<Classification, ClientError> {
        self.post(
            &format!("/api/v1/cooperatives/{cooperative_id}/cleanup/decision"),
            decision,
        )
    }

    pub fn open_case(&self, case: &OpenCase) -> Result<DisposalCase, ClientError> {
        self.post("/api/v1/cleanup/cases", case)
    }

    pub fn cases(&self, query: &CaseQuery) -> Result<Page<DisposalCase>, ClientError> {
        self.get("/api/v1/cleanup/cases", &query_pairs(query))
    }

    pub fn update_case_action(
        &self,
        case_id: Uuid,
        action_id: Uuid,
        update: &ActionUpdate,
    ) -> Result<DisposalCase, ClientError> {
        self.send_json(
            Method::PATCH,
            &format!("/api/v1/cleanup/cases/{case_id}/actions/{action_id}"),
            update,
        )
    }

    pub fn close_case(&self, case_id: Uuid, note: &str) -> Result<DisposalCase, ClientError> {
        let close = CloseCase {
            note: note.to_owned(),
        };
        self.post(&format!("/api/v1/cleanup/cases/{case_id}/close"), &close)
    }

    pub fn cleanup_report(&self, region: Option<&str>) -> Result<CleanupReport, ClientError> {
        let query: Vec<(String, String)> = region
            .map(|r| ("region".to_owned(), r.to_owned()))
            .into_iter()
            .collect();
        self.get("/api/v1/cleanup/report", &query)
    }

    /// The candidates and cases as an XLSX workbook.
    pub fn export_cleanup(&self, region: Option<&str>) -> Result<Vec<u8>, ClientError> {
        let query: Vec<(String, String)> = region
            .map(|r| ("region".to_owned(), r.to_owned()))
            .into_iter()
            .collect();
        self.get_bytes("/api/v1/cleanup/export", &query)
    }

    pub fn rule_sets(&self) -> Result<Vec<RuleSetVersion>, ClientError> {
        self.get("/api/v1/cleanup/rules", &[])
    }

    /// Installs a rule-set TOML file and re-classifies.
    pub fn install_rule_set(&self, toml: &str) -> Result<ClassifyReport, ClientError> {
        self.send_bytes(
            Method::PUT,
            "/api/v1/cleanup/rules",
            &[],
            "application/toml",
            toml.as_bytes(),
        )
    }

    pub fn classify_all(&self) -> Result<ClassifyReport, ClientError> {
        self.post("/api/v1/cleanup/classify", &serde_json::json!({}))
    }

    pub fn import_registry_facts(
        &self,
        file: &[u8],
        source: &str,
        as_of: Option<chrono::NaiveDate>,
    ) -> Result<ImportReport, ClientError> {
        let mut query = vec![("source".to_owned(), source.to_owned())];
        if let Some(day) = as_of {
            query.push(("as_of".to_owned(), day.to_string()));
        }
        self.send_bytes(
            Method::POST,
            "/api/v1/imports/registry-facts",
            &query,
            super::api::content_type_of(file),
            file,
        )
    }

    pub fn import_complaints(
        &self,
        file: &[u8],
        source: &str,
    ) -> Result<ImportReport, ClientError> {
        self.send_bytes(
            Method::POST,
            "/api/v1/imports/complaints",
            &[("source".to_owned(), source.to_owned())],
            super::api::content_type_of(file),
            file,
        )
    }
}

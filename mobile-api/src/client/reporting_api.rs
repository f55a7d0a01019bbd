//! The monthly reporting cycle: a unit's report, writing, filing and deciding it, the units' states, the export.

use ureq::http::Method;

use super::api::ApiClient;
use super::error::ClientError;
use crate::reporting::{MonthlyReport, ReportAction, SaveReport};

impl ApiClient {
    pub fn unit_report(&self, region: &str, month: &str) -> Result<MonthlyReport, ClientError> {
        self.get(&format!("/api/v1/reports/units/{region}/{month}"), &[])
    }

    pub fn save_unit_report(
        &self,
        region: &str,
        month: &str,
        report: &SaveReport,
    ) -> Result<MonthlyReport, ClientError> {
        self.send_json(
            Method::PUT,
            &format!("/api/v1/reports/units/{region}/{month}"),
            report,
        )
    }

    /// `file`, `acknowledge` or `return`.
    pub fn act_on_unit_report(
        &self,
        region: &str,
        month: &str,
        action: &ReportAction,
    ) -> Result<MonthlyReport, ClientError> {
        self.post(
            &format!("/api/v1/reports/units/{region}/{month}/actions"),
            action,
        )
    }

    /// Every reporting unit of the caller's regions with its report for the month.
    pub fn report_status(&self, month: &str) -> Result<Vec<MonthlyReport>, ClientError> {
        self.get(
            "/api/v1/reports/units",
            &[("month".to_owned(), month.to_owned())],
        )
    }

    /// `xlsx`, `csv` or `html`.
    pub fn export_unit_report(
        &self,
        region: &str,
        month: &str,
        format: &str,
    ) -> Result<Vec<u8>, ClientError> {
        self.get_bytes(
            &format!("/api/v1/reports/units/{region}/{month}/export"),
            &[("format".to_owned(), format.to_owned())],
        )
    }
}

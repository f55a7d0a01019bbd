//! Star ratings: scoring models, campaigns, applications and their review by level, revocation events, star history,
//! the 公示 list and results exports, and the monthly report.

use ureq::http::Method;
use uuid::Uuid;

use super::api::{ApiClient, query_pairs};
use super::error::ClientError;
use crate::Page;
use crate::stars::{
    Application, ApplicationItem, ApplicationQuery, Campaign, EventRecorded, FileApplication,
    ManualScores, OpenCampaign, RecordStarEvent, ScoringModelInfo, StarDecision, StarHistory,
};

/// An export's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    Xlsx,
    Csv,
}

impl Export {
    fn query(self) -> Vec<(String, String)> {
        let format = match self {
            Export::Xlsx => "xlsx",
            Export::Csv => "csv",
        };
        vec![("format".to_owned(), format.to_owned())]
    }
}

impl ApiClient {
    pub fn scoring_models(&self) -> Result<Vec<ScoringModelInfo>, ClientError> {
        self.get("/api/v1/stars/models", &[])
    }

    /// Installs a scoring model from its TOML file (admins).
    pub fn install_scoring_model(&self, toml: &str) -> Result<ScoringModelInfo, ClientError> {
        self.send_bytes(
            Method::PUT,
            "/api/v1/stars/models",
            &[],
            "application/toml",
            toml.as_bytes(),
        )
    }

    pub fn open_campaign(&self, request: &OpenCampaign) -> Result<Campaign, ClientError> {
        self.post("/api/v1/stars/campaigns", request)
    }

    pub fn campaigns(&self) -> Result<Vec<Campaign>, ClientError> {
        self.get("/api/v1/stars/campaigns", &[])
    }

    pub fn close_campaign(&self, campaign_id: Uuid) -> Result<Campaign, ClientError> {
        self.post(
            &format!("/api/v1/stars/campaigns/{campaign_id}/close"),
            &serde_json::json!({}),
        )
    }

    /// Files an application (or answers the one already filed).
    pub fn file_application(
        &self,
        campaign_id: Uuid,
        cooperative_id: Uuid,
    ) -> Result<Application, ClientError> {
        self.post(
            &format!("/api/v1/stars/campaigns/{campaign_id}/applications"),
            &FileApplication { cooperative_id },
        )
    }

    pub fn applications(
        &self,
        campaign_id: Uuid,
        query: &ApplicationQuery,
    ) -> Result<Page<ApplicationItem>, ClientError> {
        self.get(
            &format!("/api/v1/stars/campaigns/{campaign_id}/applications"),
            &query_pairs(query),
        )
    }

    pub fn application(&self, id: Uuid) -> Result<Application, ClientError> {
        self.get(&format!("/api/v1/stars/applications/{id}"), &[])
    }

    pub fn score_manual(
        &self,
        id: Uuid,
        scores: &ManualScores,
    ) -> Result<Application, ClientError> {
        self.send_json(
            Method::PUT,
            &format!("/api/v1/stars/applications/{id}/manual-scores"),
            scores,
        )
    }

    pub fn review_application(
        &self,
        id: Uuid,
        decision: &StarDecision,
    ) -> Result<Application, ClientError> {
        self.post(&format!("/api/v1/stars/applications/{id}/review"), decision)
    }

    pub fn record_star_event(
        &self,
        cooperative_id: Uuid,
        event: &RecordStarEvent,
    ) -> Result<EventRecorded, ClientError> {
        self.post(
            &format!("/api/v1/cooperatives/{cooperative_id}/star-events"),
            event,
        )
    }

    pub fn star_history(&self, cooperative_id: Uuid) -> Result<StarHistory, ClientError> {
        self.get(&format!("/api/v1/cooperatives/{cooperative_id}/stars"), &[])
    }

    /// The 公示 list of the stars awarded.
    pub fn export_public_notice(
        &self,
        campaign_id: Uuid,
        format: Export,
    ) -> Result<Vec<u8>, ClientError> {
        self.get_bytes(
            &format!("/api/v1/stars/campaigns/{campaign_id}/public-notice"),
            &format.query(),
        )
    }

    pub fn export_campaign_results(
        &self,
        campaign_id: Uuid,
        format: Export,
    ) -> Result<Vec<u8>, ClientError> {
        self.get_bytes(
            &format!("/api/v1/stars/campaigns/{campaign_id}/results"),
            &format.query(),
        )
    }

    /// The monthly progress report of `month` (`YYYY-MM`).
    pub fn monthly_report(&self, month: &str, format: Export) -> Result<Vec<u8>, ClientError> {
        let mut query = format.query();
        query.push(("month".to_owned(), month.to_owned()));
        self.get_bytes("/api/v1/reports/monthly", &query)
    }
}

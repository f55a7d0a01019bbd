//! Star ratings (星级评定, RULES.md §2): scoring models, yearly campaigns, applications with their scored result, the
//! review by level, revocation events, bars and each cooperative's star history.
//!
//! Codes are strings: application statuses `in_review`, `rated`, `not_rated`, `falsified`; review decisions `confirm`,
//! `reject`, `falsified`; revocation causes `illegal_operation`, `major_safety_accident`, `serious_credit_overdue`;
//! bar reasons `revoked`, `falsified`; review levels `county`, `city`, `province`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Which organisations a scoring model and a campaign rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 农民专业合作社, one to five stars.
    Cooperative,
    /// 产业农合联, three to five stars reviewed at county, city and province level.
    IndustryFederation,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Cooperative => "cooperative",
            OrgKind::IndustryFederation => "industry_federation",
        }
    }

    pub fn parse(text: &str) -> Option<OrgKind> {
        match text {
            "cooperative" => Some(OrgKind::Cooperative),
            "industry_federation" => Some(OrgKind::IndustryFederation),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OrgKind::Cooperative => "农民专业合作社",
            OrgKind::IndustryFederation => "产业农合联",
        }
    }
}

/// A reviewer's score for a manual indicator, with why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManualScore {
    pub points: f64,
    pub note: Option<String>,
}

/// Text the scoring model names (codes, names, field paths), shared between the model and every result scored with
/// it rather than copied into each; on the wire it is a plain string.
pub type Shared = std::sync::Arc<str>;

/// What one indicator scored, and from what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndicatorScore {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: Shared,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub name_zh: Shared,
    pub points: f64,
    pub max: f64,
    /// Scored by a reviewer.
    pub manual: bool,
    /// A manual indicator no reviewer has scored yet (it counts 0).
    pub pending: bool,
    /// The subject's fields the computation read, with their values (`null` when absent).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub evidence: BTreeMap<Shared, serde_json::Value>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryScore {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: Shared,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub name_zh: Shared,
    pub points: f64,
    pub max: f64,
    pub indicators: Vec<IndicatorScore>,
}

/// A gate or veto with the fields it read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckOutcome {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: Shared,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub name_zh: Shared,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub evidence: BTreeMap<Shared, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelOutcome {
    pub star: u8,
    pub min_score: f64,
    pub score_reached: bool,
    /// This level's gates that failed (a level also needs every lower level's gates).
    pub failed_gates: Vec<CheckOutcome>,
    pub review_level: Option<String>,
}

/// The engine's score of one application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StarResult {
    pub model_version: String,
    pub categories: Vec<CategoryScore>,
    pub bonuses: Vec<IndicatorScore>,
    /// The bonus after its cap.
    pub bonus: f64,
    /// Categories plus capped bonus, capped at the model's total.
    pub total: f64,
    /// Vetoes that hold: any one makes the applicant ineligible.
    pub vetoes: Vec<CheckOutcome>,
    pub levels: Vec<LevelOutcome>,
    /// The star the evidence supports; `None` when vetoed or below the lowest level.
    pub star: Option<u8>,
    /// Manual indicators still to score.
    pub pending_manual: Vec<String>,
    pub explanation_zh: String,
}

/// A scoring model as installed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoringModelInfo {
    pub version: String,
    pub kind: OrgKind,
    pub name_zh: String,
    /// Shipped with hezuo: every number is a proposal, not an official standard.
    pub built_in: bool,
    pub categories: Vec<ModelCategory>,
    pub bonus_cap: f64,
    pub total_cap: f64,
    pub stars: Vec<ModelStar>,
    /// The levels that confirm a star, lowest first.
    pub review_levels: Vec<String>,
    pub revocation_bar_years: u32,
    pub falsification_bar_years: u32,
    pub installed_at: DateTime<Utc>,
    /// The model file itself.
    pub model_toml: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelCategory {
    pub code: String,
    pub name_zh: String,
    pub points: f64,
    /// Indicators a reviewer scores by hand.
    pub manual_indicators: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelStar {
    pub star: u8,
    pub min_score: f64,
    pub gates: Vec<String>,
    /// The highest level that must confirm this star.
    pub review_level: Option<String>,
}

/// An administrator opens a year's campaign for a kind of organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenCampaign {
    pub year: i32,
    pub kind: OrgKind,
    /// The installed model to score with; the built-in one of the kind when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Campaign {
    pub id: Uuid,
    pub year: i32,
    pub kind: OrgKind,
    pub model_version: String,
    pub name: String,
    /// `open` or `closed`.
    pub status: String,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Applications by status, in the caller's regions.
    pub applications: BTreeMap<String, u64>,
}

/// A counsellor or supervisor files an application for a cooperative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileApplication {
    pub cooperative_id: Uuid,
}

/// A manual score as recorded, with who gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManualEntry {
    pub points: f64,
    pub note: String,
    pub scored_by: String,
    pub scored_by_name: Option<String>,
    pub scored_at: DateTime<Utc>,
}

/// One reviewer's decision on an application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StarReview {
    pub level: String,
    /// `confirm`, `reject` or `falsified`.
    pub decision: String,
    pub star: Option<u8>,
    pub note: Option<String>,
    pub reviewer: String,
    pub reviewer_name: Option<String>,
    pub decided_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Application {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub year: i32,
    pub kind: OrgKind,
    pub cooperative_id: Uuid,
    pub cooperative_name: String,
    pub uscc: Option<String>,
    pub region_code: String,
    pub region_name: String,
    /// `in_review`, `rated`, `not_rated` or `falsified`.
    pub status: String,
    pub status_zh: String,
    pub filed_by: String,
    pub filed_by_name: Option<String>,
    pub filed_at: DateTime<Utc>,
    pub result: StarResult,
    /// The star under review (the engine's, or lower where a reviewer lowered it).
    pub proposed_star: Option<u8>,
    /// The level that decides next; absent once decided.
    pub awaiting_level: Option<String>,
    pub awarded_star: Option<u8>,
    /// What the scores were computed from: the approved visit with its heads, registry facts, clean-up state, star
    /// history, revocation events and bars, each with its source.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub inputs: serde_json::Value,
    pub manual: BTreeMap<String, ManualEntry>,
    pub reviews: Vec<StarReview>,
    /// Send it back with manual scores and decisions: a change since answers `star_application_stale`.
    pub version: String,
    pub scored_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// Reviewers' scores of manual indicators; each needs a note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManualScores {
    pub version: String,
    pub scores: BTreeMap<String, ManualScore>,
}

/// A reviewer's decision at their level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StarDecision {
    /// `confirm`, `reject` or `falsified`.
    pub decision: String,
    pub version: String,
    /// Confirm a lower star than proposed (a note is then required); never a higher one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub star: Option<u8>,
    /// Administrators may act at any level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Query of applications.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct ApplicationQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Only applications waiting for this level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A revocation trigger to record against a cooperative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordStarEvent {
    /// `illegal_operation`, `major_safety_accident` or `serious_credit_overdue`.
    pub cause: String,
    pub occurred_on: NaiveDate,
    pub description: String,
    /// The document or office it comes from (e.g. 市场监管局行政处罚决定书).
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StarEvent {
    pub id: Uuid,
    pub cause: String,
    pub cause_zh: String,
    pub occurred_on: NaiveDate,
    pub description: String,
    pub source: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    /// The star this event revoked (`None`: none was held when it was recorded).
    #[serde(default)]
    pub revoked_star: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StarAward {
    pub year: i32,
    pub star: u8,
    pub application_id: Uuid,
    pub model_version: String,
    pub awarded_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The event that revoked it.
    pub revoked_by_event: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StarBar {
    /// `revoked` or `falsified`.
    pub reason: String,
    pub reason_zh: String,
    pub from: NaiveDate,
    /// The last day of the bar.
    pub until: NaiveDate,
}

/// A cooperative's star record: what it holds now, every award (revoked ones kept), events, bars and applications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StarHistory {
    pub cooperative_id: Uuid,
    pub kind: OrgKind,
    /// The star held now (the registry's).
    pub current_star: Option<u8>,
    pub awards: Vec<StarAward>,
    pub events: Vec<StarEvent>,
    pub bars: Vec<StarBar>,
    /// A bar in force today.
    pub barred_until: Option<NaiveDate>,
    pub applications: Vec<ApplicationSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationSummary {
    pub id: Uuid,
    pub year: i32,
    pub status: String,
    pub computed_star: Option<u8>,
    pub awarded_star: Option<u8>,
    pub total: f64,
}

/// An application in a campaign's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplicationItem {
    pub id: Uuid,
    pub cooperative_id: Uuid,
    pub cooperative_name: String,
    pub uscc: Option<String>,
    pub region_code: String,
    pub region_name: String,
    pub status: String,
    pub status_zh: String,
    pub total: f64,
    pub computed_star: Option<u8>,
    pub proposed_star: Option<u8>,
    pub awaiting_level: Option<String>,
    pub awarded_star: Option<u8>,
    /// Manual indicators still to score.
    pub pending_manual: Vec<String>,
    /// Vetoes that hold, by name.
    pub vetoes: Vec<String>,
    pub explanation_zh: String,
    pub filed_at: DateTime<Utc>,
}

/// What recording a revocation trigger did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventRecorded {
    pub event: StarEvent,
    /// The star revoked, if one was held.
    pub revoked_star: Option<u8>,
    /// Applications under review scored again: the trigger is now a veto in them.
    pub applications_rescored: u64,
    pub history: StarHistory,
}

/// Format of an export: `xlsx` (the default) or `csv`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct ExportQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

//! The monthly reporting cycle (seed 004: each township and county reports its month in writing by the 15th): a
//! reporting unit writes its report with narrative and typical cases (典型案例) on figures frozen at month end, files
//! it, and the level above acknowledges or returns it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A typical case (典型案例) the report tells of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TypicalCase {
    pub title: String,
    pub text: String,
    /// The cooperative it is about, when it is one of the unit's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooperative_id: Option<Uuid>,
}

/// The report's text, saved as a draft (or, once returned, corrected).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaveReport {
    pub narrative: String,
    #[serde(default)]
    pub cases: Vec<TypicalCase>,
    /// The version read; absent when writing the first draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

/// Filing a report, or the level above deciding on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportAction {
    /// `file` (the unit), `acknowledge` or `return` (the level above).
    pub action: String,
    /// Required to return: what to correct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The version acted on.
    pub version: i64,
}

/// A unit's report for a month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthlyReport {
    pub region_code: String,
    pub region_name: String,
    /// `county` or `township`.
    pub level: String,
    /// `YYYY-MM`.
    pub month: String,
    /// `missing` (nothing written yet), `draft`, `filed`, `acknowledged` or `returned`.
    pub status: String,
    pub status_zh: String,
    /// The last day to file it.
    pub due: NaiveDate,
    /// Filed after the due day, or not filed and the due day has passed.
    pub late: bool,
    pub narrative: String,
    pub cases: Vec<TypicalCase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_by_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filed_by_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by_name: Option<String>,
    /// Why it was returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_note: Option<String>,
    /// 0 while nothing is written.
    pub version: i64,
    /// When the month's figures were frozen; absent while the month runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures_frozen_at: Option<DateTime<Utc>>,
    /// Whether the caller may write and file it, and whether they may acknowledge or return it.
    pub can_write: bool,
    pub can_decide: bool,
}

/// Which month's reports.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct ReportMonthQuery {
    /// `YYYY-MM`; default last month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    /// For the export: `xlsx` (the default), `csv` or `html` (a printable document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

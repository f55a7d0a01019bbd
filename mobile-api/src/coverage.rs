//! Who answers for each cooperative (seed 002: "供销专干属地负责"), and how well approved visits cover the cooperatives
//! of a region or a counsellor: never visited, the baseline survey (摸底排查) done or not, time since the last approved
//! visit, overdue re-visits, and visits per counsellor per month.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One period of responsibility for a cooperative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignment {
    pub id: Uuid,
    pub cooperative_id: Uuid,
    /// The counsellor (辅导员) who visits it.
    pub counsellor_user_id: Uuid,
    pub counsellor_name: String,
    /// The 供销专干 the counsellor answers to, when named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer_user_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub assigned_by: Uuid,
    pub assigned_at: DateTime<Utc>,
    /// Absent while the assignment is current.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_by: Option<Uuid>,
}

/// A cooperative's current assignment and every earlier one, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Responsibility {
    pub cooperative_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Assignment>,
    pub history: Vec<Assignment>,
}

/// Makes a counsellor responsible for a cooperative; the current assignment, if any, ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignRequest {
    /// An active counsellor whose regions hold the cooperative.
    pub counsellor_user_id: Uuid,
    /// An active account whose regions hold the cooperative (the 供销专干).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub officer_user_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How approved visits cover a set of cooperatives.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoverageCounts {
    pub cooperatives: u64,
    /// Without any approved visit.
    pub never_visited: u64,
    /// Those the plan's baseline survey must reach: 参办领办 cooperatives and 农合联 members (seed 002 §二(一)1).
    pub baseline_required: u64,
    /// Of those, the ones with an approved visit of type 摸底排查 (baseline).
    pub baseline_done: u64,
    /// Last approved visit within 3 months, 3–6, 6–12, over 12 months.
    pub visited_within_3m: u64,
    pub visited_3_to_6m: u64,
    pub visited_6_to_12m: u64,
    pub visited_over_12m: u64,
    /// Due for a re-visit: the last approved visit is older than the re-visit interval, or a clean-up re-visit date
    /// has passed since it.
    pub overdue: u64,
    /// Without a responsible counsellor.
    pub unassigned: u64,
}

/// Coverage of one district or township.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionCoverage {
    pub region_code: String,
    pub region_name: String,
    /// `county` or `township`.
    pub level: String,
    #[serde(flatten)]
    pub counts: CoverageCounts,
}

/// Coverage of the cooperatives a counsellor answers for, and the visits they made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CounsellorCoverage {
    pub counsellor_user_id: Uuid,
    pub counsellor_name: String,
    #[serde(flatten)]
    pub counts: CoverageCounts,
    /// Approved visits they made, by the month of the visit (`YYYY-MM`), the last twelve months, oldest first.
    pub visits_by_month: Vec<MonthCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MonthCount {
    pub month: String,
    pub visits: u64,
}

/// Coverage of the caller's regions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoverageReport {
    /// The day it is counted on (China time).
    pub as_of: NaiveDate,
    /// Months after the last approved visit when a cooperative is due again.
    pub revisit_months: u32,
    pub total: CoverageCounts,
    /// Districts, then townships.
    pub regions: Vec<RegionCoverage>,
    pub counsellors: Vec<CounsellorCoverage>,
}

/// One cooperative's coverage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CooperativeCoverage {
    pub cooperative_id: Uuid,
    pub name: String,
    pub region_code: String,
    pub region_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counsellor_user_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counsellor_name: Option<String>,
    /// The day of the last approved visit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_visit: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_since_last_visit: Option<i64>,
    pub baseline_required: bool,
    pub baseline_done: bool,
    /// When it is due again: never visited counts as due now.
    pub due: NaiveDate,
    pub overdue: bool,
}

/// Which cooperatives' coverage to list.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct CoverageQuery {
    /// A region code inside the caller's regions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// A counsellor's id, or `me`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counsellor: Option<String>,
    /// `never_visited`, `overdue`, `baseline_missing` or `unassigned`; all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Rows per page (1–500, default 50), soonest due first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// For the export: `xlsx` (the default) or `csv`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

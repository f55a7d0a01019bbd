//! District targets (RULES.md §5.1) and progress against them.

use serde::{Deserialize, Serialize};

/// One target with the registry's count against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetProgress {
    pub region_code: String,
    pub region_name: String,
    pub year: i64,
    /// `star_rated` (★★★ and above), `sponsored` (领办参办) or `sponsored_five_star` (city-wide).
    pub metric: String,
    pub metric_zh: String,
    pub target: u64,
    /// Counted from the registry as it stands today.
    pub actual: u64,
    /// Star metrics: stars of at least the metric's level awarded by that year's campaign and not revoked since
    /// (absent for `sponsored`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awarded_in_year: Option<u64>,
    /// `actual / target`, in percent, one decimal.
    pub attainment_pct: f64,
    /// The document the target comes from.
    pub source: String,
}

/// Which targets.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct TargetsQuery {
    /// The plan year; default this year.
    pub year: Option<i64>,
    /// For the export: `xlsx` (the default) or `csv`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// Which monthly report.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct MonthlyReportQuery {
    /// `YYYY-MM`; default this month.
    pub month: Option<String>,
    /// `xlsx` (the default) or `csv`.
    pub format: Option<String>,
}

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
    /// 家, 户, %, 个, 万亩次, 亿元 …
    pub unit: String,
    /// Whether the actual is entered by hand (else counted from hezuo's data).
    pub entered: bool,
    pub target: u64,
    /// Counted metrics: counted from hezuo's data as it stands today. Entered metrics: the latest value entered for
    /// the year (absent when none was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<f64>,
    /// Entered metrics: the month the actual was entered for, and its source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_month: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_source: Option<String>,
    /// Star metrics: stars of at least the metric's level awarded by that year's campaign and not revoked since
    /// (absent for `sponsored`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awarded_in_year: Option<u64>,
    /// `actual / target`, in percent, one decimal; absent without an actual.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attainment_pct: Option<f64>,
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

/// A metric of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetricInfo {
    pub code: String,
    pub name_zh: String,
    /// Other names a target file may use.
    pub aliases: Vec<String>,
    pub unit: String,
    /// The policy text it comes from, quoted.
    pub source: String,
    /// Entered by hand per region and month (else counted from hezuo's data).
    pub entered: bool,
}

/// A hand-entered figure of a metric for a region and month, with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnterValue {
    pub region_code: String,
    /// The metric's code (an entered metric of the catalogue).
    pub metric: String,
    /// `YYYY-MM`, not in the future.
    pub month: String,
    pub value: f64,
    /// Where the figure comes from, e.g. `县供销社2026年11月统计月报`.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A stored hand-entered figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MetricValue {
    pub region_code: String,
    pub region_name: String,
    pub metric: String,
    pub month: String,
    pub value: f64,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub entered_by_name: String,
    pub entered_at: chrono::DateTime<chrono::Utc>,
}

/// Which hand-entered figures.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct MetricValuesQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// The year; default this year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i64>,
}

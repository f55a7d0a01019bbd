//! District targets and progress against them (RULES.md §5.1), scoped to the caller's regions.

pub mod export;
pub mod progress;

use chrono::Datelike;
use hezuo_mobile_api::targets::TargetsQuery;

/// The plan year asked for, else this year.
pub fn year_of(query: &TargetsQuery) -> i64 {
    query
        .year
        .unwrap_or_else(|| i64::from(crate::cleanup::store::today().year()))
}

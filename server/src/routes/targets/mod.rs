//! District targets and progress against them (RULES.md §5.1), scoped to the caller's regions.

pub mod export;
pub mod metrics_install;
pub mod metrics_list;
pub mod progress;
pub mod values_enter;
pub mod values_list;

use chrono::Datelike;
use hezuo_mobile_api::targets::{TargetProgress, TargetsQuery};

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;

/// The plan year asked for, else this year.
pub fn year_of(query: &TargetsQuery) -> i64 {
    query
        .year
        .unwrap_or_else(|| i64::from(crate::cleanup::store::today().year()))
}

/// The year's targets of the caller's regions with their progress.
pub async fn rows(
    state: &AppState,
    caller: Authenticated,
    year: i64,
) -> ApiResult<Vec<TargetProgress>> {
    let revisit_months = state.config.revisit_months;
    state
        .db
        .run(move |conn| {
            let scope = caller.scope.paths();
            crate::targets::progress(conn, year, scope.as_deref(), revisit_months)
        })
        .await
}

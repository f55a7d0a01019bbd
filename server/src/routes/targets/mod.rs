//! District targets and progress against them (RULES.md §5.1), scoped to the caller's regions.

pub mod export;
pub mod progress;

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
    state
        .db
        .run(move |conn| {
            let scope = caller.scope.paths();
            Ok(crate::targets::progress(conn, year, scope.as_deref())?)
        })
        .await
}

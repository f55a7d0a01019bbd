//! Visit coverage of the caller's regions (seed 002 §二(一)1): by district, township and counsellor, the cooperatives
//! never visited or overdue, and its Excel export.

pub mod cooperatives;
pub mod export;
pub mod report;

use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::coverage::{CooperativeCoverage, CoverageQuery};

use crate::auth::Authenticated;
use crate::coverage::Covered;
use crate::db::DbConn;
use crate::db::id::UserId;
use crate::error::{ApiError, ApiResult};

/// The region paths to count: the asked region when it lies in the caller's regions, else the caller's regions.
pub fn paths_of(
    conn: &mut DbConn,
    caller: &Authenticated,
    query: &CoverageQuery,
) -> ApiResult<Option<Vec<String>>> {
    let Some(code) = query.region.as_deref().filter(|c| !c.is_empty()) else {
        return Ok(caller.scope.paths());
    };
    let region = crate::models::regions::find(conn, code)?.ok_or_else(|| {
        ApiError::new(ErrorCode::RegionUnknown).with_field(
            "region",
            "region_unknown",
            format!("行政区划{code}不存在"),
            format!("region {code} does not exist"),
        )
    })?;
    if !caller.scope.covers_path(&region.path) {
        return Err(ApiError::new(ErrorCode::RegionOutOfScope));
    }
    Ok(Some(vec![region.path]))
}

/// Which cooperatives of `covered` the query asks for.
pub fn filter(
    caller: &Authenticated,
    query: &CoverageQuery,
    covered: Vec<Covered>,
    today: chrono::NaiveDate,
) -> ApiResult<Vec<Covered>> {
    let counsellor: Option<UserId> = match query.counsellor.as_deref() {
        None | Some("") => None,
        Some("me") => Some(caller.user.id),
        Some(id) => Some(id.parse().map_err(|_| {
            ApiError::new(ErrorCode::InvalidQuery).with_field(
                "counsellor",
                "invalid",
                "辅导员应为账户ID或 me",
                "counsellor is an account id or `me`",
            )
        })?),
    };
    let status = query.status.as_deref().filter(|s| !s.is_empty());
    let keep: fn(&Covered, chrono::NaiveDate) -> bool = match status {
        None => |_, _| true,
        Some("never_visited") => |c, _| c.last_visit.is_none(),
        Some("overdue") => |c, today| c.overdue(today),
        Some("baseline_missing") => |c, _| c.baseline_required && !c.baseline_done,
        Some("unassigned") => |c, _| c.counsellor.is_none(),
        Some(_) => {
            return Err(ApiError::new(ErrorCode::InvalidQuery).with_field(
                "status",
                "invalid",
                "状态应为 never_visited、overdue、baseline_missing 或 unassigned",
                "status is never_visited, overdue, baseline_missing or unassigned",
            ));
        }
    };
    Ok(covered
        .into_iter()
        .filter(|c| counsellor.is_none() || c.counsellor == counsellor)
        .filter(|c| keep(c, today))
        .collect())
}

/// The API rows of `covered`, soonest due first, with region and counsellor names.
pub fn rows(
    conn: &mut DbConn,
    mut covered: Vec<Covered>,
    today: chrono::NaiveDate,
) -> ApiResult<Vec<CooperativeCoverage>> {
    covered.sort_by_key(|c| (c.due, c.id));
    let names = crate::coverage::names(conn, &covered)?;
    Ok(covered
        .iter()
        .map(|c| crate::coverage::to_api(c, &names.0, &names.1, today))
        .collect())
}

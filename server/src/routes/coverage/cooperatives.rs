use actix_web::{get, web};
use hezuo_mobile_api::coverage::{CooperativeCoverage, CoverageQuery};
use hezuo_mobile_api::{Page, Problem};

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::pagination::{cut, decode_cursor, page_size};
use crate::state::AppState;

/// The cooperatives of the caller's regions with their coverage, soonest due first: filter by `region`,
/// `counsellor` (an id, or `me` for a counsellor's own list) and `status` (`never_visited`, `overdue`,
/// `baseline_missing`, `unassigned`).
#[utoipa::path(tag = "coverage", params(CoverageQuery), responses(
    (status = 200, description = "A page of cooperatives", body = Page<CooperativeCoverage>),
    (status = 400, description = "An unknown status, counsellor or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "The region is outside the caller's", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No such region", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/coverage/cooperatives")]
pub async fn coverage_cooperatives(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<CoverageQuery>,
) -> ApiResult<web::Json<Page<CooperativeCoverage>>> {
    let limit = page_size(query.limit)?;
    let after = decode_cursor(query.cursor.as_deref())?;
    let revisit_months = state.config.revisit_months;
    let page = state
        .db
        .run(move |conn| {
            let paths = super::paths_of(conn, &caller, &query)?;
            let today = crate::cleanup::store::today();
            let (covered, _) =
                crate::coverage::cooperatives(conn, paths.as_deref(), today, revisit_months)?;
            let mut covered = super::filter(&caller, &query, covered, today)?;
            covered.sort_by_key(|c| (c.due, c.id));
            // The cursor is the last row's due day and id: rows after it in the same order.
            if let Some(after) = after {
                covered.retain(|c| format!("{}-{}", c.due, c.id) > after);
            }
            covered.truncate(limit as usize + 1);
            let items = super::rows(conn, covered, today)?;
            let (items, next_cursor) = cut(items, limit, |row| {
                format!("{}-{}", row.due, row.cooperative_id)
            });
            Ok(Page { items, next_cursor })
        })
        .await?;
    Ok(web::Json(page))
}

use actix_web::{get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::coverage::{CoverageQuery, CoverageReport};

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;

/// Visit coverage of the caller's regions (or one `region` in them), counted from approved visits: cooperatives
/// never visited, the baseline survey of 参办领办 cooperatives and 农合联 members done or missing, time since the last
/// approved visit, overdue re-visits and cooperatives without a counsellor; in total, by county and township, and by
/// responsible counsellor with their approved visits per month.
#[utoipa::path(tag = "coverage", params(CoverageQuery), responses(
    (status = 200, description = "The coverage", body = CoverageReport),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "The region is outside the caller's", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No such region", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/coverage")]
pub async fn coverage_report(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<CoverageQuery>,
) -> ApiResult<web::Json<CoverageReport>> {
    let revisit_months = state.config.revisit_months;
    let report = state
        .db
        .run(move |conn| {
            let paths = super::paths_of(conn, &caller, &query)?;
            let today = crate::cleanup::store::today();
            Ok(crate::coverage::report(
                conn,
                paths.as_deref(),
                today,
                revisit_months,
            )?)
        })
        .await?;
    Ok(web::Json(report))
}

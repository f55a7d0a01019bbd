use actix_web::{get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::cleanup::CleanupReport;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::cleanup::report;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// A region code inside the caller's regions; absent: all of them.
    pub region: Option<String>,
}

/// The clean-up report of the caller's regions (or one region inside them): cooperatives by state and by S-flag, how
/// many are decided, open and closed cases and overdue actions — in total, per district and per township — and month
/// by month the decisions, cases opened, actions done and cases closed.
#[utoipa::path(tag = "cleanup", params(ReportQuery), responses(
    (status = 200, description = "The report", body = CleanupReport),
    (status = 404, description = "A region outside the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An unknown region", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/cleanup/report")]
pub async fn cleanup_report(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ReportQuery>,
) -> ApiResult<web::Json<CleanupReport>> {
    let query = query.into_inner();
    let built = state
        .db
        .run(move |conn| {
            let paths = match super::region_path(conn, query.region.as_deref())? {
                Some(path) if caller.scope.covers_path(&path) => Some(vec![path]),
                Some(_) => return Err(ApiError::not_found()),
                None => caller.scope.paths(),
            };
            Ok(report::build(conn, paths.as_deref(), query.region)?)
        })
        .await?;
    Ok(web::Json(built))
}

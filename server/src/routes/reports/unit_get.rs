use actix_web::{get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::reporting::MonthlyReport;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;

/// A township's or county's written report for a month: its state, due day, narrative and typical cases, who wrote,
/// filed and decided it, and whether the caller may write or decide it.
#[utoipa::path(tag = "reports", params(
    ("region" = String, Path, description = "The reporting unit's region code (county or township)"),
    ("month" = String, Path, description = "YYYY-MM"),
), responses(
    (status = 200, description = "The report (`missing` when nothing is written yet)", body = MonthlyReport),
    (status = 400, description = "A month that is not YYYY-MM", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such region in the caller's", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "The region is not a reporting unit (`not_reporting_unit`)", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/reports/units/{region}/{month}")]
pub async fn unit_report(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<web::Json<MonthlyReport>> {
    let (region, month) = path.into_inner();
    let first = crate::reporting::month(&month)?;
    let due_day = state.config.report_due_day;
    let report = state
        .db
        .run(move |conn| {
            let unit = crate::reporting::unit(conn, &caller, &region)?;
            crate::reporting::show(conn, &caller, &unit, first, due_day)
        })
        .await?;
    Ok(web::Json(report))
}

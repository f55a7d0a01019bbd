use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::reporting::{MonthlyReport, ReportAction};

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;

/// Files a unit's report (`file`: the unit itself; its figures are the month's frozen ones), or acknowledges or returns
/// it with a note (`acknowledge`, `return`: a supervisor of the level above, or an administrator).
#[utoipa::path(tag = "reports", params(
    ("region" = String, Path, description = "The reporting unit's region code (county or township)"),
    ("month" = String, Path, description = "YYYY-MM"),
), request_body = ReportAction, responses(
    (status = 200, description = "The report after the action", body = MonthlyReport),
    (status = 400, description = "Malformed body or month", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not the unit (to file) or the level above (to decide)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such region in the caller's", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not filed yet (`report_not_filed`), or filed already (`report_locked`)", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "Changed since the version read (`report_stale`)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An unknown action, no narrative to file, a return without a note, or not a reporting unit", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/reports/units/{region}/{month}/actions")]
pub async fn act_on_unit_report(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    body: web::Json<ReportAction>,
) -> ApiResult<web::Json<MonthlyReport>> {
    let (region, month) = path.into_inner();
    let first = crate::reporting::month(&month)?;
    let action = body.into_inner();
    let due_day = state.config.report_due_day;
    let revisit_months = state.config.revisit_months;
    let report = state
        .db
        .write(move |conn| {
            let unit = crate::reporting::unit(conn, &caller, &region)?;
            crate::reporting::act(conn, &caller, &unit, first, &action, revisit_months)?;
            crate::reporting::show(conn, &caller, &unit, first, due_day)
        })
        .await?;
    Ok(web::Json(report))
}

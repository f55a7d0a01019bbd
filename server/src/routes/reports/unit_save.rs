use actix_web::{put, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::reporting::{MonthlyReport, SaveReport};

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::validate::Checks;

/// Writes a unit's report for an ended month: the narrative and typical cases (典型案例), as a draft or, once returned,
/// corrected (a supervisor of that very unit, or an administrator). `version` is the version read (absent or 0 for the
/// first draft).
#[utoipa::path(tag = "reports", params(
    ("region" = String, Path, description = "The reporting unit's region code (county or township)"),
    ("month" = String, Path, description = "YYYY-MM"),
), request_body = SaveReport, responses(
    (status = 200, description = "The saved report", body = MonthlyReport),
    (status = 400, description = "Malformed body or month", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not the unit's own account", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such region in the caller's", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The month runs still (`report_month_open`), or the report is filed or acknowledged (`report_locked`)", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "Changed since the version read (`report_stale`)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not a reporting unit, or text too long", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[put("/reports/units/{region}/{month}")]
pub async fn save_unit_report(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    body: web::Json<SaveReport>,
) -> ApiResult<web::Json<MonthlyReport>> {
    let (region, month) = path.into_inner();
    let first = crate::reporting::month(&month)?;
    let body = body.into_inner();
    let mut checks = Checks::new();
    checks.optional_text("narrative", Some(&body.narrative), 20_000);
    for (index, case) in body.cases.iter().enumerate() {
        checks.text(&format!("cases[{index}].title"), &case.title, 200);
        checks.text(&format!("cases[{index}].text"), &case.text, 5_000);
    }
    checks.finish()?;
    let due_day = state.config.report_due_day;
    let report = state
        .db
        .write(move |conn| {
            let unit = crate::reporting::unit(conn, &caller, &region)?;
            crate::reporting::save(conn, &caller, &unit, first, &body)?;
            crate::reporting::show(conn, &caller, &unit, first, due_day)
        })
        .await?;
    Ok(web::Json(report))
}

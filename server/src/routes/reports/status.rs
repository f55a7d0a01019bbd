use actix_web::{get, web};
use hezuo_mobile_api::reporting::{MonthlyReport, ReportMonthQuery};
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Every reporting unit (county and township) of the caller's regions with its report's state for the month (default
/// last month): late and missing ones first, then those awaiting acknowledgement.
#[utoipa::path(tag = "reports", params(ReportMonthQuery), responses(
    (status = 200, description = "The units and their reports", body = Vec<MonthlyReport>),
    (status = 400, description = "A month that is not YYYY-MM", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/reports/units")]
pub async fn report_status(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ReportMonthQuery>,
) -> ApiResult<web::Json<Vec<MonthlyReport>>> {
    let first = match query.month.as_deref() {
        Some(month) => crate::reporting::month(month)?,
        None => last_month().ok_or_else(|| ApiError::new(ErrorCode::InvalidQuery))?,
    };
    let due_day = state.config.report_due_day;
    let reports = state
        .db
        .run(move |conn| crate::reporting::status(conn, &caller, first, due_day))
        .await?;
    Ok(web::Json(reports))
}

/// The first day of last month, in China time.
fn last_month() -> Option<chrono::NaiveDate> {
    let today = crate::cleanup::store::today();
    chrono::Datelike::with_day(&today, 1)?.checked_sub_months(chrono::Months::new(1))
}

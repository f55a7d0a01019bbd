use actix_web::{HttpResponse, get, web};
use hezuo_mobile_api::targets::MonthlyReportQuery;
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::xlsx::ExportFormat;

/// The monthly progress report for the caller's regions: a summary, the year's district targets against actuals,
/// stars awarded and revoked in the month with the cause, and the clean-up by district, as XLSX (one sheet each, the
/// default) or CSV (the tables one after another). While the month runs the figures are live; a past month's are
/// those frozen when it ended, so its report never changes (the summary's 数据口径 says which).
#[utoipa::path(tag = "reports", params(MonthlyReportQuery), responses(
    (status = 200, description = "The report", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (status = 400, description = "A month that is not YYYY-MM, a future month, or an unknown format", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/reports/monthly")]
pub async fn monthly_report(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<MonthlyReportQuery>,
) -> ApiResult<HttpResponse> {
    let format = ExportFormat::parse(query.format.as_deref())?;
    let first = match query.month.as_deref() {
        Some(month) => crate::reports::parse_month(month).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidQuery).with_field(
                "month",
                "invalid",
                "月份格式应为 YYYY-MM",
                "month is YYYY-MM",
            )
        })?,
        None => {
            let today = crate::cleanup::store::today();
            today - chrono::Days::new(u64::from(chrono::Datelike::day0(&today)))
        }
    };
    let revisit_months = state.config.revisit_months;
    let tables = state
        .db
        .run(move |conn| {
            let scope = caller.scope.paths();
            let codes: Option<Vec<String>> = scope
                .as_ref()
                .map(|_| caller.regions.iter().map(|r| r.code.clone()).collect());
            let key = crate::reports::scope_key(codes.as_deref());
            let (tables, _) =
                crate::reports::monthly_for(conn, first, &key, scope.as_deref(), revisit_months)?;
            Ok(tables)
        })
        .await?;
    let name = format!("hezuo-monthly-{}", first.format("%Y-%m"));
    crate::xlsx::download(format, &name, &tables)
}

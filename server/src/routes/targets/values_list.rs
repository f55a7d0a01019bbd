use actix_web::{get, web};
use chrono::Datelike;
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::targets::{MetricValue, MetricValuesQuery};

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;

/// The hand-entered figures of a year for the caller's regions (and those above them), by region, metric and month,
/// each with its source and who entered it.
#[utoipa::path(tag = "targets", params(MetricValuesQuery), responses(
    (status = 200, description = "The figures", body = Vec<MetricValue>),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/targets/values")]
pub async fn list_values(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<MetricValuesQuery>,
) -> ApiResult<web::Json<Vec<MetricValue>>> {
    let year = query
        .year
        .unwrap_or_else(|| i64::from(crate::cleanup::store::today().year()));
    let values = state
        .db
        .run(move |conn| {
            let scope = caller.scope.paths();
            Ok(crate::targets::values::list(
                conn,
                scope.as_deref(),
                query.metric.as_deref(),
                &year.to_string(),
            )?)
        })
        .await?;
    Ok(web::Json(values))
}

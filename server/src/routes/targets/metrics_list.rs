use actix_web::{get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::targets::MetricInfo;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;

/// The metric catalogue: each metric targets may be set for, with its unit, whether it is entered by hand or counted
/// from hezuo's data, and the policy text it comes from.
#[utoipa::path(tag = "targets", responses(
    (status = 200, description = "The catalogue", body = Vec<MetricInfo>),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/targets/metrics")]
pub async fn list_metrics(
    state: web::Data<AppState>,
    _caller: Authenticated,
) -> ApiResult<web::Json<Vec<MetricInfo>>> {
    let catalogue = state.db.run(crate::targets::catalogue::active).await?;
    Ok(web::Json(
        catalogue
            .metrics
            .iter()
            .map(crate::targets::catalogue::to_api)
            .collect(),
    ))
}

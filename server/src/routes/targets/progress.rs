use actix_web::{get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::targets::{TargetProgress, TargetsQuery};

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;

/// Targets of the year for the caller's regions (and the regions above them, such as the city-wide five-star target),
/// each with the registry's count against it and the attainment. Actuals are counted from the registry as it stands:
/// ★★★ and above, 领办/参办, and both at five stars.
#[utoipa::path(tag = "targets", params(TargetsQuery), responses(
    (status = 200, description = "Targets and progress", body = Vec<TargetProgress>),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/targets/progress")]
pub async fn target_progress(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<TargetsQuery>,
) -> ApiResult<web::Json<Vec<TargetProgress>>> {
    let rows = super::rows(&state, caller, super::year_of(&query)).await?;
    Ok(web::Json(rows))
}

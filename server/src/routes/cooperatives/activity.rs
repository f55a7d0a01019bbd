use actix_web::{get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::reviews::ActivityEntry;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::id::CooperativeId;
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::any_in_scope;
use crate::state::AppState;

/// What happened to a cooperative's visits, oldest first: submissions, review decisions, comments, conflicts found
/// and resolved (its profile's too), photos arriving.
#[utoipa::path(tag = "review", params(("id" = Uuid, Path, description = "Cooperative id")), responses(
    (status = 200, description = "The cooperative's activity", body = Vec<ActivityEntry>),
    (status = 404, description = "No such cooperative in the caller's regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/cooperatives/{id}/activity")]
pub async fn cooperative_activity(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<ActivityEntry>>> {
    let cooperative_id = CooperativeId::from(id.into_inner());
    let activity = state
        .db
        .run(move |conn| {
            if !any_in_scope(conn, &caller.scope, std::slice::from_ref(&cooperative_id))? {
                return Err(ApiError::not_found());
            }
            crate::review::activity::activity(conn, cooperative_id, None).map_err(ApiError::from)
        })
        .await?;
    Ok(web::Json(activity))
}

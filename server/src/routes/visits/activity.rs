use actix_web::{get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::reviews::ActivityEntry;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::review::actions::visible_visit;
use crate::state::AppState;

/// What happened to a visit, oldest first: submitted, resubmitted, edited after approval, each level's decision,
/// comments, conflicts found and resolved, photos arriving.
#[utoipa::path(tag = "review", params(("id" = Uuid, Path, description = "Visit id")), responses(
    (status = 200, description = "The visit's activity", body = Vec<ActivityEntry>),
    (status = 404, description = "No such visit in the caller's regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/visits/{id}/activity")]
pub async fn visit_activity(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<ActivityEntry>>> {
    let visit_id = id.into_inner().to_string();
    let activity = state
        .db
        .run(move |conn| {
            let cooperative_id = visible_visit(conn, &caller, &visit_id)?;
            crate::review::activity::activity(conn, cooperative_id, Some(&visit_id))
                .map_err(ApiError::from)
        })
        .await?;
    Ok(web::Json(activity))
}

use actix_web::{get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::coverage::Responsibility;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::id::CooperativeId;
use crate::error::ApiResult;
use crate::state::AppState;

/// Who answers for a cooperative of the caller's regions: its counsellor and 供销专干 now, and every earlier
/// assignment, newest first.
#[utoipa::path(tag = "cooperatives", params(("id" = Uuid, Path, description = "Cooperative id")), responses(
    (status = 200, description = "The current assignment and the history", body = Responsibility),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such cooperative in the caller's regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/cooperatives/{id}/responsibility")]
pub async fn cooperative_responsibility(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Responsibility>> {
    let id = CooperativeId::from(id.into_inner());
    let responsibility = state
        .db
        .run(move |conn| {
            crate::auth::policy::visible_cooperative(conn, &caller, id)?;
            crate::responsibility::history(conn, id)
        })
        .await?;
    Ok(web::Json(responsibility))
}

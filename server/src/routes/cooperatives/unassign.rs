use actix_web::{delete, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::coverage::Responsibility;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::id::CooperativeId;
use crate::error::ApiResult;
use crate::state::AppState;

/// Ends the current assignment of a cooperative of the caller's regions (supervisors and admins), leaving it without
/// a counsellor; the assignment stays in the history. Ending an already ended one changes nothing.
#[utoipa::path(tag = "cooperatives", params(("id" = Uuid, Path, description = "Cooperative id")), responses(
    (status = 200, description = "The history, with no current assignment", body = Responsibility),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Only supervisors and admins assign", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such cooperative in the caller's regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[delete("/cooperatives/{id}/responsibility")]
pub async fn end_responsibility(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Responsibility>> {
    let id = CooperativeId::from(id.into_inner());
    let responsibility = state
        .db
        .write(move |conn| {
            crate::auth::policy::visible_cooperative(conn, &caller, id)?;
            caller.require_role(super::EDITORS)?;
            crate::responsibility::end(conn, &caller, id)
        })
        .await?;
    Ok(web::Json(responsibility))
}

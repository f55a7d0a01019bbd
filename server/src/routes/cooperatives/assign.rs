use actix_web::{put, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::coverage::{AssignRequest, Responsibility};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::id::CooperativeId;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::validate::Checks;

/// Makes a counsellor (and optionally a 供销专干) responsible for a cooperative of the caller's regions (supervisors
/// and admins). The current assignment ends and stays in the history; sending the same people again changes nothing.
#[utoipa::path(tag = "cooperatives", params(("id" = Uuid, Path, description = "Cooperative id")),
    request_body = AssignRequest, responses(
    (status = 200, description = "The new assignment and the history", body = Responsibility),
    (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Only supervisors and admins assign", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such cooperative in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not an active counsellor (`not_a_counsellor`, `unknown_user`) or the cooperative is outside their regions (`out_of_regions`)", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[put("/cooperatives/{id}/responsibility")]
pub async fn assign_responsibility(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<AssignRequest>,
) -> ApiResult<web::Json<Responsibility>> {
    let id = CooperativeId::from(id.into_inner());
    let request = body.into_inner();
    let mut checks = Checks::new();
    checks.optional_text("note", request.note.as_deref(), 500);
    checks.finish()?;
    let responsibility = state
        .db
        .write(move |conn| {
            let cooperative = crate::auth::policy::visible_cooperative(conn, &caller, id)?;
            caller.require_role(super::EDITORS)?;
            crate::responsibility::assign(conn, &caller, &cooperative, &request)
        })
        .await?;
    Ok(web::Json(responsibility))
}

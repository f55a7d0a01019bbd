use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::reviews::DuplicateCandidate;
use hezuo_mobile_api::users::Role;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::review::duplicates;
use crate::state::AppState;

/// Records that a flagged pair are two different cooperatives after all (e.g. a credit code mistyped on a phone):
/// both stay, and the pair leaves the list. Supervisors whose regions hold both, and admins.
#[utoipa::path(tag = "review", params(("id" = Uuid, Path, description = "Duplicate pair id")), responses(
    (status = 200, description = "Dismissed", body = DuplicateCandidate),
    (status = 403, description = "Only supervisors and admins", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such pair in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Already merged or dismissed", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/duplicates/{id}/dismiss")]
pub async fn dismiss_duplicate(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<DuplicateCandidate>> {
    caller.require_role(&[Role::Admin, Role::Supervisor])?;
    let id = id.into_inner().to_string();
    let dismissed = state
        .db
        .write(move |conn| duplicates::dismiss(conn, &caller, &id))
        .await?;
    Ok(web::Json(dismissed))
}

use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::sync::Quarantine;
use hezuo_mobile_api::users::Role;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::models::quarantines;
use crate::state::AppState;

/// Releases a device's hold on a document (admins only). The device's sync state for the document is reset too, so
/// its next sync starts clean; if it sends the same refused change again, it is refused again.
#[utoipa::path(tag = "sync", params(("id" = Uuid, Path, description = "Quarantine id")), responses(
    (status = 200, description = "The released quarantine", body = Quarantine),
    (status = 403, description = "Only admins release quarantines", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such quarantine", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/quarantines/{id}/release")]
pub async fn release_quarantine(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Quarantine>> {
    caller.require_role(&[Role::Admin])?;
    let id = id.into_inner().to_string();
    let released = state
        .db
        .write(move |conn| {
            quarantines::release(conn, &id, &caller.who())?.ok_or_else(ApiError::not_found)
        })
        .await?;
    Ok(web::Json(released))
}

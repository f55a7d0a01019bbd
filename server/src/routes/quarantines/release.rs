use actix_web::{post, web};
use diesel::prelude::*;
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::sync::Quarantine;
use hezuo_mobile_api::users::Role;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::schema::{quarantines, sync_states};
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::models::now;
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
            let before = super::find(conn, &id)?.ok_or_else(ApiError::not_found)?;
            if before.released_at.is_none() {
                diesel::update(quarantines::table.find(&id))
                    .set((
                        quarantines::released_at.eq(Some(now())),
                        quarantines::released_by.eq(&caller.user.id),
                    ))
                    .execute(conn)?;
                diesel::delete(
                    sync_states::table
                        .filter(sync_states::cooperative_id.eq(before.cooperative_id.to_string()))
                        .filter(sync_states::device_id.eq(before.device_id.to_string())),
                )
                .execute(conn)?;
            }
            let after = super::find(conn, &id)?.ok_or_else(ApiError::not_found)?;
            audit::record(
                conn,
                &caller.who(),
                Entry {
                    action: "quarantine.release",
                    entity_type: "quarantine",
                    entity_id: &id,
                },
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(web::Json(released))
}

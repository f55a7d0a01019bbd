use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::devices::{Device, RevokeDeviceRequest};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::schema::devices as device_columns;
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::models::{devices, now, sessions};
use crate::state::AppState;

/// Revokes a device (a lost or replaced phone): its sessions end at once and its tokens are refused from the next
/// request on. Users revoke their own devices; supervisors those of users they manage; admins any. Revoking an already
/// revoked device changes nothing.
#[utoipa::path(tag = "devices", params(("id" = Uuid, Path, description = "Device id")),
    request_body(content = Option<RevokeDeviceRequest>), responses(
    (status = 200, description = "The revoked device", body = Device),
    (status = 404, description = "No such device, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/devices/{id}/revoke")]
pub async fn revoke_device(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> ApiResult<web::Json<Device>> {
    let request: RevokeDeviceRequest = crate::validate::optional_json(&body)?;
    let reason = request
        .reason
        .map(|r| r.trim().chars().take(200).collect::<String>())
        .filter(|r| !r.is_empty());
    let id = id.into_inner().to_string();
    let device = state
        .db
        .write(move |conn| {
            use diesel::prelude::*;
            let row = super::visible_device(conn, &caller, &id)?;
            if row.revoked_at.is_some() {
                return Ok(devices::load_api(conn, &row)?);
            }
            let before = devices::load_api(conn, &row)?;
            diesel::update(device_columns::table.find(&row.id))
                .set((
                    device_columns::revoked_at.eq(now()),
                    device_columns::revoked_by.eq(&caller.user.id),
                    device_columns::revoke_reason.eq(reason.as_deref()),
                ))
                .execute(conn)?;
            sessions::revoke_all_of_device(conn, &row.id, "device_revoked")?;
            let updated = devices::find(conn, &row.id)?.ok_or_else(ApiError::not_found)?;
            let after = devices::load_api(conn, &updated)?;
            audit::record(
                conn,
                &caller.who(),
                Entry {
                    action: "device.revoke",
                    entity_type: "device",
                    entity_id: &row.id,
                },
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    state.documents.feed.publish_access(device.user_id);
    Ok(web::Json(device))
}

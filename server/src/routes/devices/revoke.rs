use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::devices::{Device, RevokeDeviceRequest};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::id::DeviceId;
use crate::error::ApiResult;
use crate::models::devices;
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
    let id = DeviceId::from(id.into_inner());
    let device = state
        .db
        .write(move |conn| {
            let row = super::visible_device(conn, &caller, id)?;
            Ok(devices::revoke(
                conn,
                &row,
                &caller.who(),
                reason.as_deref(),
            )?)
        })
        .await?;
    state.documents.feed.publish_access(device.user_id);
    Ok(web::Json(device))
}

//! Sync for phones: the HTTP batch endpoint and the manifest of documents in the device's scope.

pub mod batch;
pub mod manifest;
pub mod websocket;

use automerge::ActorId;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::users::Role;

use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::documents::service::Caller;
use crate::error::{ApiError, ApiResult};
use crate::models::devices;

/// The calling device with its actor binding; syncing requires a registered device.
pub fn caller_device(conn: &mut DbConn, caller: &Authenticated) -> ApiResult<Caller> {
    let device_id = caller
        .device_id
        .ok_or_else(|| ApiError::new(ErrorCode::DeviceRequired))?;
    let device =
        devices::find(conn, device_id)?.ok_or_else(|| ApiError::new(ErrorCode::DeviceRevoked))?;
    let actor = hex::decode(&device.actor_id)
        .map(ActorId::from)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("stored actor id is not hex: {e}")))?;
    Ok(Caller {
        user_id: caller.user.id,
        device_id: Some(device.id),
        actor,
        may_write: matches!(caller.role, Role::Counsellor | Role::Admin),
        scope: caller.scope.clone(),
    })
}

//! Registering, listing and revoking devices.

pub mod get;
pub mod list;
pub mod register;
pub mod revoke;

use crate::auth::{Authenticated, policy};
use crate::db::DbConn;
use crate::db::id::DeviceId;
use crate::error::{ApiError, ApiResult};
use crate::models::devices::{self, DeviceRow};
use crate::models::users;

/// A device the caller may see (their own, or one of a user they manage); otherwise 404.
pub fn visible_device(
    conn: &mut DbConn,
    caller: &Authenticated,
    id: DeviceId,
) -> ApiResult<DeviceRow> {
    let device = devices::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    if device.user_id == caller.user.id {
        return Ok(device);
    }
    let owner = users::find(conn, device.user_id)?.ok_or_else(ApiError::not_found)?;
    let paths: Vec<String> = users::assigned_regions(conn, owner.id)?
        .into_iter()
        .map(|r| r.path)
        .collect();
    if policy::manages(caller, owner.role(), &paths) {
        Ok(device)
    } else {
        Err(ApiError::not_found())
    }
}

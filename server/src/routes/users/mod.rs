//! Accounts: admins create and change them; supervisors see the counsellors and viewers of their regions.

pub mod create;
pub mod get;
pub mod list;
pub mod update;

use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{ErrorCode, RegionCode};

use crate::auth::{Authenticated, policy};
use crate::db::DbConn;
use crate::db::id::UserId;
use crate::error::{ApiError, ApiResult};
use crate::models::regions;
use crate::models::users::{self, UserRow};

/// Checks that every code names a known region; returns the codes, deduplicated and sorted.
pub fn resolve_regions(
    conn: &mut DbConn,
    codes: &[RegionCode],
    role: Role,
) -> ApiResult<Vec<String>> {
    let mut wanted: Vec<String> = codes.iter().map(|c| c.as_str().to_owned()).collect();
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() && role != Role::Admin {
        return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
            "region_codes",
            "required",
            "除管理员外，每个账户至少分配一个行政区划",
            "every role but admin needs at least one region",
        ));
    }
    let found = regions::find_many(conn, &wanted)?;
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|code| !found.iter().any(|r| &&r.code == code))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::new(ErrorCode::RegionUnknown).with_field(
            "region_codes",
            "region_unknown",
            format!("行政区划不存在：{}", missing.join("、")),
            format!("unknown regions: {}", missing.join(", ")),
        ));
    }
    Ok(wanted)
}

/// A user the caller may see; otherwise 404.
pub fn visible_user(conn: &mut DbConn, caller: &Authenticated, id: UserId) -> ApiResult<UserRow> {
    let user = users::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let paths: Vec<String> = users::assigned_regions(conn, user.id)?
        .into_iter()
        .map(|r| r.path)
        .collect();
    if policy::sees(caller, user.id, user.role(), &paths) {
        Ok(user)
    } else {
        Err(ApiError::not_found())
    }
}

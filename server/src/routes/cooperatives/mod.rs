//! The cooperative registry. Everyone reads the cooperatives of their regions; supervisors and admins edit them.
//! A cooperative outside the caller's regions answers 404, as if it did not exist.

pub mod activity;
pub mod assign;
pub mod create;
pub mod get;
pub mod list;
pub mod parallel_updates;
pub mod responsibility;
pub mod unassign;
pub mod update;

use hezuo_mobile_api::error::ExistingResource;
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{ErrorCode, RegionCode, Uscc};

use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::db::id::CooperativeId;
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives;
use crate::models::regions::{self, RegionRow};

/// Roles that may create and change registry entries.
pub const EDITORS: &[Role] = &[Role::Admin, Role::Supervisor];

/// A region that exists and lies inside the caller's scope.
pub fn writable_region(
    conn: &mut DbConn,
    caller: &Authenticated,
    code: &RegionCode,
) -> ApiResult<RegionRow> {
    let region = regions::find(conn, code.as_str())?.ok_or_else(|| {
        ApiError::new(ErrorCode::RegionUnknown).with_field(
            "region_code",
            "region_unknown",
            format!("行政区划{code}不存在"),
            format!("region {code} does not exist"),
        )
    })?;
    if !caller.scope.covers_path(&region.path) {
        return Err(ApiError::new(ErrorCode::RegionOutOfScope).with_detail(
            format!("{}（{code}）不在您的负责范围内", region.name),
            format!("{} ({code}) is outside your regions", region.name),
        ));
    }
    Ok(region)
}

/// Refuses a credit code another cooperative already has. The conflicting entry is named when the caller may see it.
pub fn ensure_uscc_free(
    conn: &mut DbConn,
    caller: &Authenticated,
    uscc: &Uscc,
    except_id: Option<CooperativeId>,
) -> ApiResult<()> {
    let Some(existing) = cooperatives::find_by_uscc(conn, uscc.as_str())? else {
        return Ok(());
    };
    if Some(existing.id) == except_id {
        return Ok(());
    }
    let visible = regions::find(conn, &existing.region_code)?
        .is_some_and(|r| caller.scope.covers_path(&r.path));
    let error = ApiError::new(ErrorCode::UsccDuplicate);
    Err(if visible {
        error
            .with_detail(
                format!("统一社会信用代码{uscc}已登记为“{}”", existing.name),
                format!(
                    "credit code {uscc} is already registered as \"{}\"",
                    existing.name
                ),
            )
            .with_existing(ExistingResource {
                id: existing.id.to_string(),
                name: existing.name,
            })
    } else {
        error.with_detail(
            format!("统一社会信用代码{uscc}已在您负责范围以外的地区登记"),
            format!("credit code {uscc} is already registered outside your regions"),
        )
    })
}

//! The clean-up view of a subtree: classifications with their evidence, the human decision on them, rule-set
//! versions, re-classification, the report and the Excel export. Disposal cases are in [`super::cases`].

pub mod classify;
pub mod decide;
pub mod export;
pub mod list;
pub mod report;
pub mod rules_install;
pub mod rules_list;
pub mod show;

use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::users::Role;

use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};

/// Supervisors and admins decide and run cases; counsellors and viewers only read.
pub fn require_decider(caller: &Authenticated) -> ApiResult<()> {
    match caller.role {
        Role::Supervisor | Role::Admin => Ok(()),
        _ => Err(ApiError::new(ErrorCode::NotADecider)),
    }
}

/// The path of the `region` filter, checked to exist.
pub fn region_path(conn: &mut DbConn, region: Option<&str>) -> ApiResult<Option<String>> {
    let Some(code) = region else {
        return Ok(None);
    };
    let code = crate::validate::region_code_param(code)?;
    let region = crate::models::regions::find(conn, code.as_str())?
        .ok_or_else(|| ApiError::new(ErrorCode::RegionUnknown))?;
    Ok(Some(region.path))
}

/// A state code, checked.
pub fn parse_state(field: &str, value: &str) -> ApiResult<hezuo_sync::model::CoopState> {
    hezuo_sync::model::CoopState::parse(value).ok_or_else(|| {
        ApiError::new(ErrorCode::ValidationFailed).with_field(
            field,
            "invalid",
            "状态应为 active_standard、active_nonstandard、dormant_recoverable、shell 或 fraud_risk",
            "state is active_standard, active_nonstandard, dormant_recoverable, shell or fraud_risk",
        )
    })
}

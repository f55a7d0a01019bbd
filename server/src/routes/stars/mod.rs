//! Star ratings (RULES.md §2): scoring models, campaigns, applications and their review by level, revocation events,
//! each cooperative's star history, and the 公示 list and results exports.

pub mod application_show;
pub mod applications_file;
pub mod applications_list;
pub mod campaign_close;
pub mod campaign_open;
pub mod campaigns_list;
pub mod event_record;
pub mod history;
pub mod manual_scores;
pub mod models_install;
pub mod models_list;
pub mod public_notice;
pub mod results_export;
pub mod review;

use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::users::Role;

use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::stars::store::{self, ApplicationRow, CampaignRow};

/// The application if the caller's regions hold its cooperative (404 otherwise), with its campaign.
pub fn visible_application(
    conn: &mut DbConn,
    caller: &Authenticated,
    id: &str,
) -> ApiResult<(ApplicationRow, CampaignRow)> {
    let row = store::application(conn, id)?;
    if !caller.scope.covers_path(&row.region_path) {
        return Err(ApiError::not_found());
    }
    let campaign = store::campaign(conn, &row.campaign_id)?;
    Ok((row, campaign))
}

/// Supervisors and admins score and review; counsellors file but do not judge.
pub fn require_reviewer(caller: &Authenticated) -> ApiResult<()> {
    match caller.role {
        Role::Supervisor | Role::Admin => Ok(()),
        _ => Err(ApiError::new(ErrorCode::NotAReviewer)),
    }
}

use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::stars::Campaign;
use hezuo_mobile_api::users::Role;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::stars::campaigns;
use crate::state::AppState;

/// Closes a campaign (admins): no more applications, scores or decisions. Applications still under review stay as
/// they are, visible in the results. Closing a closed campaign changes nothing. Audited as `star.campaign_closed`.
#[utoipa::path(tag = "stars", params(("id" = Uuid, Path, description = "Campaign id")), responses(
    (status = 200, description = "The campaign, closed", body = Campaign),
    (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/stars/campaigns/{id}/close")]
pub async fn close_campaign(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<Campaign>> {
    caller.require_role(&[Role::Admin])?;
    let id = path.into_inner().to_string();
    let campaign = state
        .db
        .write(move |conn| campaigns::close(conn, &caller, &id))
        .await?;
    Ok(web::Json(campaign))
}

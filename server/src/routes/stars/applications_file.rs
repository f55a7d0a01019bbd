use actix_web::{HttpResponse, post, web};
use hezuo_mobile_api::stars::{Application, FileApplication};
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{ErrorCode, Problem};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::id::CooperativeId;
use crate::error::{ApiError, ApiResult};
use crate::stars::{applications, store, view};
use crate::state::AppState;

/// Files an application for a cooperative in the caller's regions (counsellors, supervisors, admins). The indicators
/// the data can answer are computed at once from the latest approved visit, registry facts, the clean-up state and
/// the star history, each with its source; manual indicators wait for a reviewer. A cooperative needs an approved
/// visit; one that is barred (revoked star, falsified application) is refused until the bar ends. Filing again
/// answers the application already filed (200), so a retry never files twice.
#[utoipa::path(tag = "stars", params(("id" = Uuid, Path, description = "Campaign id")),
    request_body = FileApplication, responses(
    (status = 200, description = "Already filed", body = Application),
    (status = 201, description = "Filed and scored", body = Application),
    (status = 403, description = "Viewers do not file", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Closed campaign, barred cooperative, or no approved visit", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No such cooperative in the caller's regions (`unknown_cooperative` on `cooperative_id`), or the organisation is not of the campaign's kind", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/stars/campaigns/{id}/applications")]
pub async fn file_application(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<Uuid>,
    body: web::Json<FileApplication>,
) -> ApiResult<HttpResponse> {
    caller.require_role(&[Role::Counsellor, Role::Supervisor, Role::Admin])?;
    let campaign_id = path.into_inner().to_string();
    let cooperative_id = CooperativeId::from(body.cooperative_id);
    let (created, application) = state
        .db
        .write(move |conn| {
            let campaign = store::campaign(conn, &campaign_id)?;
            // The campaign is the resource addressed; a cooperative named in the body that cannot be filed for is
            // bad input (422), not a missing campaign.
            let cooperative =
                crate::auth::policy::cooperative_in_scope(conn, &caller, cooperative_id)?
                    .filter(|row| row.merged_into.is_none())
                    .ok_or_else(|| {
                        ApiError::new(ErrorCode::ValidationFailed).with_field(
                            "cooperative_id",
                            "unknown_cooperative",
                            "您的辖区内没有该合作社",
                            "no such cooperative in your regions",
                        )
                    })?;
            let (row, created) = applications::file(conn, &caller, &campaign, &cooperative)?;
            Ok((created, view::application(conn, row, &campaign)?))
        })
        .await?;
    Ok(if created {
        HttpResponse::Created().json(application)
    } else {
        HttpResponse::Ok().json(application)
    })
}

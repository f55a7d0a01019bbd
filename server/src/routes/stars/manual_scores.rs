use actix_web::{put, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::stars::{Application, ManualScores};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::stars::{applications, store, view};
use crate::state::AppState;

/// Scores manual indicators (supervisors and admins): each within its points and with a note. The application is
/// scored again with what the data says now; a changed result starts the review again from the first level. Send the
/// `version` you looked at: a change since answers `star_application_stale`. Audited as `star.manual_scored`.
#[utoipa::path(tag = "stars", params(("id" = Uuid, Path, description = "Application id")),
    request_body(content = ManualScores, example = json!({"version": "9f2c…", "scores": {"C1": {"points": 5, "note": "年营业收入高于当地同行业平均"}}})),
    responses(
    (status = 200, description = "Scored again", body = Application),
    (status = 403, description = "Counsellors and viewers do not score", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such application in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Decided already, or the campaign is closed", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "The application changed since", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not a manual indicator, points out of range, or no note", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[put("/stars/applications/{id}/manual-scores")]
pub async fn set_manual_scores(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<Uuid>,
    body: web::Json<ManualScores>,
) -> ApiResult<web::Json<Application>> {
    super::require_reviewer(&caller)?;
    let id = path.into_inner().to_string();
    let request = body.into_inner();
    let application = state
        .db
        .write(move |conn| {
            let (mut row, campaign) = super::visible_application(conn, &caller, &id)?;
            let model = store::campaign_model(conn, &campaign)?;
            applications::set_manual(conn, &caller, &mut row, &campaign, &model, &request)?;
            view::application(conn, row, &campaign)
        })
        .await?;
    Ok(web::Json(application))
}

use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::stars::{Application, StarDecision};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::stars::{applications, phone, store, view};
use crate::state::AppState;

/// A reviewer's decision at their level (supervisors at the level of their region; admins name any level):
/// `confirm` the star proposed, or a lower one with a note; `reject` with a note (not rated); `falsified` with a note
/// (not rated, and the cooperative is barred for the model's period, 2 years by default). Levels decide in order,
/// lowest first; a star needs the levels up to its own review level (产业农合联: ★★★ county, ★★★★ city, ★★★★★
/// province). The last confirmation awards the star: it enters the history and the registry, and reaches the
/// counsellors' phones in the document's `decisions.star`. Every decision is kept with the version it saw and audited
/// as `star.review.<decision>`.
#[utoipa::path(tag = "stars", params(("id" = Uuid, Path, description = "Application id")),
    request_body(content = StarDecision, examples(
        ("confirm" = (value = json!({"decision": "confirm", "version": "9f2c…"}))),
        ("lower" = (value = json!({"decision": "confirm", "version": "9f2c…", "star": 3, "note": "品牌建设材料不足"}))),
        ("falsified" = (value = json!({"decision": "falsified", "version": "9f2c…", "note": "成员名册与实际不符"}))),
    )), responses(
    (status = 200, description = "The application after the decision", body = Application),
    (status = 403, description = "Not a reviewer, or another level than the caller's", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such application in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Decided already, closed campaign, another level awaited, or manual indicators unscored", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "The application changed since", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An unknown decision, a star above the one proposed, or no note", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/stars/applications/{id}/review")]
pub async fn review_application(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<Uuid>,
    body: web::Json<StarDecision>,
) -> ApiResult<web::Json<Application>> {
    super::require_reviewer(&caller)?;
    let id = path.into_inner().to_string();
    let request = body.into_inner();
    let app = state.clone();
    let application = state
        .db
        .run(move |conn| {
            let (row, campaign) = super::visible_application(conn, &caller, &id)?;
            let model = store::campaign_model(conn, &campaign)?;
            let level = applications::acting_level(
                &caller,
                &model,
                request.level.as_deref(),
                row.awaiting_level.as_deref(),
            )?;
            let cooperative_id = row.cooperative_id;
            let decided = phone::write_with(conn, &app, &caller, cooperative_id, |conn| {
                // Read again inside the transaction: the write may be retried.
                let (mut row, campaign) = super::visible_application(conn, &caller, &id)?;
                applications::decide(conn, &caller, &mut row, &campaign, &model, &level, &request)?;
                Ok(row)
            })?;
            view::application(conn, decided, &campaign)
        })
        .await?;
    Ok(web::Json(application))
}

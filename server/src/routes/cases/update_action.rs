use actix_web::{patch, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::cleanup::{ActionUpdate, DisposalCase};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::cleanup::disposal::{self, ActionChange};
use crate::cleanup::status::ActionStatus;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::validate::Checks;

/// Tracks one action of an open case (supervisors and admins): its status (`planned`, `in_progress`, `referred`,
/// `done`, `cancelled`), assignee, due date, re-visit date (phones show it), the body it was referred to and a note.
/// Fields not given stay. Audited as `cleanup.action_updated` with the action before and after.
#[utoipa::path(tag = "cleanup", params(
    ("id" = Uuid, Path, description = "Case id"),
    ("action_id" = Uuid, Path, description = "Action id"),
), request_body(content = ActionUpdate, examples(
    ("referred" = (value = json!({"status": "referred", "referred_to": "区市场监督管理局", "note": "已函告，待回复"}))),
    ("done" = (value = json!({"status": "done", "note": "已办结注销"}))),
)), responses(
    (status = 200, description = "The case afterwards", body = DisposalCase),
    (status = 403, description = "The caller does not decide", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such case or action in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The case is closed", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An unknown status or invalid field", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[patch("/cleanup/cases/{id}/actions/{action_id}")]
pub async fn update_action(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<ActionUpdate>,
) -> ApiResult<web::Json<DisposalCase>> {
    crate::routes::cleanup::require_decider(&caller)?;
    let (case_id, action_id) = path.into_inner();
    let (case_id, action_id) = (case_id.to_string(), action_id.to_string());
    let update = body.into_inner();
    let mut checks = Checks::new();
    let status = update.status.as_deref().map(ActionStatus::parse);
    if status.is_some_and(|parsed| parsed.is_none()) {
        checks.fail(
            "status",
            "invalid",
            "状态应为 planned、in_progress、referred、done 或 cancelled",
            "status is planned, in_progress, referred, done or cancelled",
        );
    }
    let note = super::check_text(&mut checks, "note", update.note.as_deref());
    let referred_to = super::check_text(&mut checks, "referred_to", update.referred_to.as_deref());
    checks.finish()?;
    let change = ActionChange {
        status: status.flatten(),
        assignee_user_id: update.assignee_user_id,
        due_on: update.due_on,
        revisit_on: update.revisit_on,
        referred_to,
        note,
    };
    let app = state.clone();
    let case = state
        .db
        .run(move |conn| {
            disposal::update_action(conn, &app, &caller, &case_id, &action_id, &change)
        })
        .await?;
    Ok(web::Json(case))
}

use actix_web::{patch, web};
use diesel::prelude::*;
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::cleanup::{ActionUpdate, DisposalCase};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::cleanup::cases::{self, ActionRow};
use crate::db::schema::disposal_actions;
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::models::now;
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
    if let Some(status) = &update.status
        && !cases::ACTION_STATUSES.contains(&status.as_str())
    {
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
    let app = state.clone();
    let case = state
        .db
        .run(move |conn| {
            super::change_open_case(conn, &app, &caller, &case_id, |conn, case| {
                let before: ActionRow = disposal_actions::table
                    .find(&action_id)
                    .filter(disposal_actions::case_id.eq(&case_id))
                    .select(ActionRow::as_select())
                    .first(conn)
                    .optional()?
                    .ok_or_else(ApiError::not_found)?;
                let mut after = before.clone();
                if let Some(status) = &update.status {
                    after.completed_at = match (status.as_str(), before.completed_at) {
                        ("done", Some(at)) => Some(at),
                        ("done", None) => Some(now()),
                        _ => None,
                    };
                    after.status = status.clone();
                }
                super::check_assignee(
                    conn,
                    "assignee_user_id",
                    update.assignee_user_id.as_deref(),
                )?;
                if let Some(assignee) = &update.assignee_user_id {
                    after.assignee_user_id = Some(assignee.clone());
                }
                if let Some(due) = update.due_on {
                    after.due_on = Some(due.to_string());
                }
                if let Some(revisit) = update.revisit_on {
                    after.revisit_on = Some(revisit.to_string());
                }
                if referred_to.is_some() {
                    after.referred_to = referred_to.clone();
                }
                if note.is_some() {
                    after.note = note.clone();
                }
                if after == before {
                    return super::load(conn, case);
                }
                after.updated_by = Some(caller.user.id.clone());
                after.updated_at = now();
                diesel::update(disposal_actions::table.find(&action_id))
                    .set((
                        disposal_actions::status.eq(&after.status),
                        disposal_actions::assignee_user_id.eq(&after.assignee_user_id),
                        disposal_actions::due_on.eq(&after.due_on),
                        disposal_actions::revisit_on.eq(&after.revisit_on),
                        disposal_actions::referred_to.eq(&after.referred_to),
                        disposal_actions::note.eq(&after.note),
                        disposal_actions::updated_by.eq(&after.updated_by),
                        disposal_actions::updated_at.eq(after.updated_at),
                        disposal_actions::completed_at.eq(after.completed_at),
                    ))
                    .execute(conn)?;
                audit::record(
                    conn,
                    &caller.who(),
                    Entry {
                        action: "cleanup.action_updated",
                        entity_type: "disposal_action",
                        entity_id: &action_id,
                    },
                    Some(&before),
                    Some(&after),
                )?;
                super::load(conn, case)
            })
        })
        .await?;
    Ok(web::Json(case))
}

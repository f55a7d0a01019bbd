use actix_web::{post, web};
use diesel::prelude::*;
use hezuo_mobile_api::cleanup::{CloseCase, DisposalCase};
use hezuo_mobile_api::{ErrorCode, Problem};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::cleanup::cases;
use crate::db::schema::{disposal_actions, disposal_cases};
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::models::now;
use crate::state::AppState;
use crate::validate::Checks;

/// Closes a case once every action is done or cancelled, with a closing note (supervisors and admins). Re-visits the
/// case planned leave the phones. Audited as `cleanup.case_closed`.
#[utoipa::path(tag = "cleanup", params(("id" = Uuid, Path, description = "Case id")),
    request_body(content = CloseCase, example = json!({"note": "已注销，档案归档"})), responses(
    (status = 200, description = "The closed case", body = DisposalCase),
    (status = 403, description = "The caller does not decide", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such case in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Closed already, or an action is still open", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No closing note", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/cleanup/cases/{id}/close")]
pub async fn close_case(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<Uuid>,
    body: web::Json<CloseCase>,
) -> ApiResult<web::Json<DisposalCase>> {
    crate::routes::cleanup::require_decider(&caller)?;
    let case_id = path.into_inner().to_string();
    let mut checks = Checks::new();
    let note = checks.text("note", &body.note, 1000);
    checks.finish()?;
    let app = state.clone();
    let case = state
        .db
        .run(move |conn| {
            super::change_open_case(conn, &app, &caller, &case_id, |conn, before| {
                let statuses: Vec<String> = disposal_actions::table
                    .filter(disposal_actions::case_id.eq(&case_id))
                    .select(disposal_actions::status)
                    .load(conn)?;
                let open = statuses.iter().filter(|s| !cases::is_final(s)).count();
                if open > 0 {
                    return Err(ApiError::new(ErrorCode::CaseActionsOpen).with_detail(
                        format!("尚有{open}项处置措施未完成或取消"),
                        format!("{open} actions are neither done nor cancelled"),
                    ));
                }
                diesel::update(disposal_cases::table.find(&case_id))
                    .set((
                        disposal_cases::status.eq("closed"),
                        disposal_cases::closed_by.eq(&caller.user.id),
                        disposal_cases::closed_at.eq(now()),
                        disposal_cases::closing_note.eq(&note),
                    ))
                    .execute(conn)?;
                let after = super::visible_case(conn, &caller, &case_id)?;
                audit::record(
                    conn,
                    &caller.who(),
                    Entry {
                        action: "cleanup.case_closed",
                        entity_type: "disposal_case",
                        entity_id: &case_id,
                    },
                    Some(&before),
                    Some(&after),
                )?;
                super::load(conn, after)
            })
        })
        .await?;
    Ok(web::Json(case))
}

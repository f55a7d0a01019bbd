use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::cleanup::{CloseCase, DisposalCase};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::cleanup::disposal;
use crate::error::ApiResult;
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
        .run(move |conn| disposal::close(conn, &app, &caller, &case_id, &note))
        .await?;
    Ok(web::Json(case))
}

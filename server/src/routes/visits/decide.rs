use actix_web::{post, web};
use hezuo_mobile_api::reviews::{ReviewDecision, ReviewItem};
use hezuo_mobile_api::{ErrorCode, Problem};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::review::actions::{self, Context, Request};
use crate::review::machine::Action;
use crate::state::AppState;

/// A reviewer's decision.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// At the caller's level; the levels go lowest first.
    Approve,
    /// Withdraw the caller's level's approval; only the highest approved level may.
    Unapprove,
    /// Send back to the counsellor for correction; `note` says what to fix.
    Return,
    /// Not accepted as evidence (final); `note` says why.
    Reject,
}

/// Decides a visit at the caller's review level. The result is written into the cooperative's document so the
/// counsellor's phone shows it (a returned visit with its note appears in the phone's tasks), and into the audit log.
/// Send the `version` you reviewed: if the visit changed since, the decision is refused with `review_stale`.
/// Approving twice is harmless.
#[utoipa::path(tag = "review", params(
    ("id" = Uuid, Path, description = "Visit id"),
    ("decision" = Decision, Path, description = "approve, unapprove, return or reject"),
), request_body(content = ReviewDecision, examples(
    ("approve" = (value = json!({"version": "9f2c…"}))),
    ("return" = (value = json!({"note": "请补拍账本和会议记录照片", "version": "9f2c…"}))),
)), responses(
    (status = 200, description = "The visit's review afterwards", body = ReviewItem),
    (status = 403, description = "The caller does not review, or not at that level", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such visit in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not possible in the visit's state (not pending, not your level's turn, unapproval order)", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "The visit changed since `version`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A return or rejection without a note", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/visits/{id}/review/{decision}")]
pub async fn decide_visit(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(Uuid, Decision)>,
    body: web::Bytes,
) -> ApiResult<web::Json<ReviewItem>> {
    let (visit_id, decision) = path.into_inner();
    let body: ReviewDecision = crate::validate::optional_json(&body)?;
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let action = match (decision, note) {
        (Decision::Approve, _) => Action::Approve,
        (Decision::Unapprove, _) => Action::Unapprove,
        (Decision::Return, Some(note)) => Action::Return { note },
        (Decision::Reject, Some(note)) => Action::Reject { note },
        (Decision::Return | Decision::Reject, None) => {
            return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
                "note",
                "required",
                "退回或不予采信时须说明原因",
                "a return or rejection needs a note",
            ));
        }
    };
    let app = state.clone();
    let item = state
        .db
        .run(move |conn| {
            let context = Context::new(&app, &caller);
            let row = actions::act(
                conn,
                &context,
                &visit_id.to_string(),
                &Request::Decide(action),
                body.level,
                body.version.as_deref(),
            )?;
            crate::routes::reviews::items(conn, vec![row])?
                .pop()
                .ok_or_else(ApiError::not_found)
        })
        .await?;
    Ok(web::Json(item))
}

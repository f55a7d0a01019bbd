use actix_web::{post, web};
use hezuo_mobile_api::reviews::{ActivityEntry, NewComment};
use hezuo_mobile_api::{ErrorCode, Problem};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::review::actions::{self, Context, Request};
use crate::state::AppState;

/// The longest comment kept.
const MAX_COMMENT_CHARS: usize = 2000;

/// Adds a reviewer's comment to a visit's activity (no change of state). Returns the visit's activity.
#[utoipa::path(tag = "review", params(("id" = Uuid, Path, description = "Visit id")), request_body(content = NewComment, examples(
    ("comment" = (value = json!({"note": "照片清晰，数据与名册一致"}))),
)), responses(
    (status = 200, description = "The visit's activity with the comment", body = Vec<ActivityEntry>),
    (status = 403, description = "The caller does not review", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such visit in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An empty or overlong comment", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/visits/{id}/comments")]
pub async fn comment_on_visit(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<NewComment>,
) -> ApiResult<web::Json<Vec<ActivityEntry>>> {
    let visit_id = id.into_inner().to_string();
    let note = body.into_inner().note.trim().to_owned();
    if note.is_empty() || note.chars().count() > MAX_COMMENT_CHARS {
        return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
            "note",
            "length",
            format!("评论应为1到{MAX_COMMENT_CHARS}个字"),
            format!("a comment has 1 to {MAX_COMMENT_CHARS} characters"),
        ));
    }
    let app = state.clone();
    let activity = state
        .db
        .run(move |conn| {
            let context = Context::new(&app, &caller);
            let row = actions::act(
                conn,
                &context,
                &visit_id,
                &Request::Comment(note),
                None,
                None,
            )?;
            crate::review::activity::activity(conn, row.cooperative_id, Some(&visit_id))
                .map_err(ApiError::from)
        })
        .await?;
    Ok(web::Json(activity))
}

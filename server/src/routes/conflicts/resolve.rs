use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::reviews::{ConflictInfo, ConflictResolution};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::review::conflicts;
use crate::state::AppState;

/// Settles a conflicted field: keep one of the values (`candidate`, its position in the list) or enter a new one
/// (`value`, plain fields only). The resolution is a change by the server that every phone receives at its next sync;
/// the conflict is marked resolved with who chose what.
#[utoipa::path(tag = "review", params(("id" = Uuid, Path, description = "Conflict id")), request_body(content = ConflictResolution, examples(
    ("keep a value" = (value = json!({"candidate": 1, "note": "以成员名册为准"}))),
    ("enter a value" = (value = json!({"value": 96, "note": "现场清点为96人"}))),
)), responses(
    (status = 200, description = "The resolved conflict", body = ConflictInfo),
    (status = 403, description = "The caller does not review", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such conflict in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Already resolved", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Neither or both of candidate and value, or a value that does not fit the field", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/conflicts/{id}/resolve")]
pub async fn resolve_conflict(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<ConflictResolution>,
) -> ApiResult<web::Json<ConflictInfo>> {
    let id = id.into_inner().to_string();
    let body = body.into_inner();
    let app = state.clone();
    let resolved = state
        .db
        .run(move |conn| conflicts::resolve(conn, &app.documents, &caller, &id, &body))
        .await?;
    Ok(web::Json(resolved))
}

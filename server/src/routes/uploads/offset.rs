use actix_web::{HttpRequest, HttpResponse, head, web};
use hezuo_mobile_api::Problem;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::photos::uploads;
use crate::state::AppState;

/// tus: how many bytes of the upload the server has stored, to resume from there.
#[utoipa::path(tag = "uploads", params(
    ("id" = String, Path, description = "Upload id"),
    ("Tus-Resumable" = String, Header, description = "1.0.0"),
), responses(
    (status = 200, description = "The stored offset", headers(("Upload-Offset" = u64), ("Upload-Length" = u64), ("Upload-Expires" = String))),
    (status = 404, description = "No such upload of this device", body = Problem, content_type = "application/problem+json"),
    (status = 410, description = "The upload expired", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[head("/uploads/{id}")]
pub async fn upload_offset(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    super::check_version(&req)?;
    let id = id.into_inner();
    let mut upload = state
        .db
        .run(move |conn| super::load(conn, &caller, &id))
        .await?;
    if upload.awaits_completion() {
        // Every byte was stored but the server stopped before the photo was processed: finish it now.
        uploads::complete(&state, upload.clone()).await?;
        upload.completed_at = Some(crate::models::now());
    }
    let mut response = super::tus_response(HttpResponse::Ok());
    super::with_upload_headers(&mut response, &upload);
    Ok(response.finish())
}

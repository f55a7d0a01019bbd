use actix_web::{HttpRequest, HttpResponse, delete, web};
use hezuo_mobile_api::Problem;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::photos::uploads;
use crate::state::AppState;

/// tus termination: the phone gives up an upload (the photo was removed from the visit); its bytes are deleted.
#[utoipa::path(tag = "uploads", params(
    ("id" = String, Path, description = "Upload id"),
    ("Tus-Resumable" = String, Header, description = "1.0.0"),
), responses(
    (status = 204, description = "Terminated"),
    (status = 404, description = "No such upload of this device", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[delete("/uploads/{id}")]
pub async fn terminate_upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    super::check_version(&req)?;
    let id = id.into_inner();
    state
        .db
        .write(move |conn| {
            let upload = super::load(conn, &caller, &id)?;
            Ok(uploads::discard(conn, &upload.id)?)
        })
        .await?;
    Ok(super::no_content().finish())
}

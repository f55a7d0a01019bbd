use actix_web::{HttpRequest, HttpResponse, get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::regions::Region;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::models::regions;
use crate::state::AppState;

/// One region with its full name and number of children.
#[utoipa::path(tag = "regions", params(("code" = String, Path, description = "Region code", example = "330203")), responses(
    (status = 200, description = "The region", body = Region, headers(("ETag" = String))),
    (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    (status = 404, description = "Unknown region", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Malformed code", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/regions/{code}")]
pub async fn get_region(
    req: HttpRequest,
    state: web::Data<AppState>,
    _caller: Authenticated,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let code = crate::validate::region_code_param(&code)?;
    let region = state
        .db
        .run(move |conn| {
            let row = regions::find(conn, code.as_str())?.ok_or_else(ApiError::not_found)?;
            let mut converted = regions::to_api_many(conn, std::slice::from_ref(&row))?;
            converted.pop().ok_or_else(ApiError::not_found)
        })
        .await?;
    crate::etag::respond(&req, &region)
}

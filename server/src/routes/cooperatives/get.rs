use actix_web::{HttpRequest, HttpResponse, get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::cooperatives::Cooperative;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::id::CooperativeId;
use crate::error::ApiResult;
use crate::models::cooperatives;
use crate::state::AppState;

/// One cooperative of the caller's regions. Send the ETag back in `If-None-Match` to get a bodiless 304 when it is
/// unchanged.
#[utoipa::path(tag = "cooperatives", params(("id" = Uuid, Path, description = "Cooperative id")), responses(
    (status = 200, description = "The cooperative", body = Cooperative, headers(("ETag" = String))),
    (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    (status = 404, description = "No such cooperative in the caller's regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/cooperatives/{id}")]
pub async fn get_cooperative(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = CooperativeId::from(id.into_inner());
    crate::etag::read_and_respond(&req, &state.db, move |conn| {
        let row = crate::auth::policy::visible_cooperative(conn, &caller, id)?;
        Ok(cooperatives::to_api_one(conn, &row)?)
    })
    .await
}

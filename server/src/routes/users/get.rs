use actix_web::{HttpRequest, HttpResponse, get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::users::User;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::id::UserId;
use crate::error::ApiResult;
use crate::models::users;
use crate::state::AppState;

/// One account: the caller's own, one they manage, or any for admins.
#[utoipa::path(tag = "users", params(("id" = Uuid, Path, description = "User id")), responses(
    (status = 200, description = "The account", body = User, headers(("ETag" = String))),
    (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    (status = 404, description = "No such account, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/users/{id}")]
pub async fn get_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = UserId::from(id.into_inner());
    crate::etag::read_and_respond(&req, &state.db, move |conn| {
        let row = super::visible_user(conn, &caller, id)?;
        Ok(users::load_api(conn, &row)?)
    })
    .await
}

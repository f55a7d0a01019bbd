use actix_web::{HttpRequest, HttpResponse, post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::auth::{LoginRequest, WebLoginRequest, WebSession};

use crate::error::ApiResult;
use crate::state::AppState;

/// Logs the browser console in: the same checks, lockout and limits as `/auth/login`, but the tokens are set as
/// HttpOnly, SameSite=Strict cookies that page script cannot read. The body carries the CSRF token to send as
/// `X-CSRF-Token` with every request that changes something.
#[utoipa::path(tag = "auth", request_body = WebLoginRequest, responses(
    (status = 200, description = "Logged in; cookies `hezuo_access`, `hezuo_refresh` and `hezuo_csrf` set", body = WebSession),
    (status = 401, description = "Wrong username or password (`invalid_credentials`)", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Account disabled", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Too many attempts (`rate_limited`, `account_locked`); see Retry-After", body = Problem, content_type = "application/problem+json"),
))]
#[post("/auth/web/login")]
pub async fn web_login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<WebLoginRequest>,
) -> ApiResult<HttpResponse> {
    let WebLoginRequest { username, password } = body.into_inner();
    let request = LoginRequest {
        username,
        password,
        device_id: None,
    };
    let tokens = super::login::authenticate(&req, &state, request).await?;
    Ok(super::web_session_response(&req, &state, tokens))
}

use actix_web::{HttpRequest, HttpResponse, ResponseError, post, web};
use hezuo_mobile_api::auth::WebSession;
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::web_session::{self, CSRF_COOKIE, REFRESH_COOKIE};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Renews the console's access token from its refresh cookie (rotated, as for phones). Needs `X-CSRF-Token` equal to
/// the `hezuo_csrf` cookie. A session that ended (revoked, logged out elsewhere, reused token, disabled account)
/// answers 401 and removes the cookies.
#[utoipa::path(tag = "auth", responses(
    (status = 200, description = "Renewed; new cookies set", body = WebSession),
    (status = 401, description = "`refresh_token_invalid`, `refresh_token_reused` or `session_revoked`", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "`csrf_token_invalid` or account disabled", body = Problem, content_type = "application/problem+json"),
))]
#[post("/auth/web/refresh")]
pub async fn web_refresh(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let csrf_cookie = req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned());
    let presented = web_session::csrf_header(&req).unwrap_or_default();
    if !csrf_cookie.is_some_and(|cookie| web_session::same_token(presented, &cookie)) {
        return Err(ApiError::new(ErrorCode::CsrfTokenInvalid));
    }
    let token = req
        .cookie(REFRESH_COOKIE)
        .map(|c| c.value().to_owned())
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
    match super::refresh::rotate_token(&state, token).await {
        Ok(tokens) => Ok(super::web_session_response(&req, &state, tokens)),
        Err(error) if error.status_code() == actix_web::http::StatusCode::UNAUTHORIZED => {
            let mut response = error.error_response();
            for cookie in web_session::removal_cookies() {
                response.add_cookie(&cookie).map_err(ApiError::internal)?;
            }
            Ok(response)
        }
        Err(error) => Err(error),
    }
}

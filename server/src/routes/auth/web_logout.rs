use actix_web::{HttpRequest, HttpResponse, post, web};
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::Authenticated;
use crate::auth::web_session::{self, CSRF_COOKIE, REFRESH_COOKIE};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Ends the console's session (also when its access token has expired) and removes its cookies. Needs
/// `X-CSRF-Token`. Logging out twice is harmless.
#[utoipa::path(tag = "auth", responses(
    (status = 204, description = "Logged out; cookies removed"),
    (status = 403, description = "`csrf_token_invalid`", body = Problem, content_type = "application/problem+json"),
))]
#[post("/auth/web/logout")]
pub async fn web_logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Option<Authenticated>,
) -> ApiResult<HttpResponse> {
    let csrf_cookie = req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned());
    let presented = web_session::csrf_header(&req).unwrap_or_default();
    if !csrf_cookie.is_some_and(|cookie| web_session::same_token(presented, &cookie)) {
        return Err(ApiError::new(ErrorCode::CsrfTokenInvalid));
    }
    let refresh_token = req.cookie(REFRESH_COOKIE).map(|c| c.value().to_owned());
    match super::logout::end_session(&state, caller, refresh_token).await {
        Ok(()) => {}
        // Nothing to end: the browser still forgets what it holds.
        Err(error)
            if matches!(
                error.code,
                ErrorCode::Unauthenticated | ErrorCode::RefreshTokenInvalid
            ) => {}
        Err(error) => return Err(error),
    }
    let mut response = HttpResponse::NoContent().finish();
    for cookie in web_session::removal_cookies() {
        response.add_cookie(&cookie).map_err(ApiError::internal)?;
    }
    Ok(response)
}

//! Login, refresh and logout: for phones with tokens in the body, for the browser console with cookies.

pub mod login;
pub mod logout;
pub mod refresh;
pub mod web_login;
pub mod web_logout;
pub mod web_refresh;

use std::net::IpAddr;

use actix_web::{HttpRequest, HttpResponse};
use hezuo_mobile_api::auth::{TokenResponse, WebSession};

use crate::auth::web_session;

use crate::db::DbConn;
use crate::error::ApiResult;
use crate::models::sessions::SessionRow;
use crate::models::users::{self, UserRow};
use crate::state::AppState;

/// The address a request came from: the socket peer, or the first `X-Forwarded-For` hop behind a trusted proxy.
pub fn client_address(req: &HttpRequest, trust_forwarded_for: bool) -> IpAddr {
    let forwarded = trust_forwarded_for
        .then(|| req.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .and_then(|v| v.trim().parse::<IpAddr>().ok());
    forwarded
        .or_else(|| req.peer_addr().map(|a| a.ip()))
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

/// The tokens for a session: a fresh access token and the given refresh token.
pub fn token_response(
    conn: &mut DbConn,
    state: &AppState,
    user: &UserRow,
    session: &SessionRow,
    refresh_token: String,
    refresh_expires_in: u64,
) -> ApiResult<TokenResponse> {
    let access_token = state.tokens.issue(user.uuid(), session.uuid())?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: state.tokens.access_ttl_secs(),
        refresh_token,
        refresh_expires_in,
        session_id: session.uuid(),
        device_id: session.device_uuid(),
        user: users::load_api(conn, user)?,
    })
}

/// The console's answer to a login or refresh: the tokens as cookies, the CSRF token and the user in the body.
pub fn web_session_response(
    req: &HttpRequest,
    state: &AppState,
    tokens: TokenResponse,
) -> HttpResponse {
    let secret = state.tokens.secret();
    let mut response = HttpResponse::Ok();
    for cookie in web_session::session_cookies(
        req,
        secret,
        tokens.session_id,
        &tokens.access_token,
        &tokens.refresh_token,
        tokens.refresh_expires_in,
    ) {
        response.cookie(cookie);
    }
    response
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(WebSession {
            csrf_token: web_session::csrf_token(secret, tokens.session_id),
            expires_in: tokens.expires_in,
            session_id: tokens.session_id,
            user: tokens.user,
        })
}

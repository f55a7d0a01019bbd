//! Login, refresh and logout.

pub mod login;
pub mod logout;
pub mod refresh;

use std::net::IpAddr;

use actix_web::HttpRequest;
use hezuo_mobile_api::auth::TokenResponse;

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

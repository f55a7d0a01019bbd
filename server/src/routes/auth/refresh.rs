use actix_web::{post, web};
use hezuo_mobile_api::auth::{RefreshRequest, TokenResponse};
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::refresh as refresh_token;
use crate::db::DbConn;
use crate::db::id::UserId;
use crate::error::{ApiError, ApiResult};
use crate::models::Who;
use crate::models::audit::{self, Entry};
use crate::models::{devices, now, sessions, users};
use crate::state::AppState;

/// Exchanges a refresh token for a new access token and the next refresh token.
///
/// Each refresh token works once. Presenting a used token again ends the whole session (`refresh_token_reused`),
/// except for a retry within `refresh_retry_grace_secs` while its successor is still unused: a phone whose response
/// was lost on a bad link gets the same successor again.
#[utoipa::path(tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, description = "New tokens", body = TokenResponse),
    (status = 401, description = "`refresh_token_invalid`, `refresh_token_reused`, `session_revoked` or `device_revoked`", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Account disabled", body = Problem, content_type = "application/problem+json"),
))]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    rotate_token(&state, body.into_inner().refresh_token)
        .await
        .map(web::Json)
}

/// Rotates a refresh token; a detected reuse ends the session and closes its open WebSockets.
pub(super) async fn rotate_token(
    state: &web::Data<AppState>,
    token: String,
) -> ApiResult<TokenResponse> {
    if !refresh_token::looks_valid(&token) {
        return Err(ApiError::new(ErrorCode::RefreshTokenInvalid));
    }
    let state_for_db = state.clone();
    let outcome = state
        .db
        .write(move |conn| rotate(conn, &state_for_db, &token))
        .await?;
    outcome.map_err(|(error, user)| {
        // The session ended: its open WebSocket connections close now.
        state.documents.feed.publish_access(user.uuid());
        error
    })
}

/// Rotates the token. A detected reuse is returned as `Ok(Err((error, user id)))` so that the revocation it triggers
/// commits.
fn rotate(
    conn: &mut DbConn,
    state: &AppState,
    token: &str,
) -> ApiResult<Result<TokenResponse, (ApiError, UserId)>> {
    let presented = sessions::find_token(conn, token)?
        .ok_or_else(|| ApiError::new(ErrorCode::RefreshTokenInvalid))?;
    let session = sessions::find(conn, presented.session_id)?
        .ok_or_else(|| ApiError::new(ErrorCode::RefreshTokenInvalid))?;
    if let Some(device_id) = session.device_id {
        let revoked = devices::find(conn, device_id)?.is_none_or(|d| d.revoked_at.is_some());
        if revoked {
            return Err(ApiError::new(ErrorCode::DeviceRevoked));
        }
    }
    if !session.is_live(now()) {
        return Err(ApiError::new(if session.revoked_at.is_some() {
            ErrorCode::SessionRevoked
        } else {
            ErrorCode::RefreshTokenInvalid
        }));
    }
    let user = users::find(conn, session.user_id)?
        .ok_or_else(|| ApiError::new(ErrorCode::RefreshTokenInvalid))?;
    if !user.is_active {
        return Err(ApiError::new(ErrorCode::AccountDisabled));
    }

    let successor = refresh_token::successor(state.tokens.secret(), token);
    let ttl = state.refresh_ttl();
    if sessions::claim_token(conn, &presented.id)? {
        sessions::insert_token(conn, session.id, &successor)?;
        sessions::extend(conn, session.id, ttl)?;
        if let Some(device_id) = session.device_id {
            devices::touch(conn, device_id)?;
        }
        let response = super::token_response(
            conn,
            state,
            &user,
            &session,
            successor,
            ttl.num_seconds() as u64,
        )?;
        return Ok(Ok(response));
    }

    // Used before. A retry of the very last rotation, soon after it, is answered again; anything else is theft or a
    // badly broken client, and the session ends.
    let used = sessions::find_token(conn, token)?
        .ok_or_else(|| ApiError::new(ErrorCode::RefreshTokenInvalid))?;
    let grace = chrono::Duration::seconds(state.config.refresh_retry_grace_secs as i64);
    let within_grace = used.used_at.is_some_and(|at| now() - at <= grace);
    let next = sessions::token_after(conn, &used)?;
    let retry_of_last_rotation = next
        .is_some_and(|n| n.used_at.is_none() && n.token_hash == refresh_token::digest(&successor));
    if within_grace && retry_of_last_rotation {
        let response = super::token_response(
            conn,
            state,
            &user,
            &session,
            successor,
            ttl.num_seconds() as u64,
        )?;
        return Ok(Ok(response));
    }

    sessions::revoke(conn, session.id, "refresh_token_reused")?;
    audit::record(
        conn,
        &Who::person(user.id, session.device_id),
        Entry {
            action: crate::models::audit::Action::SessionRevoke,
            entity_type: "session",
            entity_id: &session.id,
        },
        audit::NONE,
        Some(&serde_json::json!({ "reason": "refresh_token_reused" })),
    )?;
    tracing::warn!(session_id = %session.id, user_id = %user.id, "refresh token reuse; session revoked");
    Ok(Err((ApiError::new(ErrorCode::RefreshTokenReused), user.id)))
}

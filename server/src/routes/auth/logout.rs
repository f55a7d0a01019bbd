use actix_web::{HttpResponse, post, web};
use hezuo_mobile_api::auth::LogoutRequest;
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::{Authenticated, refresh};
use crate::error::{ApiError, ApiResult};
use crate::models::Who;
use crate::models::audit::{self, Entry};
use crate::models::sessions;
use crate::state::AppState;

/// Ends the current session: the one of the bearer token, or else the one the refresh token in the body belongs to
/// (so a phone whose access token expired can still log out). Logging out twice is harmless.
#[utoipa::path(tag = "auth", request_body(content = Option<LogoutRequest>), responses(
    (status = 204, description = "Logged out"),
    (status = 401, description = "Neither a valid access token nor a known refresh token", body = Problem, content_type = "application/problem+json"),
), security((), ("bearer" = [])))]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    caller: Option<Authenticated>,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let request: LogoutRequest = crate::validate::optional_json(&body)?;
    end_session(&state, caller, request.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revokes the caller's session, or else the one `refresh_token` belongs to, and closes its open WebSockets.
pub(super) async fn end_session(
    state: &web::Data<AppState>,
    caller: Option<Authenticated>,
    refresh_token: Option<String>,
) -> ApiResult<()> {
    let caller_ids = caller.map(|c| (c.session_id, c.who()));
    let user = state
        .db
        .write(move |conn| {
            let (session_id, actor) = match (caller_ids, refresh_token) {
                (Some(ids), _) => ids,
                (None, Some(token)) if refresh::looks_valid(&token) => {
                    let row = sessions::find_token(conn, &token)?
                        .ok_or_else(|| ApiError::new(ErrorCode::RefreshTokenInvalid))?;
                    (row.session_id, Who::system())
                }
                (None, Some(_)) => return Err(ApiError::new(ErrorCode::RefreshTokenInvalid)),
                (None, None) => return Err(ApiError::new(ErrorCode::Unauthenticated)),
            };
            let user = sessions::find(conn, session_id)?.map(|s| s.user_id);
            if sessions::revoke(conn, session_id, "logout")? > 0 {
                audit::record(
                    conn,
                    &actor,
                    Entry {
                        action: crate::models::audit::Action::SessionRevoke,
                        entity_type: "session",
                        entity_id: &session_id,
                    },
                    audit::NONE,
                    Some(&serde_json::json!({ "reason": "logout" })),
                )?;
            }
            Ok(user)
        })
        .await?;
    if let Some(user) = user {
        state.documents.feed.publish_access(user.uuid());
    }
    Ok(())
}

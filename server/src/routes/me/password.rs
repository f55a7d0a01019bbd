use actix_web::{HttpRequest, HttpResponse, post, web};
use hezuo_mobile_api::users::ChangePasswordRequest;
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::Authenticated;
use crate::auth::lockout;
use crate::auth::password::check_new_password;
use crate::error::{ApiError, ApiResult};
use crate::models::users;
use crate::state::AppState;

/// Changes the caller's own password. The current password must be given; wrong guesses count towards the same
/// lockout as logins. The new one follows the password rules (length, not common). The caller's other sessions end;
/// this one goes on.
#[utoipa::path(tag = "auth", request_body = ChangePasswordRequest, responses(
    (status = 204, description = "Changed"),
    (status = 401, description = "Not logged in, or the current password is wrong (`invalid_credentials`)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "The new password is too short or too common", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Too many wrong current passwords (`account_locked`); see Retry-After", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/me/password")]
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<ChangePasswordRequest>,
) -> ApiResult<HttpResponse> {
    let ChangePasswordRequest {
        current_password,
        new_password,
    } = body.into_inner();
    check_new_password(&new_password, "new_password")?;
    if new_password == current_password {
        return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
            "new_password",
            "unchanged",
            "新密码不能与当前密码相同",
            "the new password must differ from the current one",
        ));
    }
    let address =
        crate::routes::auth::client_address(&req, state.config.trust_forwarded_for).to_string();
    let user_id = caller.user.id;
    let reserved = {
        let state = state.clone();
        let (user_id, address) = (user_id, address.clone());
        state
            .db
            .clone()
            .write(move |conn| Ok(lockout::reserve(conn, &state.config, user_id, &address)?))
            .await?
    };
    let attempt = reserved.map_err(crate::routes::auth::login::locked_error)?;
    let (verified, new_hash) = {
        let state = state.clone();
        let hash = caller.user.password_hash.clone();
        web::block(move || {
            let verified = state.passwords.verify(&current_password, &hash);
            let new_hash = verified.then(|| state.passwords.hash(&new_password));
            (verified, new_hash)
        })
        .await
        .map_err(ApiError::internal)?
    };
    let new_hash = match new_hash {
        Some(hash) => Some(hash.map_err(ApiError::internal)?),
        None => None,
    };
    let session_id = caller.session_id;
    let actor = caller.who();
    let state_for_db = state.clone();
    let outcome = state
        .db
        .write(move |conn| {
            let Some(hash) = new_hash.filter(|_| verified) else {
                let locked =
                    lockout::after_failure(conn, &state_for_db.config, user_id, &address, attempt)?;
                return Ok(Err(locked.map_or_else(
                    || ApiError::new(ErrorCode::InvalidCredentials),
                    crate::routes::auth::login::locked_error,
                )));
            };
            lockout::clear(conn, user_id, Some(&address))?;
            users::set_password(conn, user_id, &hash, session_id, &actor)?;
            Ok(Ok(()))
        })
        .await?;
    outcome?;
    state.documents.feed.publish_access(caller.user.uuid());
    Ok(HttpResponse::NoContent().finish())
}

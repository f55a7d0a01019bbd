use actix_web::{HttpRequest, post, web};
use hezuo_mobile_api::auth::{LoginRequest, TokenResponse};
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::lockout;
use crate::db::DbConn;
use crate::db::id::DeviceId;
use crate::error::{ApiError, ApiResult};
use crate::models::Who;
use crate::models::audit::{self, Entry};
use crate::models::users::{self, UserRow};
use crate::models::{devices, now, sessions};
use crate::state::AppState;

/// Logs in with username and password.
///
/// Failed attempts count per account and client address: after `login_max_failures` in a row that address is locked
/// out of the account for `login_lockout_secs`, while the owner elsewhere still logs in; after
/// `login_max_failures_per_account` from all addresses together the account itself is locked. Attempts are also
/// throttled per client address. Passing the `device_id` of a device this
/// user registered before binds the new session to it.
#[utoipa::path(tag = "auth", request_body = LoginRequest, responses(
    (status = 200, description = "Logged in", body = TokenResponse),
    (status = 401, description = "Wrong username or password (`invalid_credentials`) or revoked device", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Account disabled", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Too many attempts (`rate_limited`, `account_locked`); see Retry-After", body = Problem, content_type = "application/problem+json"),
))]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    authenticate(&req, &state, body.into_inner())
        .await
        .map(web::Json)
}

/// Checks a username and password under the lockout and rate limits, and opens a session.
pub(super) async fn authenticate(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    request: LoginRequest,
) -> ApiResult<TokenResponse> {
    let address = super::client_address(req, state.config.trust_forwarded_for);
    if let Err(wait) = state.login_limiter.check(address) {
        state.metrics.count_login("rate_limited");
        return Err(ApiError::new(ErrorCode::RateLimited).with_retry_after(wait));
    }
    let LoginRequest {
        username,
        password,
        device_id,
    } = request;

    let username = users::normalise_username(&username);
    let user = match username {
        Some(name) => {
            state
                .db
                .run(move |conn| Ok(users::find_by_username(conn, &name)?))
                .await?
        }
        None => None,
    };
    let Some(user) = user else {
        let state = state.clone();
        web::block(move || state.passwords.verify_dummy(&password))
            .await
            .map_err(ApiError::internal)?;
        return Err(ApiError::new(ErrorCode::InvalidCredentials));
    };
    let (user_id, address) = (user.id, address.to_string());
    let state_for_db = state.clone();
    let reserved = state
        .db
        .write(move |conn| {
            Ok(
                lockout::reserve(conn, &state_for_db.config, user_id, &address)?
                    .map(|attempt| (attempt, address)),
            )
        })
        .await?;
    let (attempt, address) = match reserved {
        Ok(reserved) => reserved,
        Err(until) => {
            state.metrics.count_login("locked");
            return Err(locked_error(until));
        }
    };

    let verified = {
        let state = state.clone();
        let hash = user.password_hash.clone();
        web::block(move || state.passwords.verify(&password, &hash))
            .await
            .map_err(ApiError::internal)?
    };

    let state_for_db = state.clone();
    let outcome = state
        .db
        .write(move |conn| {
            if verified {
                lockout::clear(conn, user.id, Some(&address))?;
                complete_login(conn, &state_for_db, user, device_id.map(DeviceId::from)).map(Ok)
            } else {
                let locked =
                    lockout::after_failure(conn, &state_for_db.config, user.id, &address, attempt)?;
                Ok(Err(locked.map_or_else(
                    || ApiError::new(ErrorCode::InvalidCredentials),
                    locked_error,
                )))
            }
        })
        .await?;
    state.metrics.count_login(if outcome.is_ok() {
        "success"
    } else {
        "failure"
    });
    outcome
}

pub(crate) fn locked_error(until: chrono::NaiveDateTime) -> ApiError {
    let seconds = (until - now()).num_seconds().max(1) as u64;
    ApiError::new(ErrorCode::AccountLocked)
        .with_detail(
            format!("请在{}分钟后重试，或联系管理员解锁", seconds.div_ceil(60)),
            format!(
                "Try again in {} minutes or ask an administrator to unlock the account",
                seconds.div_ceil(60)
            ),
        )
        .with_retry_after(seconds)
}

fn complete_login(
    conn: &mut DbConn,
    state: &AppState,
    user: UserRow,
    device_id: Option<DeviceId>,
) -> ApiResult<TokenResponse> {
    if !user.is_active {
        return Err(ApiError::new(ErrorCode::AccountDisabled));
    }
    if let Some(device_id) = device_id {
        let device = devices::find(conn, device_id)?
            .filter(|d| d.user_id == user.id)
            .ok_or_else(|| ApiError::new(ErrorCode::DeviceUnknown))?;
        if device.revoked_at.is_some() {
            return Err(ApiError::new(ErrorCode::DeviceRevoked));
        }
        devices::touch(conn, device_id)?;
    }
    let (session, refresh_token) = sessions::create(conn, user.id, device_id, state.refresh_ttl())?;
    audit::record(
        conn,
        &Who::person(user.id, device_id),
        Entry {
            action: crate::models::audit::Action::SessionCreate,
            entity_type: "session",
            entity_id: &session.id,
        },
        audit::NONE,
        audit::NONE,
    )?;
    let ttl = state.refresh_ttl().num_seconds() as u64;
    super::token_response(conn, state, &user, &session, refresh_token, ttl)
}

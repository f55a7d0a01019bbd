//! The `Authenticated` extractor: a valid access token (bearer header, or the console's cookie with its CSRF token)
//! whose session, device and user are all still in good standing.
//!
//! Tokens are checked against the database on every request, so revoking a device or disabling a user takes effect
//! on the very next request, on every instance.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::users::Role;

use crate::auth::scope::Scope;
use crate::auth::web_session;
use crate::db::DbConn;
use crate::db::id::{DeviceId, SessionId, UserId};
use crate::error::{ApiError, ApiResult};
use crate::models::Who;
use crate::models::users::{AssignedRegion, UserRow};
use crate::models::{devices, sessions, users};
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user: UserRow,
    pub role: Role,
    pub regions: Vec<AssignedRegion>,
    pub scope: Scope,
    pub session_id: SessionId,
    pub device_id: Option<DeviceId>,
}

impl Authenticated {
    pub fn who(&self) -> Who {
        Who::person(self.user.id, self.device_id)
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Refuses unless the caller has one of `roles`.
    pub fn require_role(&self, roles: &[Role]) -> ApiResult<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// Where a request's access token came from. A cookie is sent by the browser on its own, so a request that changes
/// something must also prove it came from the console's page (the CSRF token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Carrier {
    Header,
    Cookie,
}

fn access_token(req: &HttpRequest) -> Result<(String, Carrier), ApiError> {
    let Some(header) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        return req
            .cookie(web_session::ACCESS_COOKIE)
            .map(|cookie| (cookie.value().to_owned(), Carrier::Cookie))
            .filter(|(token, _)| !token.is_empty())
            .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated));
    };
    let value = header
        .to_str()
        .map_err(|_| ApiError::new(ErrorCode::TokenInvalid))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::new(ErrorCode::TokenInvalid))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::new(ErrorCode::TokenInvalid));
    }
    Ok((token.trim().to_owned(), Carrier::Header))
}

/// Checks the session behind a verified token and loads its user and scope.
pub fn load_session(
    conn: &mut DbConn,
    user_id: UserId,
    session_id: SessionId,
) -> ApiResult<Authenticated> {
    let session =
        sessions::find(conn, session_id)?.ok_or_else(|| ApiError::new(ErrorCode::TokenInvalid))?;
    if session.user_id != user_id {
        return Err(ApiError::new(ErrorCode::TokenInvalid));
    }
    if let Some(device_id) = session.device_id {
        let device = devices::find(conn, device_id)?
            .ok_or_else(|| ApiError::new(ErrorCode::DeviceRevoked))?;
        if device.revoked_at.is_some() {
            return Err(ApiError::new(ErrorCode::DeviceRevoked));
        }
    }
    if !session.is_live(crate::models::now()) {
        return Err(ApiError::new(ErrorCode::SessionRevoked));
    }
    let user = users::find(conn, session.user_id)?
        .ok_or_else(|| ApiError::new(ErrorCode::TokenInvalid))?;
    if !user.is_active {
        return Err(ApiError::new(ErrorCode::AccountDisabled));
    }
    let regions = users::assigned_regions(conn, user.id)?;
    Ok(Authenticated {
        role: user.role(),
        scope: users::scope_of(&user, &regions),
        regions,
        device_id: session.device_id,
        session_id: session.id,
        user,
    })
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = access_token(req);
        let csrf = web_session::changes_state(req.method())
            .then(|| web_session::csrf_header(req).unwrap_or_default().to_owned());
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::internal(anyhow::anyhow!("app state missing")))?;
            let (token, carrier) = token?;
            let claims = state.tokens.verify(&token)?;
            if let (Carrier::Cookie, Some(presented)) = (carrier, csrf) {
                let expected = web_session::csrf_token(state.tokens.secret(), claims.sid);
                if !web_session::same_token(&presented, &expected) {
                    return Err(ApiError::new(ErrorCode::CsrfTokenInvalid));
                }
            }
            state
                .db
                .run(move |conn| load_session(conn, claims.sub.into(), claims.sid.into()))
                .await
        })
    }
}

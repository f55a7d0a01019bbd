//! Login, token refresh and logout.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::users::User;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// A device this user registered before (a phone logging in again): the new session is bound to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogoutRequest {
    /// Ends the session this refresh token belongs to when no (valid) access token is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// Tokens issued at login and at each refresh.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// Short-lived JWT for the `Authorization: Bearer` header.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Single-use token that obtains the next pair; a reused one ends the session.
    pub refresh_token: String,
    /// Seconds until the refresh token expires if unused.
    pub refresh_expires_in: u64,
    pub session_id: Uuid,
    /// The device this session is bound to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<Uuid>,
    pub user: User,
}

/// The browser console's login: like [`LoginRequest`], without a device (a browser is not a phone).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebLoginRequest {
    pub username: String,
    pub password: String,
}

/// A console session. The tokens travel in HttpOnly cookies that page script cannot read; the page keeps only the
/// CSRF token, which it sends as `X-CSRF-Token` with every request that changes something.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebSession {
    pub csrf_token: String,
    /// Seconds until the access token expires; the console refreshes after that (`POST /auth/web/refresh`).
    pub expires_in: u64,
    pub session_id: Uuid,
    pub user: User,
}

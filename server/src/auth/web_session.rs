//! The browser console's session: the same sessions and tokens as phones, carried in cookies that page script cannot
//! read, with a CSRF token for every request that changes something.
//!
//! - `hezuo_access`: the access JWT; HttpOnly, SameSite=Strict, path `/`. It lives as long as the session may, so an
//!   expired token still reaches the server and is answered `token_expired` (the console then refreshes) rather than
//!   looking like no session at all.
//! - `hezuo_refresh`: the refresh token; HttpOnly, SameSite=Strict, sent only to `/api/v1/auth/web/`.
//! - `hezuo_csrf`: readable by the console, which echoes it in `X-CSRF-Token`. It is derived from the session id with
//!   the server key, so a cookie planted by another site (or another session's token) does not pass.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::Method;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

pub const ACCESS_COOKIE: &str = "hezuo_access";
pub const REFRESH_COOKIE: &str = "hezuo_refresh";
pub const CSRF_COOKIE: &str = "hezuo_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
const REFRESH_PATH: &str = "/api/v1/auth/web";

/// The CSRF token of a session.
pub fn csrf_token(secret: &[u8], session_id: Uuid) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(b"hezuo console csrf\0");
    mac.update(session_id.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Whether a request may change state and so must carry the CSRF token.
pub fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The `X-CSRF-Token` header, if any.
pub fn csrf_header(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
}

/// Compares in constant time, so the token cannot be guessed byte by byte from response times.
pub fn same_token(presented: &str, expected: &str) -> bool {
    presented.len() == expected.len()
        && presented
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

/// The cookies that carry a session to the browser.
pub fn session_cookies(
    req: &HttpRequest,
    secret: &[u8],
    session_id: Uuid,
    access_token: &str,
    refresh_token: &str,
    lifetime_secs: u64,
) -> [Cookie<'static>; 3] {
    let max_age = Duration::seconds(lifetime_secs.min(i64::MAX as u64) as i64);
    let secure = req.connection_info().scheme() == "https";
    let cookie = |name: &'static str, value: String, path: &'static str, http_only: bool| {
        Cookie::build(name, value)
            .path(path)
            .http_only(http_only)
            .secure(secure)
            .same_site(SameSite::Strict)
            .max_age(max_age)
            .finish()
    };
    [
        cookie(ACCESS_COOKIE, access_token.to_owned(), "/", true),
        cookie(REFRESH_COOKIE, refresh_token.to_owned(), REFRESH_PATH, true),
        cookie(CSRF_COOKIE, csrf_token(secret, session_id), "/", false),
    ]
}

/// Cookies that remove the session from the browser.
pub fn removal_cookies() -> [Cookie<'static>; 3] {
    let gone = |name: &'static str, path: &'static str| {
        let mut cookie = Cookie::build(name, "")
            .path(path)
            .same_site(SameSite::Strict)
            .finish();
        cookie.make_removal();
        cookie
    };
    [
        gone(ACCESS_COOKIE, "/"),
        gone(REFRESH_COOKIE, REFRESH_PATH),
        gone(CSRF_COOKIE, "/"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_are_bound_to_the_session_and_the_key() {
        let session = Uuid::now_v7();
        let token = csrf_token(b"key-one", session);
        assert_eq!(token, csrf_token(b"key-one", session));
        assert_ne!(token, csrf_token(b"key-two", session));
        assert_ne!(token, csrf_token(b"key-one", Uuid::now_v7()));
        assert!(same_token(&token, &csrf_token(b"key-one", session)));
        assert!(!same_token(&token, &token[1..]));
        assert!(!same_token("", &token));
    }
}

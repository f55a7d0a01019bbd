//! Short-lived JWT access tokens (HS256). A token names its session; whether the session, its device and its user are
//! still valid is checked against the database on every request, so revocation takes effect at once.

use chrono::Utc;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::ApiError;
use hezuo_mobile_api::ErrorCode;

const ISSUER: &str = "hezuo";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// User id.
    pub sub: Uuid,
    /// Session id.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl_secs: u64,
    secret: Vec<u8>,
}

impl TokenKeys {
    pub fn new(secret: &str, access_ttl_secs: u64) -> Self {
        // Only HS256 is accepted: `alg: none` and every other algorithm fail validation.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            access_ttl_secs,
            secret: secret.as_bytes().to_vec(),
        }
    }

    pub fn access_ttl_secs(&self) -> u64 {
        self.access_ttl_secs
    }

    /// The signing secret, from which the refresh-token rotation key is derived.
    pub(crate) fn secret(&self) -> &[u8] {
        &self.secret
    }

    pub fn issue(&self, user_id: Uuid, session_id: Uuid) -> Result<String, ApiError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            iss: ISSUER.to_owned(),
            sub: user_id,
            sid: session_id,
            iat: now,
            exp: now + self.access_ttl_secs as i64,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => ApiError::new(ErrorCode::TokenExpired),
                _ => ApiError::new(ErrorCode::TokenInvalid),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn issued_tokens_verify() {
        let keys = TokenKeys::new(SECRET, 60);
        let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
        let token = keys.issue(user, session).expect("issue");
        let claims = keys.verify(&token).expect("verify");
        assert_eq!((claims.sub, claims.sid), (user, session));
    }

    #[test]
    fn tokens_signed_with_another_secret_are_refused() {
        let other = TokenKeys::new("another-secret-another-secret-000", 60);
        let token = other.issue(Uuid::now_v7(), Uuid::now_v7()).expect("issue");
        let error = TokenKeys::new(SECRET, 60)
            .verify(&token)
            .expect_err("refused");
        assert_eq!(error.code, ErrorCode::TokenInvalid);
    }
}

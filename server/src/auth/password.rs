//! Argon2id password hashing. Hashes are PHC strings, so verification uses the parameters stored in each hash and
//! the cost can be raised later without invalidating existing passwords.

use argon2::password_hash::SaltString;
use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier, Version,
};

use crate::error::ApiError;
use hezuo_mobile_api::ErrorCode;

/// Minimum length of a new password.
pub const MIN_PASSWORD_CHARS: usize = 10;

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// A hash of a random password, verified against when the username is unknown so that a failed login takes the
    /// same time whether or not the account exists.
    dummy_hash: String,
}

impl PasswordHasher {
    pub fn new(memory_kib: u32, iterations: u32) -> anyhow::Result<Self> {
        let params = Params::new(memory_kib, iterations, 1, None)
            .map_err(|e| anyhow::anyhow!("invalid argon2 parameters: {e}"))?;
        let mut hasher = Self {
            params,
            dummy_hash: String::new(),
        };
        hasher.dummy_hash = hasher.hash(&hex::encode(rand::random::<[u8; 16]>()))?;
        Ok(hasher)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    pub fn hash(&self, password: &str) -> anyhow::Result<String> {
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
            .map_err(|e| anyhow::anyhow!("salt encoding failed: {e}"))?;
        let hash = self
            .argon2()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))?;
        Ok(hash.to_string())
    }

    /// Checks a password against a stored hash; a malformed hash never matches.
    pub fn verify(&self, password: &str, stored_hash: &str) -> bool {
        match PasswordHash::new(stored_hash) {
            Ok(parsed) => self
                .argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    }

    /// Spends the time of one verification without a real account.
    pub fn verify_dummy(&self, password: &str) {
        let _ = self.verify(password, &self.dummy_hash);
    }
}

/// The rules a new password must meet.
pub fn check_new_password(password: &str, field: &str) -> Result<(), ApiError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
            field,
            "too_short",
            format!("密码至少需要{MIN_PASSWORD_CHARS}个字符"),
            format!("Passwords need at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_per_salt() {
        let hasher = PasswordHasher::new(64, 1).expect("params");
        let first = hasher.hash("correct horse battery").expect("hash");
        let second = hasher.hash("correct horse battery").expect("hash");
        assert_ne!(first, second);
        assert!(first.starts_with("$argon2id$"));
        assert!(hasher.verify("correct horse battery", &first));
        assert!(!hasher.verify("wrong horse battery", &first));
        assert!(!hasher.verify("correct horse battery", "not a hash"));
    }

    #[test]
    fn hashes_made_with_other_costs_still_verify() {
        let old = PasswordHasher::new(32, 1).expect("params");
        let new = PasswordHasher::new(128, 2).expect("params");
        let stored = old.hash("password-from-2025").expect("hash");
        assert!(new.verify("password-from-2025", &stored));
    }
}

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
    if is_common(password) {
        return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
            field,
            "too_common",
            "该密码过于常见或有规律（如1234567890、qwertyuiop、重复字符），请换一个不易猜到的密码",
            "This password is too common or too regular (like 1234567890, qwertyuiop, repeated characters); choose one that is hard to guess",
        ));
    }
    Ok(())
}

/// Whether a password is on the list of common passwords, or is a run, a repeat or a keyboard row.
pub fn is_common(password: &str) -> bool {
    static LIST: std::sync::OnceLock<std::collections::HashSet<String>> =
        std::sync::OnceLock::new();
    let list = LIST.get_or_init(|| {
        include_str!("common_passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_lowercase)
            .collect()
    });
    let lower = password.to_lowercase();
    list.contains(&lower) || is_regular(&lower)
}

/// A short pattern repeated (`aaaaaaaaaa`, `1231231231`), an ascending or descending run (`abcdefghij`,
/// `9876543210`), or a run along a keyboard row (`qwertyuiop`, `asdfghjkl;`).
fn is_regular(password: &str) -> bool {
    let chars: Vec<char> = password.chars().collect();
    let repeated = (1..=chars.len() / 2).any(|period| {
        chars
            .iter()
            .enumerate()
            .all(|(i, c)| *c == chars[i % period])
    });
    let run = |step: i32| {
        chars
            .windows(2)
            .all(|pair| pair[1] as i32 - pair[0] as i32 == step)
    };
    const ROWS: [&str; 4] = [
        "`1234567890-=",
        "qwertyuiop[]\\",
        "asdfghjkl;'",
        "zxcvbnm,./",
    ];
    let keyboard = ROWS.iter().any(|row| {
        row.contains(password) || row.chars().rev().collect::<String>().contains(password)
    });
    repeated || run(1) || run(-1) || keyboard
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_regular_passwords_are_refused() {
        for weak in [
            "1234567890",
            "QWERTYUIOP",
            "aaaaaaaaaa",
            "1231231231",
            "abcdefghij",
            "9876543210",
            "Woaini1314",
            "hezuo-demo",
            "password123",
        ] {
            assert!(check_new_password(weak, "password").is_err(), "{weak}");
        }
        for fine in [
            "persona-password-1",
            "稻田边的合作社2026",
            "correct horse battery",
        ] {
            assert!(check_new_password(fine, "password").is_ok(), "{fine}");
        }
    }

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

//! Refresh tokens: opaque, single use, stored only as SHA-256 digests.
//!
//! Rotation is deterministic: the successor of token T is HMAC(server key, T). A phone on a 2G link whose refresh
//! response was lost retries with T; within the grace period, and while the successor is unused, the server can answer
//! with the very same successor instead of treating the retry as theft. Any other reuse ends the session.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

const PREFIX: &str = "hzr_";

/// A fresh random refresh token.
pub fn generate() -> String {
    format!(
        "{PREFIX}{}",
        URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
    )
}

/// The token that replaces `token` when it is used.
pub fn successor(secret: &[u8], token: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(b"hezuo refresh rotation\0");
    mac.update(token.as_bytes());
    format!(
        "{PREFIX}{}",
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

/// What the database stores.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Cheap shape check before any database lookup.
pub fn looks_valid(token: &str) -> bool {
    token.starts_with(PREFIX) && token.len() == PREFIX.len() + 43
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successors_are_deterministic_and_key_dependent() {
        let token = generate();
        assert!(looks_valid(&token));
        let next = successor(b"key-one", &token);
        assert!(looks_valid(&next));
        assert_eq!(next, successor(b"key-one", &token));
        assert_ne!(next, successor(b"key-two", &token));
        assert_ne!(next, token);
    }

    #[test]
    fn digests_do_not_reveal_the_token() {
        let token = generate();
        assert_eq!(digest(&token).len(), 64);
        assert!(!digest(&token).contains(&token[4..]));
    }
}

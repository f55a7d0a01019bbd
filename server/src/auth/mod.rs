//! Authentication and authorization: passwords, access and refresh tokens, the request extractor, region scope and
//! login throttling; the browser console's cookie session.

pub mod extractor;
pub mod lockout;
pub mod password;
pub mod policy;
pub mod rate_limit;
pub mod refresh;
pub mod scope;
pub mod tokens;
pub mod web_session;

pub use extractor::Authenticated;
pub use scope::Scope;

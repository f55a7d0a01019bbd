//! The caller's own account: who they are, and changing their own password.

pub mod get;
pub mod password;

//! The phone SDK.

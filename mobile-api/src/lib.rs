//! Wire types shared by the hezuo server and its clients, and the stable error codes.
//!
//! With only the default features this crate depends on serde and a few value types, so a phone, a browser (through
//! wasm) or another service can reuse the exact shapes the server speaks. Feature `openapi` derives OpenAPI schemas
//! (the server turns it on); feature `client` adds the offline phone SDK and the `hezuo-field` CLI.

pub mod auth;
pub mod cleanup;
pub mod cooperatives;
pub mod coverage;
pub mod devices;
pub mod error;
pub mod imports;
pub mod localized;
pub mod pagination;
pub mod photos;
pub mod region_code;
pub mod regions;
pub mod reporting;
pub mod reviews;
pub mod stars;
pub mod sync;
pub mod targets;
pub mod uscc;
pub mod users;

#[cfg(feature = "client")]
pub mod client;

pub use error::{ErrorCode, Problem};
pub use localized::{Lang, Localized};
pub use pagination::Page;
pub use region_code::{RegionCode, RegionLevel};
pub use uscc::Uscc;

/// Prefix of every API path.
pub const API_PREFIX: &str = "/api/v1";

//! The browser console's pages and files (not part of the API, so not in the OpenAPI document).

pub mod redirect;
pub mod serve;

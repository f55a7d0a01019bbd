//! Cursor pagination: a page of items plus an opaque cursor for the next page.

use serde::{Deserialize, Serialize};

/// Default and maximum page sizes for list endpoints.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 500;

/// One page of a list. Pass `next_cursor` back as `cursor` to read on; it is absent on the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

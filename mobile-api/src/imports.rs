//! The outcome of importing a region list or the cooperative registry.

use serde::{Deserialize, Serialize};

/// One row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowError {
    /// The row number as a spreadsheet shows it (the header is row 1).
    pub row: u64,
    /// The column the problem is in, when it is one column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// A stable code (`uscc_invalid`, `region_unknown`, `required`, `duplicate_in_file`, ...).
    pub code: String,
    /// Message in Chinese.
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// Data rows read (header excluded, blank rows skipped).
    pub rows: u64,
    pub inserted: u64,
    pub updated: u64,
    /// Rows identical to what is stored already.
    pub unchanged: u64,
    pub failed: u64,
    pub errors: Vec<RowError>,
}

impl ImportReport {
    /// A one-line summary in Chinese for terminals and logs.
    pub fn summary_zh(&self) -> String {
        format!(
            "共{}行：新增{}，更新{}，未变{}，失败{}",
            self.rows, self.inserted, self.updated, self.unchanged, self.failed
        )
    }
}

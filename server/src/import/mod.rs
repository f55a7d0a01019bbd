//! Importing the official region list, the market-regulation cooperative register, and the registry facts and
//! complaints the clean-up weighs, from CSV or XLSX.
//!
//! Valid rows are imported and invalid ones reported by row number and reason; importing the same file again updates
//! instead of duplicating. The same code serves `hezuo import` and the admin API.

pub mod cooperatives;
pub mod facts;
pub mod regions;
pub mod responsibility;
pub mod table;

use hezuo_mobile_api::Localized;
use hezuo_mobile_api::imports::RowError;

/// Why a whole file cannot be imported.
#[derive(Debug, Clone)]
pub struct FileError(pub Localized);

impl FileError {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self(Localized::new(zh, en))
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.0.zh, self.0.en)
    }
}

impl std::error::Error for FileError {}

/// Why an import stopped: the file as a whole, or the database.
#[derive(Debug)]
pub enum ImportError {
    File(FileError),
    Database(diesel::result::Error),
    /// What followed the import (the clean-up and star scores) failed.
    Follow(crate::error::ApiError),
}

impl From<crate::error::ApiError> for ImportError {
    fn from(error: crate::error::ApiError) -> Self {
        ImportError::Follow(error)
    }
}

impl From<FileError> for ImportError {
    fn from(error: FileError) -> Self {
        ImportError::File(error)
    }
}

impl From<diesel::result::Error> for ImportError {
    fn from(error: diesel::result::Error) -> Self {
        ImportError::Database(error)
    }
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportError::File(error) => error.fmt(f),
            ImportError::Database(error) => write!(f, "database error: {error}"),
            ImportError::Follow(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for ImportError {}

impl From<ImportError> for crate::error::ApiError {
    fn from(error: ImportError) -> Self {
        match error {
            ImportError::File(FileError(message)) => {
                crate::error::ApiError::new(hezuo_mobile_api::ErrorCode::ImportFileInvalid)
                    .with_detail(message.zh, message.en)
            }
            ImportError::Database(error) => error.into(),
            ImportError::Follow(error) => error,
        }
    }
}

/// Called after each row with (rows done, rows in total).
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Rows are written in transactions of this size: large enough to be fast, small enough not to hold SQLite's write
/// lock for long while phones sync.
pub const BATCH_ROWS: usize = 500;

pub(crate) fn row_error(
    row: u64,
    column: Option<&str>,
    code: &str,
    message: impl Into<String>,
) -> RowError {
    RowError {
        row,
        column: column.map(str::to_owned),
        code: code.to_owned(),
        message: message.into(),
    }
}

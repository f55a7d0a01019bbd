//! Rows of the relational schema and the queries on them. Functions take `&mut DbConn` and run inside whatever
//! transaction the caller opened.

pub mod audit;
pub mod cooperatives;
pub mod devices;
pub mod quarantines;
pub mod regions;
pub mod sessions;
pub mod settings;
pub mod users;
pub mod who;

pub use who::Who;

use chrono::{DateTime, NaiveDateTime, Utc};

/// The current time as stored: naive UTC, truncated to microseconds (PostgreSQL's precision), so that a value read back
/// equals the value written on both backends.
pub fn now() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    now.with_nanosecond_truncated()
}

trait TruncateToMicros {
    fn with_nanosecond_truncated(self) -> Self;
}

impl TruncateToMicros for NaiveDateTime {
    fn with_nanosecond_truncated(self) -> Self {
        use chrono::Timelike;
        let micros = self.nanosecond() / 1_000 * 1_000;
        self.with_nanosecond(micros).unwrap_or(self)
    }
}

/// A stored id. One that is not a UUID is corrupt data: an error, never a nil id.
pub fn stored_uuid(id: &str) -> diesel::QueryResult<uuid::Uuid> {
    uuid::Uuid::parse_str(id).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
}

/// A stored day (`2026-03-31`). One that does not read as a date is corrupt data: an error, never a missing day.
pub fn stored_day(text: &str) -> diesel::QueryResult<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
}

/// Stored JSON. JSON that does not read as `T` is corrupt data: an error, never an empty value.
pub fn stored_json<T: serde::de::DeserializeOwned>(text: &str) -> diesel::QueryResult<T> {
    serde_json::from_str(text).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
}

pub fn to_utc(value: NaiveDateTime) -> DateTime<Utc> {
    value.and_utc()
}

//! The offline phone SDK.
//!
//! - [`ApiClient`]: typed calls to every endpoint, problem documents as errors, conditional GETs.
//! - [`Phone`]: what an app embeds. It keeps the login session, the device binding and an offline copy of the
//!   registry in a directory, refreshes tokens on its own, and tells retryable failures (no link) from final ones.
//!
//! The `hezuo-field` CLI drives [`Phone`] exactly as an app would.

mod api;
mod docs;
mod error;
mod fieldwork;
mod phone;
mod store;

pub use api::{ApiClient, Conditional, ListParams, RawResponse, query_pairs};
pub use docs::{DocInfo, DocStatus};
pub use error::ClientError;
pub use fieldwork::{Backoff, PullSummary, RecordStatus, SyncReport, VisitRecord};
pub use phone::{Phone, PhoneInfo};
pub use store::{RegistryCopy, SavedSession, simulate_many_phones_without_fsync};

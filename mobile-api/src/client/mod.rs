//! The offline phone SDK.
//!
//! - [`ApiClient`]: typed calls to every endpoint, problem documents as errors, conditional GETs.
//! - [`Phone`]: what an app embeds. It keeps the login session, the device binding and an offline copy of the
//!   registry in a directory, refreshes tokens on its own, and tells retryable failures (no link) from final ones.
//!
//! - Photos: shrunk on the phone, named by their visit at once, uploaded by tus in the background and resumed after a
//!   dropped link ([`Phone::attach_photos`], [`Phone::upload_photos`]).
//!
//! The `hezuo-field` CLI drives [`Phone`] exactly as an app would.

mod api;
mod cleanup_api;
mod coverage_api;
mod docs;
mod error;
mod fieldwork;
mod phone;
mod photos;
mod reporting_api;
mod review_api;
mod stars_api;
mod store;
mod targets_api;

pub use api::{ApiClient, Conditional, ListParams, RawResponse, UploadState, query_pairs};
pub use docs::{DocInfo, DocStatus};
pub use error::ClientError;
pub use fieldwork::{
    Backoff, PullSummary, RecordStatus, Revisit, StarStanding, SyncReport, Task, VisitRecord,
};
pub use phone::{Phone, PhoneInfo};
pub use photos::{PhotoOptions, PreparedPhoto, QueuedPhoto, UploadReport, prepare};
pub use stars_api::Export;
pub use store::{RegistryCopy, SavedSession, simulate_many_phones_without_fsync};

//! Changes the server makes to a document on someone's behalf — a review decision, a conflict resolution, visits
//! carried over from a duplicate — together with the relational writes that go with them, in one transaction: the
//! document, its projections and the audit row commit together or not at all. Phones receive the change at their
//! next sync like any other.

use automerge::Automerge;
use uuid::Uuid;

use super::Rules;
use super::cache::DocCache;
use super::feed::ChangeFeed;
use super::store::{self, Author, Persisted};
use crate::db::{DbConn, write_transaction};
use crate::error::{ApiError, ApiResult};

/// Attempts before giving up when other writers keep changing the document.
const STALE_RETRIES: usize = 5;

enum Failed {
    /// Another writer changed the document between loading and storing: roll back and try again.
    Stale,
    Api(ApiError),
}

impl From<diesel::result::Error> for Failed {
    fn from(error: diesel::result::Error) -> Self {
        Failed::Api(error.into())
    }
}

impl From<ApiError> for Failed {
    fn from(error: ApiError) -> Self {
        Failed::Api(error)
    }
}

/// Loads the document, lets `edit` change it (as the server actor) and write rows, stores the new changes with their
/// author, rebuilds the projections and tells live connections. `edit` runs inside the transaction and may run again
/// if another writer got there first.
#[allow(clippy::too_many_arguments)]
pub fn write<T>(
    conn: &mut DbConn,
    cache: &DocCache,
    feed: &ChangeFeed,
    rules: &Rules,
    id: Uuid,
    author: Author<'_>,
    mut edit: impl FnMut(&mut DbConn, &mut Automerge) -> ApiResult<T>,
) -> ApiResult<T> {
    for _ in 0..STALE_RETRIES {
        let attempt = write_transaction(conn, |conn| -> Result<_, Failed> {
            let stored = store::load(conn, cache, id)?;
            let mut doc = stored.doc;
            let before = doc.get_heads();
            let value = edit(conn, &mut doc)?;
            let mut changes: Vec<automerge::Change> = doc.get_changes(&before);
            if changes.is_empty() {
                return Ok((value, None));
            }
            // Visits the edit brought (carried over from a duplicate) enter review; contents the server changed
            // (a resolved conflict) are taken in without reopening anything.
            let typed = super::projection::read(&doc)?;
            let source = crate::review::track::Source::Server;
            let review =
                crate::review::track::plan(conn, id, &typed, source, &rules.review_levels)?;
            changes.extend(review.apply_to(&mut doc)?);
            let Persisted::Stored(version) =
                store::persist(conn, id, stored.version, &doc, &changes, &author, &author)?
            else {
                return Err(Failed::Stale);
            };
            review.store(conn)?;
            super::projection::rebuild(conn, id, &doc, &typed, &rules.evidence)?;
            feed.announce_in_transaction(conn, id)?;
            let saved = stored.saved_bytes + store::chunk_of(&changes).len();
            Ok((value, Some((doc, version, saved))))
        });
        match attempt {
            Ok((value, written)) => {
                if let Some((doc, version, saved)) = written {
                    store::remember(cache, id, version, &doc, saved);
                    feed.publish(id);
                }
                return Ok(value);
            }
            Err(Failed::Stale) => continue,
            Err(Failed::Api(error)) => return Err(error),
        }
    }
    Err(
        ApiError::new(hezuo_mobile_api::ErrorCode::ServiceUnavailable).with_detail(
            "该合作社正被频繁修改，请稍后重试",
            "the document is busy; try again shortly",
        ),
    )
}

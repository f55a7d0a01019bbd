//! The one commit path of a cooperative's document, for a phone's merged changes and for the server's own writes (a
//! review decision, a conflict resolution, visits carried over from a duplicate) alike. In one transaction: what the
//! changes mean beyond the document is planned (review, through the [`CommitHooks`] the modules above supply), the
//! server's record of it joins the changes, the document is stored, the planned rows follow, the projections are
//! rebuilt and other instances are told. Only after the commit is the new version cached and announced here.

use std::collections::BTreeSet;

use automerge::{Automerge, Change, ChangeHash};
use hezuo_sync::model::CooperativeDoc;
use hezuo_sync::trust::Checked;
use uuid::Uuid;

use super::Documents;
use super::projection::Scope;
use super::store::{self, Persisted};
use crate::db::id::CooperativeId;
use crate::db::{DbConn, write_transaction};
use crate::error::{ApiError, ApiResult};
use crate::models::Who;

/// Attempts before giving up when other writers keep changing the document.
pub const STALE_RETRIES: usize = 5;

/// What a commit entails beyond the document, supplied by the modules above it (review, clean-up, stars) when the
/// server starts, so that the documents never call up into them.
pub trait CommitHooks: Send + Sync {
    /// What the document's new contents mean for the records kept beside it. Reads only; the plan is applied to the
    /// document and stored by the commit. `typed` holds the whole document, or, with `only`, just those visits (and
    /// their review records): the others did not change.
    fn plan(
        &self,
        conn: &mut DbConn,
        id: Uuid,
        typed: &CooperativeDoc,
        only: Option<&BTreeSet<String>>,
        who: &Who,
        via: Via,
    ) -> diesel::QueryResult<Box<dyn FollowUp>>;

    /// The approved evidence of these cooperatives changed (a visit approved or unapproved, approved visits moved, a
    /// registry fact imported): whatever is derived from it follows, in the caller's transaction.
    fn approved_evidence_changed(
        &self,
        conn: &mut DbConn,
        cooperative_ids: &[CooperativeId],
    ) -> ApiResult<()>;
}

/// A planned follow-up of a commit.
pub trait FollowUp {
    /// Writes the server's record of the plan into the document as one server change; returns it (none when the
    /// document already says the same).
    fn apply_to(&self, doc: &mut Automerge) -> diesel::QueryResult<Vec<Change>>;

    /// Writes the planned rows, once the document is stored.
    fn store(self: Box<Self>, conn: &mut DbConn) -> ApiResult<()>;
}

/// How the changes reached the server: a phone's edits are its author's edits of their visits (they may reopen an
/// approval, and the server's record of them is the server's own change); the server's changes, made on someone's
/// behalf, move nothing in review and are that person's throughout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Phone,
    Server,
}

/// New changes to a document, on the stored version they were made on.
pub struct Commit<'a> {
    pub id: Uuid,
    pub base_version: i64,
    /// The document with the changes in it; the server's follow-up change is added to it.
    pub doc: &'a mut Automerge,
    pub changes: Vec<Change>,
    /// What the trust boundary found of a phone's changes: the parts they wrote to, so that only those are read and
    /// projected again. `None` reads the document and projects all of it.
    pub checked: Option<Checked>,
    pub who: &'a Who,
    pub via: Via,
}

/// A stored commit.
pub struct Committed {
    pub version: i64,
    /// Bytes the commit added to the stored document.
    pub added_bytes: usize,
    /// The document's heads before the server's follow-up change, when it wrote one.
    pub heads_before_follow_up: Option<Vec<ChangeHash>>,
}

impl Documents {
    /// Commits inside the caller's write transaction. `rows` writes what needs the stored version (an audit row, a
    /// registry entry) before the projections are rebuilt. `None` when another writer stored first: nothing was
    /// written, and the caller merges again.
    pub fn commit(
        &self,
        conn: &mut DbConn,
        commit: Commit<'_>,
        rows: impl FnOnce(&mut DbConn, i64, &Automerge) -> diesel::QueryResult<()>,
    ) -> ApiResult<Option<Committed>> {
        let Commit {
            id,
            base_version,
            doc,
            mut changes,
            checked,
            who,
            via,
        } = commit;
        let (typed, parts) = match checked {
            Some(Checked { touched }) => {
                let (parts, typed) = super::projection::parts_to_project(conn, id, doc, &touched)?;
                (typed, Some(parts))
            }
            None => (super::projection::read(doc)?, None),
        };
        let scope = parts.as_ref().map_or(Scope::Everything, Scope::Parts);
        let follow_up = self
            .hooks
            .plan(conn, id, &typed, scope.visits(), who, via)?;
        let heads_before = doc.get_heads();
        let server_changes = follow_up.apply_to(doc)?;
        let heads_before_follow_up = (!server_changes.is_empty()).then_some(heads_before);
        changes.extend(server_changes);
        let for_server = match via {
            Via::Phone => Who::system(),
            Via::Server => who.clone(),
        };
        let Persisted::Stored(version) =
            store::persist(conn, id, base_version, doc, &changes, who, &for_server)?
        else {
            return Ok(None);
        };
        follow_up.store(conn)?;
        rows(conn, version, doc)?;
        super::projection::rebuild(conn, id, doc, &typed, scope, &self.rules.evidence)?;
        crate::db::notify::document_changed(conn, id)?;
        Ok(Some(Committed {
            version,
            added_bytes: store::chunk_of(&changes).len(),
            heads_before_follow_up,
        }))
    }

    /// After the transaction committed: caches the new version and tells this process's live connections.
    pub fn committed(&self, id: Uuid, version: i64, doc: &Automerge, saved_bytes: usize) {
        store::remember(&self.cache, id, version, doc, saved_bytes);
        self.feed.publish(id, Some(version));
    }

    /// The approved evidence of these cooperatives changed: see [`CommitHooks::approved_evidence_changed`].
    pub fn approved_evidence_changed(
        &self,
        conn: &mut DbConn,
        cooperative_ids: &[CooperativeId],
    ) -> ApiResult<()> {
        self.hooks.approved_evidence_changed(conn, cooperative_ids)
    }

    /// A change the server makes on `who`'s behalf: loads the document, lets `edit` change it (as the server actor)
    /// and write rows, and commits. `edit` runs inside the transaction and runs again if another writer got there
    /// first; nothing is stored when it changes nothing in the document.
    pub fn write<T>(
        &self,
        conn: &mut DbConn,
        id: Uuid,
        who: &Who,
        mut edit: impl FnMut(&mut DbConn, &mut Automerge) -> ApiResult<T>,
    ) -> ApiResult<T> {
        for _ in 0..STALE_RETRIES {
            let attempt = write_transaction(conn, |conn| -> Result<_, Failed> {
                let stored = store::load(conn, &self.cache, id)?;
                let mut doc = std::sync::Arc::unwrap_or_clone(stored.doc);
                let before = doc.get_heads();
                let value = edit(conn, &mut doc)?;
                let changes = doc.get_changes(&before);
                if changes.is_empty() {
                    return Ok((value, None));
                }
                let commit = Commit {
                    id,
                    base_version: stored.version,
                    doc: &mut doc,
                    changes,
                    checked: None,
                    who,
                    via: Via::Server,
                };
                let committed = self
                    .commit(conn, commit, |_, _, _| Ok(()))?
                    .ok_or(Failed::Stale)?;
                let saved = stored.saved_bytes + committed.added_bytes;
                Ok((value, Some((doc, committed.version, saved))))
            });
            match attempt {
                Ok((value, written)) => {
                    if let Some((doc, version, saved)) = written {
                        self.committed(id, version, &doc, saved);
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
}

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

//! What a document commit sets off above the documents: review tracking, and approved evidence feeding the clean-up
//! classification and open star applications. [`Followers`] is installed into the documents handle when the server
//! starts, so the documents, review, clean-up and stars never call up into one another.

use std::collections::BTreeSet;

use automerge::{Automerge, Change};
use diesel::QueryResult;
use hezuo_sync::model::CooperativeDoc;
use uuid::Uuid;

use crate::db::DbConn;
use crate::db::id::CooperativeId;
use crate::documents::Via;
use crate::documents::commit::{CommitHooks, FollowUp};
use crate::error::ApiResult;
use crate::models::Who;
use crate::review::levels::ReviewLevels;
use crate::review::track;

/// The one hook for "the approved evidence of these cooperatives changed" (a visit approved or unapproved, a phone's
/// change to an approved visit, approved visits moved by a duplicate merge, registry facts imported): the clean-up
/// classification and every open star application of each follow, in the caller's transaction.
pub fn approved_evidence_changed(
    conn: &mut DbConn,
    cooperative_ids: &[CooperativeId],
) -> ApiResult<()> {
    let keys: Vec<String> = cooperative_ids.iter().map(ToString::to_string).collect();
    crate::cleanup::store::refresh(conn, &keys)?;
    for id in cooperative_ids {
        crate::stars::applications::refresh_open(conn, *id)?;
    }
    Ok(())
}

/// The commit hooks of a running server.
pub struct Followers {
    pub review_levels: ReviewLevels,
}

impl CommitHooks for Followers {
    fn plan(
        &self,
        conn: &mut DbConn,
        id: Uuid,
        typed: &CooperativeDoc,
        only: Option<&BTreeSet<String>>,
        who: &Who,
        via: Via,
    ) -> QueryResult<Box<dyn FollowUp>> {
        let plan = track::plan(conn, id, typed, only, who, via, &self.review_levels)?;
        Ok(Box::new(ReviewFollowUp(plan)))
    }

    fn approved_evidence_changed(
        &self,
        conn: &mut DbConn,
        cooperative_ids: &[CooperativeId],
    ) -> ApiResult<()> {
        approved_evidence_changed(conn, cooperative_ids)
    }
}

/// A review plan; when it withdraws approved data, the derived scores follow.
struct ReviewFollowUp(track::Plan);

impl FollowUp for ReviewFollowUp {
    fn apply_to(&self, doc: &mut Automerge) -> QueryResult<Vec<Change>> {
        self.0.apply_to(doc)
    }

    fn store(self: Box<Self>, conn: &mut DbConn) -> ApiResult<()> {
        let cooperative_id = self.0.cooperative_id();
        if self.0.store(conn)? {
            approved_evidence_changed(conn, &[cooperative_id])?;
        }
        Ok(())
    }
}

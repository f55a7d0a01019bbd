//! What a change to a document means for review. A submitted visit enters the queue; its author's later edits reopen
//! an approval or, when the author submits a returned visit again, send it back to the queue. The outcome is planned
//! from the document as read, written into its `review` map by the server actor *before* the changes are stored (so
//! device changes and the server's record of them are stored together, and the phone that made the change receives
//! the outcome in the same reply), and the rows are written once the store succeeded.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{Automerge, Change, ReadDoc};
use chrono::DateTime;
use diesel::prelude::*;
use hezuo_sync::model::{CooperativeDoc, PendingReason, ReviewRecord, ReviewState, VisitStatus};
use hezuo_sync::server_edit;

use super::levels::ReviewLevels;
use super::machine::{self, Status};
use super::{Event, ReviewRow};
use crate::db::DbConn;
use crate::db::code::{Code, CodeList};
use crate::db::id::{CooperativeId, UserId};
use crate::db::schema::approved_visits;
use crate::documents::Via;
use crate::models::Who;
use crate::models::now;

/// The review rows to write after a change, and the records the document should hold.
pub struct Plan {
    cooperative_id: CooperativeId,
    /// Rows that changed, by visit id.
    changed: BTreeMap<String, ReviewRow>,
    /// (visit id, kind) of activity entries, and who caused them.
    events: Vec<(String, &'static str)>,
    who: Who,
    /// Visits whose approved data no longer stands.
    unapproved: Vec<String>,
    /// Records to write into the document's `review` map.
    records: Vec<(String, ReviewRecord)>,
}

/// Works out what the document's visits mean for review: all of them, or those in `only` (`typed` may then hold
/// just those). Reads only; see [`Plan::apply_to`] and [`Plan::store`].
pub fn plan(
    conn: &mut DbConn,
    cooperative_id: uuid::Uuid,
    typed: &CooperativeDoc,
    only: Option<&BTreeSet<String>>,
    who: &Who,
    via: Via,
    levels: &ReviewLevels,
) -> QueryResult<Plan> {
    let key = CooperativeId::from(cooperative_id);
    let mut rows = match only {
        None => super::rows_of_cooperative(conn, key)?,
        Some(only) => super::rows_of_visits(conn, key, only)?,
    };
    let at = now();
    // A phone's edits are its author's; the server's take in new content on nobody's behalf in review.
    let by_author = via == Via::Phone;
    let mut plan = Plan {
        cooperative_id: key,
        changed: BTreeMap::new(),
        events: Vec::new(),
        who: if by_author {
            who.clone()
        } else {
            Who::system()
        },
        unapproved: Vec::new(),
        records: Vec::new(),
    };
    let submitted_at = |ms: Option<i64>| {
        ms.and_then(DateTime::from_timestamp_millis)
            .map(|t| t.naive_utc())
    };
    let visits = typed
        .visits
        .iter()
        .filter(|(visit_id, _)| only.is_none_or(|only| only.contains(*visit_id)));
    for (visit_id, visit) in visits {
        let submitted = visit.status == Some(VisitStatus::Submitted);
        let row = rows.get_mut(visit_id);
        if row.is_none() && !submitted {
            continue;
        }
        let digest = super::content_digest(visit);
        match row {
            None => {
                let mut row = ReviewRow {
                    visit_id: visit_id.clone(),
                    cooperative_id: key,
                    state: Code(ReviewState::Pending),
                    pending_reason: None,
                    approved_levels: CodeList(Vec::new()),
                    awaiting_level: None,
                    note: None,
                    reviewer_user_id: None,
                    approved_heads: None,
                    times_returned: 0,
                    content_digest: digest,
                    returned_submitted_at: None,
                    submitted_at: submitted_at(visit.submitted_at),
                    updated_at: at,
                };
                row.set_status(&Status::submitted(), levels);
                plan.events
                    .push((visit_id.clone(), PendingReason::Submitted.as_str()));
                plan.changed.insert(visit_id.clone(), row.clone());
                rows.insert(visit_id.clone(), row);
            }
            Some(row) if row.content_digest == digest => {}
            Some(row) => {
                row.content_digest = digest;
                let resubmitted = submitted && visit.submitted_at != row.returned_submitted_at;
                let next = by_author
                    .then(|| machine::after_edit(&row.status(), resubmitted))
                    .flatten();
                if let Some(next) = next {
                    row.set_status(&next, levels);
                    row.updated_at = at;
                    row.submitted_at = submitted_at(visit.submitted_at);
                    if let Some(reason) = next.pending_reason {
                        plan.events.push((visit_id.clone(), reason.as_str()));
                    }
                    // An edit undoes approval: the approved data no longer stands for this visit.
                    plan.unapproved.push(visit_id.clone());
                }
                plan.changed.insert(visit_id.clone(), row.clone());
            }
        }
    }
    plan.records = differing_records(conn, &typed.review, rows.values())?;
    Ok(plan)
}

impl Plan {
    pub fn cooperative_id(&self) -> CooperativeId {
        self.cooperative_id
    }

    /// Writes the planned records into the document as one server change; returns it (none when nothing differs).
    pub fn apply_to(&self, doc: &mut Automerge) -> QueryResult<Vec<Change>> {
        write_records(doc, &self.records)
    }

    /// Writes the rows, activity and approved-data removals. Call once the document is stored. Returns whether
    /// approved data was removed, so that what derives from it follows.
    pub fn store(self, conn: &mut DbConn) -> QueryResult<bool> {
        for row in self.changed.values() {
            super::save(conn, row)?;
        }
        for (visit_id, kind) in &self.events {
            super::record_event(
                conn,
                &Event {
                    visit_id,
                    cooperative_id: self.cooperative_id,
                    kind,
                    level: None,
                    note: None,
                    user_id: self.who.user_id,
                    device_id: self.who.device_id,
                    heads: None,
                },
            )?;
        }
        if self.unapproved.is_empty() {
            return Ok(false);
        }
        diesel::delete(
            approved_visits::table.filter(approved_visits::visit_id.eq_any(&self.unapproved)),
        )
        .execute(conn)?;
        Ok(true)
    }
}

/// The records phones should see for these rows, where the document holds something else.
pub fn differing_records<'a>(
    conn: &mut DbConn,
    in_document: &BTreeMap<String, ReviewRecord>,
    rows: impl Iterator<Item = &'a ReviewRow>,
) -> QueryResult<Vec<(String, ReviewRecord)>> {
    let rows: Vec<&ReviewRow> = rows.collect();
    let reviewer_ids: Vec<UserId> = rows.iter().filter_map(|row| row.reviewer_user_id).collect();
    let names = super::names_of(conn, &reviewer_ids)?;
    Ok(rows
        .iter()
        .map(|row| {
            let name = row
                .reviewer_user_id
                .and_then(|id| names.get(&id.to_string()))
                .map(String::as_str);
            (row.visit_id.clone(), row.record(name))
        })
        .filter(|(visit_id, record)| in_document.get(visit_id) != Some(record))
        .collect())
}

/// Writes review records into the document as one server change and returns it.
pub fn write_records(
    doc: &mut Automerge,
    records: &[(String, ReviewRecord)],
) -> QueryResult<Vec<Change>> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let hash = server_edit::put_reviews(doc, records, now().and_utc().timestamp_millis())
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    // The one change just made: cheaper than asking the document for everything since the old heads.
    Ok(hash
        .and_then(|hash| doc.get_change_by_hash(&hash))
        .into_iter()
        .collect())
}

//! Review of merged visits (issue 6, ARCHITECTURE.md §7): the state machine, the configured levels, tracking what
//! phones' changes mean for review, reviewers' actions, and the rows behind the queue, the activity feed and the
//! approved data the decision engines read.

pub mod actions;
pub mod activity;
pub mod conflicts;
pub mod duplicates;
pub mod levels;
pub mod machine;
pub mod track;

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hezuo_mobile_api::RegionLevel;
use hezuo_sync::model::{PendingReason, ReviewRecord, ReviewState, Visit};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::DbConn;
use crate::db::code::{Code, CodeList};
use crate::db::id::{CooperativeId, DeviceId, UserId};
use crate::db::schema::{review_events, users, visit_reviews};
use levels::ReviewLevels;
use machine::Status;

/// A visit's review as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = visit_reviews, treat_none_as_null = true)]
pub struct ReviewRow {
    pub visit_id: String,
    pub cooperative_id: CooperativeId,
    pub state: Code<ReviewState>,
    pub pending_reason: Option<Code<PendingReason>>,
    pub approved_levels: CodeList<RegionLevel>,
    pub awaiting_level: Option<Code<RegionLevel>>,
    pub note: Option<String>,
    pub reviewer_user_id: Option<UserId>,
    pub approved_heads: Option<String>,
    pub times_returned: i64,
    pub content_digest: String,
    pub returned_submitted_at: Option<i64>,
    pub submitted_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

impl ReviewRow {
    pub fn status(&self) -> Status {
        Status {
            state: *self.state,
            pending_reason: self.pending_reason.map(|reason| *reason),
            approved_levels: self.approved_levels.0.clone(),
            note: self.note.clone(),
            times_returned: u32::try_from(self.times_returned).unwrap_or(0),
        }
    }

    /// Takes on a new status.
    pub fn set_status(&mut self, status: &Status, levels: &ReviewLevels) {
        self.state = Code(status.state);
        self.pending_reason = status.pending_reason.map(Code);
        self.approved_levels = CodeList(status.approved_levels.clone());
        self.awaiting_level = status.awaiting(levels).map(Code);
        self.note = status.note.clone();
        self.times_returned = i64::from(status.times_returned);
    }

    /// What phones see of it, in the document's `review` map.
    pub fn record(&self, reviewer_name: Option<&str>) -> ReviewRecord {
        let status = self.status();
        ReviewRecord {
            state: Some(status.state),
            pending_reason: status.pending_reason,
            approved_levels: status
                .approved_levels
                .iter()
                .map(|l| l.as_str().to_owned())
                .collect(),
            awaiting_level: self.awaiting_level.map(|level| level.as_str().to_owned()),
            note: self.note.clone(),
            reviewer_user_id: self.reviewer_user_id.map(|user| user.to_string()),
            reviewer_name: reviewer_name.map(str::to_owned),
            at: Some(self.updated_at.and_utc().timestamp_millis()),
            approved_heads: self
                .approved_heads
                .as_deref()
                .map(|h| h.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            times_returned: Some(status.times_returned).filter(|n| *n > 0),
        }
    }
}

/// SHA-256 of a visit's content: a different digest means the visit changed.
pub fn content_digest(visit: &Visit) -> String {
    let json = serde_json::to_vec(visit).unwrap_or_default();
    hex::encode(Sha256::digest(json))
}

fn by_visit(rows: Vec<ReviewRow>) -> HashMap<String, ReviewRow> {
    rows.into_iter()
        .map(|row| (row.visit_id.clone(), row))
        .collect()
}

/// The review rows of some of a cooperative's visits, by visit id.
pub fn rows_of_visits(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
    visit_ids: &BTreeSet<String>,
) -> QueryResult<HashMap<String, ReviewRow>> {
    visit_reviews::table
        .filter(visit_reviews::cooperative_id.eq(cooperative_id))
        .filter(visit_reviews::visit_id.eq_any(visit_ids))
        .select(ReviewRow::as_select())
        .load::<ReviewRow>(conn)
        .map(by_visit)
}

pub fn rows_of_cooperative(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
) -> QueryResult<HashMap<String, ReviewRow>> {
    visit_reviews::table
        .filter(visit_reviews::cooperative_id.eq(cooperative_id))
        .select(ReviewRow::as_select())
        .load::<ReviewRow>(conn)
        .map(by_visit)
}

pub fn save(conn: &mut DbConn, row: &ReviewRow) -> QueryResult<()> {
    let updated = diesel::update(visit_reviews::table.find(&row.visit_id))
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(visit_reviews::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Display names of users by id (reviewers, authors, whoever an answer names); no query for no ids.
pub fn names_of<S: std::fmt::Display>(
    conn: &mut DbConn,
    ids: &[S],
) -> QueryResult<HashMap<String, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    Ok(users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::display_name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// One entry of a visit's activity in review.
pub struct Event<'a> {
    pub visit_id: &'a str,
    pub cooperative_id: CooperativeId,
    pub kind: &'a str,
    pub level: Option<RegionLevel>,
    pub note: Option<&'a str>,
    pub user_id: Option<UserId>,
    pub device_id: Option<DeviceId>,
    pub heads: Option<&'a str>,
}

pub fn record_event(conn: &mut DbConn, event: &Event<'_>) -> QueryResult<()> {
    diesel::insert_into(review_events::table)
        .values((
            review_events::id.eq(Uuid::now_v7().to_string()),
            review_events::visit_id.eq(event.visit_id),
            review_events::cooperative_id.eq(event.cooperative_id),
            review_events::kind.eq(event.kind),
            review_events::level.eq(event.level.map(|l| l.as_str())),
            review_events::note.eq(event.note),
            review_events::user_id.eq(event.user_id),
            review_events::device_id.eq(event.device_id),
            review_events::heads.eq(event.heads),
            review_events::at.eq(crate::models::now()),
        ))
        .execute(conn)?;
    Ok(())
}

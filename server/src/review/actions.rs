//! Reviewers' actions on one visit: approve, unapprove, return for correction, reject, comment. Each is one server
//! change to the cooperative's document (the `review` map) plus the review row, the activity entry, the approved data
//! and the audit row, all in one transaction.

use diesel::prelude::*;
use hezuo_mobile_api::{ErrorCode, RegionLevel};
use hezuo_sync::document;

use super::levels::ReviewLevels;
use super::machine::{self, Action, Refused};
use super::{Event, ReviewRow};
use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::db::id::{CooperativeId, DeviceId};
use crate::db::schema::{approved_visits, visit_reviews, visits};
use crate::documents::Documents;
use crate::documents::store::encode_heads;
use crate::error::{ApiError, ApiResult};
use crate::models::audit;
use crate::models::cooperatives::any_in_scope;
use crate::models::now;

/// What the reviewer asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Decide(Action),
    Comment(String),
}

/// Everything an action needs besides the database.
pub struct Context<'a> {
    pub documents: &'a Documents,
    pub review_levels: &'a ReviewLevels,
    pub reviewer: &'a Authenticated,
}

impl<'a> Context<'a> {
    pub fn new(app: &'a crate::state::AppState, reviewer: &'a Authenticated) -> Self {
        Self {
            documents: &app.documents,
            review_levels: &app.review_levels,
            reviewer,
        }
    }
}

/// The cooperative of a visit the caller may see; 404 otherwise (as if it did not exist).
pub fn visible_visit(
    conn: &mut DbConn,
    caller: &Authenticated,
    visit_id: &str,
) -> ApiResult<CooperativeId> {
    let cooperative_id: CooperativeId = visits::table
        .find(visit_id)
        .select(visits::cooperative_id)
        .get_result(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    if !any_in_scope(conn, &caller.scope, std::slice::from_ref(&cooperative_id))? {
        return Err(ApiError::not_found());
    }
    Ok(cooperative_id)
}

/// The level the reviewer acts at: their own; an administrator may name any configured level.
pub fn acting_level(
    context: &Context<'_>,
    requested: Option<RegionLevel>,
) -> ApiResult<RegionLevel> {
    let levels = context.review_levels;
    let own = levels
        .of(context.reviewer)
        .ok_or_else(|| ApiError::new(ErrorCode::NotAReviewer))?;
    match requested {
        None => Ok(own),
        Some(level) if level == own => Ok(own),
        Some(level) if context.reviewer.is_admin() && levels.index_of(level).is_some() => Ok(level),
        Some(_) => Err(ApiError::new(ErrorCode::ReviewLevelMismatch)),
    }
}

/// Applies one request to one visit and returns its review afterwards. `expected_version` is the visit version the
/// reviewer looked at; if the visit changed since, nothing happens (`review_stale`).
pub fn act(
    conn: &mut DbConn,
    context: &Context<'_>,
    visit_id: &str,
    request: &Request,
    level: Option<RegionLevel>,
    expected_version: Option<&str>,
) -> ApiResult<ReviewRow> {
    let reviewer = context.reviewer;
    let cooperative_id = visible_visit(conn, reviewer, visit_id)?;
    if !matches!(
        reviewer.role,
        hezuo_mobile_api::users::Role::Admin | hezuo_mobile_api::users::Role::Supervisor
    ) {
        // Counsellors and viewers never review, even in their own regions.
        return Err(ApiError::new(ErrorCode::NotAReviewer));
    }
    let level = acting_level(context, level)?;
    let who = reviewer.who();
    context
        .documents
        .write(conn, cooperative_id.uuid(), &who, |conn, doc| {
            let before = submitted_review(conn, visit_id)?;
            if expected_version.is_some_and(|v| v != before.content_digest) {
                return Err(ApiError::new(ErrorCode::ReviewStale));
            }
            let acting = Acting {
                context,
                visit_id,
                cooperative_id,
                level,
                heads: encode_heads(&doc.get_heads()),
                device_id: who.device_id,
            };
            match request {
                Request::Comment(note) => {
                    acting.comment(conn, note)?;
                    Ok(before)
                }
                Request::Decide(action) => acting.decide(conn, doc, before, action),
            }
        })
}

/// The visit's review; a draft has none yet.
fn submitted_review(conn: &mut DbConn, visit_id: &str) -> ApiResult<ReviewRow> {
    visit_reviews::table
        .find(visit_id)
        .select(ReviewRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(|| {
            ApiError::new(ErrorCode::ReviewNotPending).with_detail(
                "草稿尚未提交，不能审核",
                "a draft is not reviewed until submitted",
            )
        })
}

/// A reviewer acting on one visit at one level, on the document as it is now (`heads`).
struct Acting<'a> {
    context: &'a Context<'a>,
    visit_id: &'a str,
    cooperative_id: CooperativeId,
    level: RegionLevel,
    heads: String,
    device_id: Option<DeviceId>,
}

impl Acting<'_> {
    fn event<'b>(&'b self, kind: &'b str, note: Option<&'b str>) -> Event<'b> {
        Event {
            visit_id: self.visit_id,
            cooperative_id: self.cooperative_id,
            kind,
            level: Some(self.level),
            note,
            user_id: Some(self.context.reviewer.user.id),
            device_id: self.device_id,
            heads: Some(self.heads.as_str()),
        }
    }

    fn comment(&self, conn: &mut DbConn, note: &str) -> ApiResult<()> {
        super::record_event(conn, &self.event("comment", Some(note)))?;
        audit::record(
            conn,
            &self.context.reviewer.who(),
            audit::Entry {
                action: crate::models::audit::Action::ReviewComment,
                entity_type: "visit",
                entity_id: &self.visit_id,
            },
            audit::NONE,
            Some(&serde_json::json!({ "note": note, "level": self.level.as_str() })),
        )?;
        Ok(())
    }

    /// Moves the review as the state machine allows, keeps or withdraws the approved data, and writes the phones'
    /// record of it into the document.
    fn decide(
        &self,
        conn: &mut DbConn,
        doc: &mut automerge::Automerge,
        before: ReviewRow,
        action: &Action,
    ) -> ApiResult<ReviewRow> {
        let reviewer = self.context.reviewer;
        let levels = self.context.review_levels;
        let Some(next) =
            machine::decide(&before.status(), action, self.level, levels).map_err(refusal)?
        else {
            return Ok(before);
        };
        let mut row = before.clone();
        row.set_status(&next, levels);
        row.reviewer_user_id = Some(reviewer.user.id);
        row.updated_at = now();
        let typed = document::read(doc)
            .map_err(|e| ApiError::internal(anyhow::anyhow!("unreadable document: {e}")))?;
        let visit = typed
            .visits
            .get(self.visit_id)
            .ok_or_else(ApiError::not_found)?;
        let (kind, audited, note) = match action {
            Action::Approve => {
                row.approved_heads = Some(self.heads.clone());
                ("approved", audit::Action::ReviewApproved, None)
            }
            Action::Unapprove => ("unapproved", audit::Action::ReviewUnapproved, None),
            Action::Return { note } => {
                row.returned_submitted_at = visit.submitted_at;
                (
                    "returned",
                    audit::Action::ReviewReturned,
                    Some(note.as_str()),
                )
            }
            Action::Reject { note } => (
                "rejected",
                audit::Action::ReviewRejected,
                Some(note.as_str()),
            ),
        };
        super::save(conn, &row)?;
        super::record_event(conn, &self.event(kind, note))?;
        diesel::delete(approved_visits::table.find(self.visit_id)).execute(conn)?;
        if next.state == hezuo_sync::model::ReviewState::Approved {
            self.keep_approved(conn, visit, row.updated_at)?;
        }
        // Only approved visits count for the clean-up and star scores: both follow every change of them.
        self.context
            .documents
            .approved_evidence_changed(conn, &[self.cooperative_id])?;
        audit::record(
            conn,
            &reviewer.who(),
            audit::Entry {
                action: audited,
                entity_type: "visit",
                entity_id: &self.visit_id,
            },
            Some(&before),
            Some(&row),
        )?;
        let records = super::track::differing_records(conn, &typed.review, std::iter::once(&row))?;
        super::track::write_records(doc, &records)?;
        Ok(row)
    }

    /// The approved data: the visit as the last level approved it, at these heads.
    fn keep_approved(
        &self,
        conn: &mut DbConn,
        visit: &hezuo_sync::model::Visit,
        at: chrono::NaiveDateTime,
    ) -> ApiResult<()> {
        diesel::insert_into(approved_visits::table)
            .values((
                approved_visits::visit_id.eq(self.visit_id),
                approved_visits::cooperative_id.eq(self.cooperative_id),
                approved_visits::data.eq(serde_json::to_string(visit).map_err(ApiError::internal)?),
                approved_visits::heads.eq(&self.heads),
                approved_visits::approved_by.eq(&self.context.reviewer.user.id),
                approved_visits::approved_at.eq(at),
            ))
            .execute(conn)?;
        Ok(())
    }
}

fn refusal(refused: Refused) -> ApiError {
    match refused {
        Refused::NotPending(state) => ApiError::new(ErrorCode::ReviewNotPending).with_detail(
            format!("该走访记录当前为“{}”", state.label_zh()),
            format!("the visit is {state}"),
        ),
        Refused::NotYourTurn { awaiting } => ApiError::new(ErrorCode::ReviewNotYourTurn)
            .with_detail(
                format!("正等待{}审核", awaiting.name_zh()),
                format!("waiting for the {} level", awaiting.as_str()),
            ),
        Refused::UnapproveFromTop { highest } => ApiError::new(ErrorCode::ReviewUnapproveOrder)
            .with_detail(
                format!("须先由{}撤销通过", highest.name_zh()),
                format!(
                    "the {} level must withdraw its approval first",
                    highest.as_str()
                ),
            ),
        Refused::NotApproved => ApiError::new(ErrorCode::ReviewNotApproved),
        Refused::ApprovedAbove { highest } => ApiError::new(ErrorCode::ReviewApprovedAbove)
            .with_detail(
                format!("{}已审核通过", highest.name_zh()),
                format!("the {} level approved it", highest.as_str()),
            ),
    }
}

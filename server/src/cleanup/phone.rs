//! What counsellors' phones learn of the clean-up: the document's server-only `decisions.cleanup` record holds the
//! decided state, why, and when the cooperative is due for a re-visit (from a dormant decision or a targeted-assistance
//! plan). It is written in the same transaction as the decision or case change behind it.

use chrono::NaiveDate;
use diesel::prelude::*;
use hezuo_sync::model::{CoopState, Day, DecisionRecord, RecommendedAction};

use super::store::ClassificationRow;
use crate::auth::Authenticated;
use crate::cleanup::status::{ActionStatus, CaseStatus};
use crate::db::DbConn;
use crate::db::code::Code;
use crate::db::id::CooperativeId;
use crate::db::schema::{classifications, disposal_actions, disposal_cases};
use crate::error::ApiResult;
use crate::models::stored_day;
use crate::state::AppState;

/// The key of the record in `decisions`.
pub const KEY: &str = "cleanup";

/// The record for the cooperative's latest decided classification, or `None` before any decision.
pub fn record(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
) -> QueryResult<Option<DecisionRecord>> {
    let decided: Option<ClassificationRow> = classifications::table
        .filter(classifications::cooperative_id.eq(cooperative_id))
        .filter(classifications::decided_at.is_not_null())
        .order(classifications::decided_at.desc())
        .select(ClassificationRow::as_select())
        .first(conn)
        .optional()?;
    let Some(decided) = decided else {
        return Ok(None);
    };
    let state = decided.effective_state();
    let mut revisit: Option<(NaiveDate, String)> = decided
        .revisit_due
        .as_deref()
        .filter(|_| state == CoopState::DormantRecoverable)
        .map(stored_day)
        .transpose()?
        .map(|d| (d, "休眠社定期回访".to_owned()));
    // Open actions with a re-visit date: the earliest one is due first.
    let planned: Vec<(String, Option<String>, Code<RecommendedAction>)> = disposal_actions::table
        .inner_join(disposal_cases::table)
        .filter(disposal_cases::cooperative_id.eq(cooperative_id))
        .filter(disposal_cases::status.eq(CaseStatus::Open.as_str()))
        .filter(disposal_actions::status.ne_all([
            ActionStatus::Done.as_str(),
            ActionStatus::Cancelled.as_str(),
        ]))
        .filter(disposal_actions::revisit_on.is_not_null())
        .select((
            disposal_actions::revisit_on.assume_not_null(),
            disposal_actions::note,
            disposal_actions::action,
        ))
        .load(conn)?;
    for (on, note, action) in planned {
        let on = stored_day(&on)?;
        if revisit.as_ref().is_none_or(|(due, _)| on < *due) {
            let label = action.label_zh().to_owned();
            let why = match note {
                Some(note) => format!("{label}：{note}"),
                None => label,
            };
            revisit = Some((on, why));
        }
    }
    let why = decided
        .decision_reason
        .clone()
        .unwrap_or_else(|| decided.explanation_zh.clone());
    let note = match &revisit {
        Some((_, purpose)) => format!("{why}；回访事项：{purpose}"),
        None => why,
    };
    let decided_by_name = match &decided.decided_by {
        Some(user) => {
            crate::review::names_of(conn, std::slice::from_ref(user))?.remove(user.as_str())
        }
        None => None,
    };
    Ok(Some(DecisionRecord {
        kind: Some(KEY.to_owned()),
        outcome: Some(state.as_str().to_owned()),
        rule_set_version: Some(decided.rule_set_version.clone()),
        at: decided.decided_at.map(|at| at.and_utc().timestamp_millis()),
        revisit_due: revisit.and_then(|(due, _)| Day::parse(&due.to_string())),
        note: Some(note),
        decided_by_name,
    }))
}

/// Runs `change`, then writes the cooperative's record into its document when it differs, as `caller`'s change, in
/// one transaction (the decision, case or action change the record follows from, with its audit row).
pub fn write_with<T>(
    conn: &mut DbConn,
    app: &AppState,
    caller: &Authenticated,
    cooperative_id: CooperativeId,
    change: impl FnMut(&mut DbConn) -> ApiResult<T>,
) -> ApiResult<T> {
    crate::documents::decisions::write_with(conn, app, caller, cooperative_id, KEY, record, change)
}

//! Disposal cases (RULES.md §1.4): the actions taken on a decided classification, each with its status, assignee,
//! due date, re-visit date and referral, until the case is closed.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hezuo_mobile_api::cleanup::{DisposalAction, DisposalCase};
use hezuo_sync::model::{CoopState, RecommendedAction};

use super::status::{ActionStatus, CaseStatus};
use serde::Serialize;

use crate::db::DbConn;
use crate::db::code::Code;
use crate::db::id::CooperativeId;
use crate::db::schema::{cooperatives, disposal_actions, disposal_cases};
use crate::models::{stored_day, stored_uuid, to_utc};

/// The actions a case may hold: the §1.4 disposals (star-rating application is not a disposal).
pub fn is_disposal(action: RecommendedAction) -> bool {
    action != RecommendedAction::ApplyForStarRating
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = disposal_cases)]
pub struct CaseRow {
    pub id: String,
    pub cooperative_id: CooperativeId,
    pub classification_id: String,
    pub state: Code<CoopState>,
    pub status: Code<CaseStatus>,
    pub opened_by: String,
    pub opened_at: NaiveDateTime,
    pub closed_by: Option<String>,
    pub closed_at: Option<NaiveDateTime>,
    pub closing_note: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = disposal_actions)]
pub struct ActionRow {
    pub id: String,
    pub case_id: String,
    pub action: Code<RecommendedAction>,
    pub status: Code<ActionStatus>,
    pub assignee_user_id: Option<String>,
    pub due_on: Option<String>,
    pub revisit_on: Option<String>,
    pub referred_to: Option<String>,
    pub note: Option<String>,
    pub updated_by: Option<String>,
    pub updated_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
}

impl ActionRow {
    /// Open past its due day; a stored due day that is not a date is an error.
    pub fn overdue(&self, today: NaiveDate) -> QueryResult<bool> {
        Ok(!self.status.is_final()
            && optional_day(self.due_on.as_deref())?.is_some_and(|due| due < today))
    }
}

fn optional_day(day: Option<&str>) -> QueryResult<Option<NaiveDate>> {
    day.map(stored_day).transpose()
}

/// Cases with their actions and their cooperatives' names and regions, in the order given.
pub fn with_actions(
    conn: &mut DbConn,
    cases: Vec<CaseRow>,
    today: NaiveDate,
) -> QueryResult<Vec<DisposalCase>> {
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    let mut actions: HashMap<String, Vec<ActionRow>> = HashMap::new();
    for action in disposal_actions::table
        .filter(disposal_actions::case_id.eq_any(&ids))
        .order(disposal_actions::id.asc())
        .select(ActionRow::as_select())
        .load(conn)?
    {
        actions
            .entry(action.case_id.clone())
            .or_default()
            .push(action);
    }
    let cooperative_ids: Vec<CooperativeId> = cases.iter().map(|c| c.cooperative_id).collect();
    let names: HashMap<CooperativeId, (String, String)> = cooperatives::table
        .filter(cooperatives::id.eq_any(&cooperative_ids))
        .select((
            cooperatives::id,
            cooperatives::name,
            cooperatives::region_code,
        ))
        .load::<(CooperativeId, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, region)| (id, (name, region)))
        .collect();
    cases
        .into_iter()
        .map(|case| {
            let rows = actions.remove(&case.id).unwrap_or_default();
            let (name, region) = names.get(&case.cooperative_id).cloned().unwrap_or_default();
            to_api(case, rows, name, region, today)
        })
        .collect()
}

fn to_api(
    case: CaseRow,
    actions: Vec<ActionRow>,
    cooperative_name: String,
    region_code: String,
    today: NaiveDate,
) -> QueryResult<DisposalCase> {
    let actions: Vec<DisposalAction> = actions
        .into_iter()
        .map(|row| -> QueryResult<DisposalAction> {
            Ok(DisposalAction {
                overdue: row.overdue(today)?,
                id: stored_uuid(&row.id)?,
                action_zh: row.action.label_zh().to_owned(),
                action: row.action.as_str().to_owned(),
                status: row.status.as_str().to_owned(),
                assignee_user_id: row.assignee_user_id,
                due_on: optional_day(row.due_on.as_deref())?,
                revisit_on: optional_day(row.revisit_on.as_deref())?,
                referred_to: row.referred_to,
                note: row.note,
                updated_at: to_utc(row.updated_at),
                completed_at: row.completed_at.map(to_utc),
            })
        })
        .collect::<QueryResult<_>>()?;
    Ok(DisposalCase {
        id: stored_uuid(&case.id)?,
        cooperative_id: case.cooperative_id.uuid(),
        cooperative_name,
        region_code,
        classification_id: stored_uuid(&case.classification_id)?,
        state: case.state.as_str().to_owned(),
        status: case.status.as_str().to_owned(),
        opened_by: case.opened_by,
        opened_at: to_utc(case.opened_at),
        closed_at: case.closed_at.map(to_utc),
        closing_note: case.closing_note,
        overdue_actions: actions.iter().filter(|a| a.overdue).count() as u32,
        actions,
    })
}

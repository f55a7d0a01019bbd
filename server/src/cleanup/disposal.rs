//! Working a disposal case (RULES.md §1.4): opening it on a decided classification with the recommended or chosen
//! actions, tracking each action, and closing it once every action is done or cancelled. Each change writes the phones'
//! `decisions.cleanup` record of the cooperative in the same transaction, and an audit row.

use diesel::prelude::*;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::cleanup::{ActionPlan, DisposalCase};
use hezuo_sync::model::{CoopState, RecommendedAction};
use uuid::Uuid;

use super::cases::{self, ActionRow, CaseRow};
use super::{engine, phone, store};
use crate::auth::Authenticated;
use crate::auth::policy::visible_cooperative;
use crate::cleanup::status::{ActionStatus, CaseStatus};
use crate::db::DbConn;
use crate::db::code::Code;
use crate::db::id::CooperativeId;
use crate::db::schema::{disposal_actions, disposal_cases, users};
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::models::now;
use crate::state::AppState;

/// A case in the caller's regions; 404 otherwise.
pub fn visible_case(conn: &mut DbConn, caller: &Authenticated, id: &str) -> ApiResult<CaseRow> {
    let case: CaseRow = disposal_cases::table
        .find(id)
        .select(CaseRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    visible_cooperative(conn, caller, case.cooperative_id)?;
    Ok(case)
}

/// The case as the API shows it.
pub fn load(conn: &mut DbConn, case: CaseRow) -> ApiResult<DisposalCase> {
    cases::with_actions(conn, vec![case], store::today())?
        .pop()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("case vanished")))
}

/// An assignee must be an active account.
pub fn check_assignee(conn: &mut DbConn, field: &str, assignee: Option<&str>) -> ApiResult<()> {
    let Some(assignee) = assignee else {
        return Ok(());
    };
    let active: i64 = users::table
        .filter(users::id.eq(assignee))
        .filter(users::is_active.eq(true))
        .count()
        .get_result(conn)?;
    if active == 0 {
        return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
            field,
            "unknown_user",
            "没有该在用账户",
            "no such active account",
        ));
    }
    Ok(())
}

/// Opens a case on the cooperative's decided classification, with `plans` or, without them, the actions the decided
/// state recommends (each `planned`, without dates).
pub fn open(
    conn: &mut DbConn,
    app: &AppState,
    caller: &Authenticated,
    cooperative_id: CooperativeId,
    plans: Option<&[(RecommendedAction, ActionPlan)]>,
) -> ApiResult<DisposalCase> {
    visible_cooperative(conn, caller, cooperative_id)?;
    phone::write_with(conn, app, caller, cooperative_id, |conn| {
        let (classification_id, decided, ties) = decided_classification(conn, cooperative_id)?;
        let actions = actions_to_open(decided, ties, plans)?;
        for (index, (_, plan)) in actions.iter().enumerate() {
            check_assignee(
                conn,
                &format!("actions[{index}].assignee_user_id"),
                plan.as_ref().and_then(|p| p.assignee_user_id.as_deref()),
            )?;
        }
        let case_id = Uuid::now_v7().to_string();
        let at = now();
        diesel::insert_into(disposal_cases::table)
            .values((
                disposal_cases::id.eq(&case_id),
                disposal_cases::cooperative_id.eq(cooperative_id),
                disposal_cases::classification_id.eq(&classification_id),
                disposal_cases::state.eq(decided.as_str()),
                disposal_cases::status.eq(CaseStatus::Open.as_str()),
                disposal_cases::opened_by.eq(&caller.user.id),
                disposal_cases::opened_at.eq(at),
            ))
            .execute(conn)?;
        for (action, plan) in &actions {
            insert_action(conn, caller, &case_id, *action, plan.as_ref(), at)?;
        }
        let row: CaseRow = disposal_cases::table
            .find(&case_id)
            .select(CaseRow::as_select())
            .get_result(conn)?;
        let case = load(conn, row)?;
        audit::record(
            conn,
            &caller.who(),
            Entry {
                action: crate::models::audit::Action::CleanupCaseOpened,
                entity_type: "disposal_case",
                entity_id: &case_id,
            },
            audit::NONE,
            Some(&case),
        )?;
        Ok(case)
    })
}

/// The current classification's id, decided state and the ties its actions follow; refused when there is none, it is
/// undecided, or a case is open.
fn decided_classification(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
) -> ApiResult<(String, CoopState, engine::Ties)> {
    let classification = store::current(conn, cooperative_id)?
        .ok_or_else(|| ApiError::new(ErrorCode::ClassificationMissing))?;
    if classification.decision.is_none() {
        return Err(ApiError::new(ErrorCode::ClassificationUndecided));
    }
    let open: i64 = disposal_cases::table
        .filter(disposal_cases::cooperative_id.eq(cooperative_id))
        .filter(disposal_cases::status.eq(CaseStatus::Open.as_str()))
        .count()
        .get_result(conn)?;
    if open > 0 {
        return Err(ApiError::new(ErrorCode::CaseAlreadyOpen));
    }
    let decided = classification.effective_state();
    let ties = match classification.ties()? {
        Some(ties) => ties,
        None => store::register_ties(conn, &classification.cooperative_id)?,
    };
    Ok((classification.id, decided, ties))
}

/// The actions asked for, or those the state recommends; a state that recommends none needs them named.
fn actions_to_open(
    decided: CoopState,
    ties: engine::Ties,
    plans: Option<&[(RecommendedAction, ActionPlan)]>,
) -> ApiResult<Vec<(RecommendedAction, Option<ActionPlan>)>> {
    let actions: Vec<(RecommendedAction, Option<ActionPlan>)> = match plans {
        Some(plans) => plans.iter().map(|(a, p)| (*a, Some(p.clone()))).collect(),
        None => engine::actions_for(decided, ties)
            .into_iter()
            .filter(|a| cases::is_disposal(*a))
            .map(|a| (a, None))
            .collect(),
    };
    if actions.is_empty() {
        return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
            "actions",
            "required",
            "该状态无推荐的处置措施，请指定措施",
            "the state recommends no disposal; name the actions",
        ));
    }
    Ok(actions)
}

fn insert_action(
    conn: &mut DbConn,
    caller: &Authenticated,
    case_id: &str,
    action: RecommendedAction,
    plan: Option<&ActionPlan>,
    at: chrono::NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(disposal_actions::table)
        .values((
            disposal_actions::id.eq(Uuid::now_v7().to_string()),
            disposal_actions::case_id.eq(case_id),
            disposal_actions::action.eq(action.as_str()),
            disposal_actions::status.eq(ActionStatus::Planned.as_str()),
            disposal_actions::assignee_user_id.eq(plan.and_then(|p| p.assignee_user_id.clone())),
            disposal_actions::due_on.eq(plan.and_then(|p| p.due_on).map(|d| d.to_string())),
            disposal_actions::revisit_on.eq(plan.and_then(|p| p.revisit_on).map(|d| d.to_string())),
            disposal_actions::referred_to.eq(plan.and_then(|p| p.referred_to.clone())),
            disposal_actions::note.eq(plan.and_then(|p| p.note.clone())),
            disposal_actions::updated_by.eq(&caller.user.id),
            disposal_actions::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Changes an open case of the caller's regions: `change` gets the case as it is inside the transaction, which also
/// writes the phones' record of the cooperative. A closed case is refused.
fn change_open_case<T>(
    conn: &mut DbConn,
    app: &AppState,
    caller: &Authenticated,
    case_id: &str,
    mut change: impl FnMut(&mut DbConn, CaseRow) -> ApiResult<T>,
) -> ApiResult<T> {
    let case = visible_case(conn, caller, case_id)?;
    phone::write_with(conn, app, caller, case.cooperative_id, |conn| {
        let case = visible_case(conn, caller, case_id)?;
        if *case.status != CaseStatus::Open {
            return Err(ApiError::new(ErrorCode::CaseClosed));
        }
        change(conn, case)
    })
}

/// Closes a case once every action is done or cancelled.
pub fn close(
    conn: &mut DbConn,
    app: &AppState,
    caller: &Authenticated,
    case_id: &str,
    note: &str,
) -> ApiResult<DisposalCase> {
    change_open_case(conn, app, caller, case_id, |conn, before| {
        let statuses: Vec<Code<ActionStatus>> = disposal_actions::table
            .filter(disposal_actions::case_id.eq(case_id))
            .select(disposal_actions::status)
            .load(conn)?;
        let open = statuses.iter().filter(|s| !s.is_final()).count();
        if open > 0 {
            return Err(ApiError::new(ErrorCode::CaseActionsOpen).with_detail(
                format!("尚有{open}项处置措施未完成或取消"),
                format!("{open} actions are neither done nor cancelled"),
            ));
        }
        diesel::update(disposal_cases::table.find(case_id))
            .set((
                disposal_cases::status.eq(CaseStatus::Closed.as_str()),
                disposal_cases::closed_by.eq(&caller.user.id),
                disposal_cases::closed_at.eq(now()),
                disposal_cases::closing_note.eq(note),
            ))
            .execute(conn)?;
        let after = visible_case(conn, caller, case_id)?;
        audit::record(
            conn,
            &caller.who(),
            Entry {
                action: crate::models::audit::Action::CleanupCaseClosed,
                entity_type: "disposal_case",
                entity_id: &case_id,
            },
            Some(&before),
            Some(&after),
        )?;
        load(conn, after)
    })
}

/// What a reviewer changes on one action; fields not given stay.
#[derive(Debug, Clone, Default)]
pub struct ActionChange {
    pub status: Option<ActionStatus>,
    pub assignee_user_id: Option<String>,
    pub due_on: Option<chrono::NaiveDate>,
    pub revisit_on: Option<chrono::NaiveDate>,
    pub referred_to: Option<String>,
    pub note: Option<String>,
}

impl ActionChange {
    /// The action with the change applied (not yet stamped with who and when).
    fn apply_to(&self, before: &ActionRow) -> ActionRow {
        let mut after = before.clone();
        if let Some(status) = self.status {
            after.completed_at = match (status, before.completed_at) {
                (ActionStatus::Done, Some(at)) => Some(at),
                (ActionStatus::Done, None) => Some(now()),
                _ => None,
            };
            after.status = Code(status);
        }
        if let Some(assignee) = &self.assignee_user_id {
            after.assignee_user_id = Some(assignee.clone());
        }
        if let Some(due) = self.due_on {
            after.due_on = Some(due.to_string());
        }
        if let Some(revisit) = self.revisit_on {
            after.revisit_on = Some(revisit.to_string());
        }
        if self.referred_to.is_some() {
            after.referred_to = self.referred_to.clone();
        }
        if self.note.is_some() {
            after.note = self.note.clone();
        }
        after
    }
}

/// Tracks one action of an open case.
pub fn update_action(
    conn: &mut DbConn,
    app: &AppState,
    caller: &Authenticated,
    case_id: &str,
    action_id: &str,
    change: &ActionChange,
) -> ApiResult<DisposalCase> {
    change_open_case(conn, app, caller, case_id, |conn, case| {
        let before: ActionRow = disposal_actions::table
            .find(action_id)
            .filter(disposal_actions::case_id.eq(case_id))
            .select(ActionRow::as_select())
            .get_result(conn)
            .optional()?
            .ok_or_else(ApiError::not_found)?;
        check_assignee(conn, "assignee_user_id", change.assignee_user_id.as_deref())?;
        let mut after = change.apply_to(&before);
        if after == before {
            return load(conn, case);
        }
        after.updated_by = Some(caller.user.id.to_string());
        after.updated_at = now();
        diesel::update(disposal_actions::table.find(action_id))
            .set((
                disposal_actions::status.eq(&after.status),
                disposal_actions::assignee_user_id.eq(&after.assignee_user_id),
                disposal_actions::due_on.eq(&after.due_on),
                disposal_actions::revisit_on.eq(&after.revisit_on),
                disposal_actions::referred_to.eq(&after.referred_to),
                disposal_actions::note.eq(&after.note),
                disposal_actions::updated_by.eq(&after.updated_by),
                disposal_actions::updated_at.eq(after.updated_at),
                disposal_actions::completed_at.eq(after.completed_at),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            &caller.who(),
            Entry {
                action: crate::models::audit::Action::CleanupActionUpdated,
                entity_type: "disposal_action",
                entity_id: &action_id,
            },
            Some(&before),
            Some(&after),
        )?;
        load(conn, case)
    })
}

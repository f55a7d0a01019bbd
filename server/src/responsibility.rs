//! Who answers for each cooperative: its counsellor (辅导员) and the 供销专干 over them ("供销专干属地负责", seed 002
//! §三(一)). A supervisor of the cooperative's region assigns them; a change ends the current assignment and starts
//! another, so the rows are the history.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::coverage::{AssignRequest, Assignment, Responsibility};
use hezuo_mobile_api::users::Role;

use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::db::id::{CooperativeId, UserId};
use crate::db::schema::{cooperative_assignments, users};
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::models::cooperatives::CooperativeRow;
use crate::models::{now, stored_uuid, to_utc, users as accounts};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = cooperative_assignments)]
pub struct AssignmentRow {
    pub id: String,
    pub cooperative_id: CooperativeId,
    pub counsellor_user_id: UserId,
    pub officer_user_id: Option<UserId>,
    pub note: Option<String>,
    pub assigned_by: UserId,
    pub assigned_at: NaiveDateTime,
    pub ended_by: Option<UserId>,
    pub ended_at: Option<NaiveDateTime>,
}

impl AssignmentRow {
    /// A current assignment starting now.
    pub fn starting(
        cooperative_id: CooperativeId,
        counsellor: UserId,
        officer: Option<UserId>,
        note: Option<String>,
        by: UserId,
    ) -> AssignmentRow {
        AssignmentRow {
            id: uuid::Uuid::now_v7().to_string(),
            cooperative_id,
            counsellor_user_id: counsellor,
            officer_user_id: officer,
            note,
            assigned_by: by,
            assigned_at: now(),
            ended_by: None,
            ended_at: None,
        }
    }
}

/// Every assignment of a cooperative, newest first.
pub fn history(conn: &mut DbConn, cooperative: CooperativeId) -> ApiResult<Responsibility> {
    let rows: Vec<AssignmentRow> = cooperative_assignments::table
        .filter(cooperative_assignments::cooperative_id.eq(cooperative))
        .order((
            cooperative_assignments::assigned_at.desc(),
            cooperative_assignments::id.desc(),
        ))
        .select(AssignmentRow::as_select())
        .load(conn)?;
    let names = names_of(conn, &rows)?;
    let history = rows
        .iter()
        .map(|row| to_api(row, &names))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Responsibility {
        cooperative_id: cooperative.uuid(),
        current: history.iter().find(|a| a.ended_at.is_none()).cloned(),
        history,
    })
}

/// The current counsellor of each cooperative that has one.
pub fn current_counsellors(conn: &mut DbConn) -> QueryResult<HashMap<CooperativeId, UserId>> {
    Ok(cooperative_assignments::table
        .filter(cooperative_assignments::ended_at.is_null())
        .select((
            cooperative_assignments::cooperative_id,
            cooperative_assignments::counsellor_user_id,
        ))
        .load::<(CooperativeId, UserId)>(conn)?
        .into_iter()
        .collect())
}

/// Makes `request`'s counsellor responsible for `cooperative`, ending the current assignment. Assigning the same
/// people again changes nothing, so a retried request does not add history. Runs inside the caller's transaction.
pub fn assign(
    conn: &mut DbConn,
    caller: &Authenticated,
    cooperative: &CooperativeRow,
    request: &AssignRequest,
) -> ApiResult<Responsibility> {
    check_person(
        conn,
        "counsellor_user_id",
        request.counsellor_user_id.into(),
        cooperative,
        true,
    )?;
    if let Some(officer) = request.officer_user_id {
        check_person(conn, "officer_user_id", officer.into(), cooperative, false)?;
    }
    let note = request
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let current = current_row(conn, cooperative.id)?;
    let counsellor = UserId::from(request.counsellor_user_id);
    let officer = request.officer_user_id.map(UserId::from);
    if let Some(current) = &current
        && current.counsellor_user_id == counsellor
        && current.officer_user_id == officer
    {
        return history(conn, cooperative.id);
    }
    let row = AssignmentRow::starting(cooperative.id, counsellor, officer, note, caller.user.id);
    if let Some(current) = &current {
        end_row(conn, caller, current, row.assigned_at)?;
    }
    diesel::insert_into(cooperative_assignments::table)
        .values(&row)
        .execute(conn)?;
    let names = names_of(conn, std::slice::from_ref(&row))?;
    audit::record(
        conn,
        &caller.who(),
        Entry {
            action: audit::Action::ResponsibilityAssigned,
            entity_type: "cooperative",
            entity_id: &cooperative.id,
        },
        audit::NONE,
        Some(&to_api(&row, &names)?),
    )?;
    history(conn, cooperative.id)
}

/// Ends the current assignment, leaving the cooperative without a counsellor. Ending none is not an error: a retried
/// request finds it ended.
pub fn end(
    conn: &mut DbConn,
    caller: &Authenticated,
    cooperative: CooperativeId,
) -> ApiResult<Responsibility> {
    if let Some(current) = current_row(conn, cooperative)? {
        end_row(conn, caller, &current, now())?;
    }
    history(conn, cooperative)
}

fn current_row(
    conn: &mut DbConn,
    cooperative: CooperativeId,
) -> QueryResult<Option<AssignmentRow>> {
    cooperative_assignments::table
        .filter(cooperative_assignments::cooperative_id.eq(cooperative))
        .filter(cooperative_assignments::ended_at.is_null())
        .select(AssignmentRow::as_select())
        .first(conn)
        .optional()
}

fn end_row(
    conn: &mut DbConn,
    caller: &Authenticated,
    row: &AssignmentRow,
    at: NaiveDateTime,
) -> ApiResult<()> {
    diesel::update(cooperative_assignments::table.find(&row.id))
        .set((
            cooperative_assignments::ended_at.eq(at),
            cooperative_assignments::ended_by.eq(caller.user.id),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        &caller.who(),
        Entry {
            action: audit::Action::ResponsibilityEnded,
            entity_type: "cooperative",
            entity_id: &row.cooperative_id,
        },
        audit::NONE,
        Some(&serde_json::json!({ "assignment_id": row.id })),
    )?;
    Ok(())
}

/// The person must be an active account whose regions hold the cooperative; a counsellor must have that role, so
/// the cooperative is on their phone.
fn check_person(
    conn: &mut DbConn,
    field: &str,
    id: UserId,
    cooperative: &CooperativeRow,
    counsellor: bool,
) -> ApiResult<()> {
    let refuse = |reason: &str, zh: String, en: String| {
        ApiError::new(ErrorCode::ValidationFailed).with_field(field, reason, zh, en)
    };
    let user = accounts::find(conn, id)?
        .filter(|u| u.is_active)
        .ok_or_else(|| {
            refuse(
                "unknown_user",
                "没有该在用账户".into(),
                "no such active account".into(),
            )
        })?;
    if counsellor && user.role() != Role::Counsellor {
        return Err(refuse(
            "not_a_counsellor",
            format!("{}不是辅导员账户", user.display_name),
            format!("{} is not a counsellor", user.username),
        ));
    }
    let regions = accounts::assigned_regions(conn, user.id)?;
    if !accounts::scope_of(&user, &regions).covers_path(&cooperative.region_path) {
        return Err(refuse(
            "out_of_regions",
            format!("{}的负责区域不含该合作社", user.display_name),
            format!("the cooperative is outside {}'s regions", user.username),
        ));
    }
    Ok(())
}

fn names_of(conn: &mut DbConn, rows: &[AssignmentRow]) -> QueryResult<HashMap<UserId, String>> {
    let ids: Vec<UserId> = rows
        .iter()
        .flat_map(|r| [Some(r.counsellor_user_id), r.officer_user_id])
        .flatten()
        .collect();
    Ok(users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::display_name))
        .load::<(UserId, String)>(conn)?
        .into_iter()
        .collect())
}

fn to_api(row: &AssignmentRow, names: &HashMap<UserId, String>) -> ApiResult<Assignment> {
    Ok(Assignment {
        id: stored_uuid(&row.id)?,
        cooperative_id: row.cooperative_id.uuid(),
        counsellor_user_id: row.counsellor_user_id.uuid(),
        counsellor_name: names
            .get(&row.counsellor_user_id)
            .cloned()
            .unwrap_or_default(),
        officer_user_id: row.officer_user_id.map(|id| id.uuid()),
        officer_name: row.officer_user_id.and_then(|id| names.get(&id).cloned()),
        note: row.note.clone(),
        assigned_by: row.assigned_by.uuid(),
        assigned_at: to_utc(row.assigned_at),
        ended_at: row.ended_at.map(to_utc),
        ended_by: row.ended_by.map(|id| id.uuid()),
    })
}

//! Disposal cases: opened on a decided classification with the recommended (or chosen) actions, each action tracked
//! to completion, overdue ones listed, and the case closed when every action is done or cancelled.

pub mod close;
pub mod list;
pub mod open;
pub mod update_action;

use diesel::prelude::*;
use hezuo_mobile_api::cleanup::DisposalCase;

use crate::auth::Authenticated;
use crate::cleanup::cases::{self, CaseRow};
use crate::cleanup::{phone, store};
use crate::db::DbConn;
use crate::db::schema::disposal_cases;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::validate::Checks;

/// A case in the caller's regions; 404 otherwise.
pub fn visible_case(conn: &mut DbConn, caller: &Authenticated, id: &str) -> ApiResult<CaseRow> {
    let case: CaseRow = disposal_cases::table
        .find(id)
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)?;
    crate::routes::cleanup::visible_cooperative(conn, caller, &case.cooperative_id)?;
    Ok(case)
}

/// Changes an open case of the caller's regions: `change` gets the case as it is inside the transaction, which also
/// writes the phones' record of the cooperative. A closed case is refused.
pub fn change_open_case<T>(
    conn: &mut DbConn,
    app: &AppState,
    caller: &Authenticated,
    case_id: &str,
    mut change: impl FnMut(&mut DbConn, CaseRow) -> ApiResult<T>,
) -> ApiResult<T> {
    let case = visible_case(conn, caller, case_id)?;
    phone::write_with(conn, app, caller, &case.cooperative_id, |conn| {
        let case = visible_case(conn, caller, case_id)?;
        if case.status != "open" {
            return Err(ApiError::new(hezuo_mobile_api::ErrorCode::CaseClosed));
        }
        change(conn, case)
    })
}

/// The case as the API shows it.
pub fn load(conn: &mut DbConn, case: CaseRow) -> ApiResult<DisposalCase> {
    cases::with_actions(conn, vec![case], store::today())?
        .pop()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("case vanished")))
}

/// Checks free-text fields of an action plan or update.
pub fn check_text(checks: &mut Checks, field: &str, value: Option<&str>) -> Option<String> {
    value.and_then(|v| checks.optional_text(field, Some(v), 500))
}

/// An assignee must be an active account.
pub fn check_assignee(conn: &mut DbConn, field: &str, assignee: Option<&str>) -> ApiResult<()> {
    use crate::db::schema::users;
    let Some(assignee) = assignee else {
        return Ok(());
    };
    let active: i64 = users::table
        .filter(users::id.eq(assignee))
        .filter(users::is_active.eq(true))
        .count()
        .get_result(conn)?;
    if active == 0 {
        return Err(
            ApiError::new(hezuo_mobile_api::ErrorCode::ValidationFailed).with_field(
                field,
                "unknown_user",
                "没有该在用账户",
                "no such active account",
            ),
        );
    }
    Ok(())
}

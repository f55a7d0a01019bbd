//! A person's decision on a cooperative's classification: confirm the engine's state or override it, with a reason.
//! The decision reaches the counsellors' phones through the document's `decisions` map, in the same transaction.

use diesel::prelude::*;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::cleanup::Classification;
use hezuo_sync::model::CoopState;

use super::store::{self, ClassificationRow};
use super::{phone, view};
use crate::auth::Authenticated;
use crate::auth::policy::visible_cooperative;
use crate::db::DbConn;
use crate::db::code::Code;
use crate::db::id::CooperativeId;
use crate::db::schema::classifications;
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Action, Entry};
use crate::state::AppState;

/// Confirms (`decided_state` none) or overrides the current classification, which must be `expected` (the one the
/// person looked at; another is `classification_stale`).
pub fn decide(
    conn: &mut DbConn,
    app: &AppState,
    caller: &Authenticated,
    cooperative_id: CooperativeId,
    expected: &str,
    decided_state: Option<CoopState>,
    reason: &str,
) -> ApiResult<Classification> {
    visible_cooperative(conn, caller, cooperative_id)?;
    let row = phone::write_with(conn, app, caller, cooperative_id, |conn| {
        let before = store::current(conn, cooperative_id)?
            .ok_or_else(|| ApiError::new(ErrorCode::ClassificationMissing))?;
        if before.id != expected {
            return Err(ApiError::new(ErrorCode::ClassificationStale));
        }
        let (decision, action, state) = match decided_state {
            Some(state) => ("overridden", Action::CleanupOverridden, Code(state)),
            None => ("confirmed", Action::CleanupConfirmed, before.state),
        };
        diesel::update(classifications::table.find(&before.id))
            .set((
                classifications::decision.eq(decision),
                classifications::decided_state.eq(state),
                classifications::decision_reason.eq(reason),
                classifications::decided_by.eq(&caller.user.id),
                classifications::decided_at.eq(crate::models::now()),
            ))
            .execute(conn)?;
        let after: ClassificationRow = classifications::table
            .find(&before.id)
            .select(ClassificationRow::as_select())
            .get_result(conn)?;
        audit::record(
            conn,
            &caller.who(),
            Entry {
                action,
                entity_type: "cooperative",
                entity_id: &cooperative_id,
            },
            Some(&decision_view(&before)),
            Some(&decision_view(&after)),
        )?;
        Ok(after)
    })?;
    let names = crate::review::names_of(conn, std::slice::from_ref(&caller.user.id))?;
    Ok(view::classification(row, &names)?)
}
/// What the audit log keeps of a classification: enough to see what was decided on and how.
fn decision_view(row: &ClassificationRow) -> serde_json::Value {
    serde_json::json!({
        "classification_id": row.id,
        "rule_set_version": row.rule_set_version,
        "engine_state": row.state,
        "flags": row.flag_codes(),
        "decision": row.decision,
        "decided_state": row.decided_state,
        "reason": row.decision_reason,
        "decided_by": row.decided_by,
    })
}

//! The append-only audit log: who (user and device, from the session), when, what, and the state before and after.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::audit_log;
use crate::models::Who;

pub struct Entry<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
}

pub fn record<B: Serialize, A: Serialize>(
    conn: &mut DbConn,
    actor: &Who,
    entry: Entry<'_>,
    before: Option<&B>,
    after: Option<&A>,
) -> QueryResult<()> {
    let before_json = before.and_then(|b| serde_json::to_string(b).ok());
    let after_json = after.and_then(|a| serde_json::to_string(a).ok());
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(super::now()),
            audit_log::actor_user_id.eq(actor.user_id.as_deref()),
            audit_log::actor_device_id.eq(actor.device_id.as_deref()),
            audit_log::action.eq(entry.action),
            audit_log::entity_type.eq(entry.entity_type),
            audit_log::entity_id.eq(entry.entity_id),
            audit_log::before_json.eq(before_json),
            audit_log::after_json.eq(after_json),
        ))
        .execute(conn)?;
    Ok(())
}

/// No before/after state.
pub const NONE: Option<&()> = None;

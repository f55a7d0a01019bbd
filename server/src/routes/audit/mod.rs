//! The append-only audit log: administrators query it and export it (CSV or XLSX).

pub mod export;
pub mod list;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hezuo_mobile_api::reviews::{AuditEntry, AuditQuery};

use crate::db::DbConn;
use crate::db::MultiBackend;
use crate::db::schema::audit_log;
use crate::models::cooperatives::escape_like;
use crate::models::to_utc;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub actor_device_id: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

impl AuditRow {
    pub fn into_api(self) -> AuditEntry {
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        AuditEntry {
            id: self.id,
            at: to_utc(self.at),
            actor_user_id: self.actor_user_id,
            actor_device_id: self.actor_device_id,
            action: self.action,
            entity_type: self.entity_type,
            entity_id: self.entity_id,
            before: parse(self.before_json),
            after: parse(self.after_json),
        }
    }
}

/// The rows matching the query's filters after the row `after`, oldest first.
pub fn select<'a>(
    query: &AuditQuery,
    after: Option<i64>,
) -> audit_log::BoxedQuery<
    'a,
    MultiBackend,
    diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<AuditRow, MultiBackend>>,
> {
    let mut sql = audit_log::table
        .select(AuditRow::as_select())
        .order(audit_log::id.asc())
        .into_boxed();
    if let Some(actor) = &query.actor {
        sql = sql.filter(audit_log::actor_user_id.eq(actor.clone()));
    }
    if let Some(action) = &query.action {
        sql = match action.strip_suffix('.') {
            Some(prefix) => sql.filter(
                audit_log::action
                    .like(format!("{}.%", escape_like(prefix)))
                    .escape('\\'),
            ),
            None => sql.filter(audit_log::action.eq(action.clone())),
        };
    }
    if let Some(kind) = &query.entity_type {
        sql = sql.filter(audit_log::entity_type.eq(kind.clone()));
    }
    if let Some(id) = &query.entity_id {
        sql = sql.filter(audit_log::entity_id.eq(id.clone()));
    }
    if let Some(since) = query.since {
        sql = sql.filter(audit_log::at.ge(since.naive_utc()));
    }
    if let Some(until) = query.until {
        sql = sql.filter(audit_log::at.lt(until.naive_utc()));
    }
    if let Some(after) = after {
        sql = sql.filter(audit_log::id.gt(after));
    }
    sql
}

pub fn load(
    conn: &mut DbConn,
    query: &AuditQuery,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    select(query, after).limit(limit).load(conn)
}

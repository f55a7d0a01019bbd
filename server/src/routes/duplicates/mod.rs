//! Cooperatives entered twice (the same credit code created offline by two phones): supervisors list and merge them.

pub mod dismiss;
pub mod list;
pub mod merge;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hezuo_mobile_api::reviews::DuplicateCandidate;
use uuid::Uuid;

use crate::db::DbConn;
use crate::db::schema::{cooperatives, duplicate_candidates};
use crate::models::to_utc;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = duplicate_candidates)]
pub struct DuplicateRow {
    pub id: String,
    pub uscc: String,
    pub cooperative_id: String,
    pub duplicate_of: String,
    pub detected_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<String>,
    pub outcome: Option<String>,
}

pub fn find(conn: &mut DbConn, id: &str) -> crate::error::ApiResult<DuplicateRow> {
    duplicate_candidates::table
        .find(id)
        .select(DuplicateRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(crate::error::ApiError::not_found)
}

pub fn to_api(conn: &mut DbConn, rows: Vec<DuplicateRow>) -> QueryResult<Vec<DuplicateCandidate>> {
    let ids: Vec<&String> = rows
        .iter()
        .flat_map(|r| [&r.cooperative_id, &r.duplicate_of])
        .collect();
    let names: std::collections::HashMap<String, String> = cooperatives::table
        .filter(cooperatives::id.eq_any(&ids))
        .select((cooperatives::id, cooperatives::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(|row| DuplicateCandidate {
            id: Uuid::parse_str(&row.id).unwrap_or_default(),
            cooperative_name: name(&row.cooperative_id),
            duplicate_of_name: name(&row.duplicate_of),
            cooperative_id: Uuid::parse_str(&row.cooperative_id).unwrap_or_default(),
            duplicate_of: Uuid::parse_str(&row.duplicate_of).unwrap_or_default(),
            uscc: row.uscc,
            detected_at: to_utc(row.detected_at),
            resolved_at: row.resolved_at.map(to_utc),
            outcome: row.outcome,
        })
        .collect())
}

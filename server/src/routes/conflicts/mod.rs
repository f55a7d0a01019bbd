//! Conflicted fields (concurrent values kept by automerge) and their resolution by a supervisor.

pub mod list;
pub mod resolve;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;
use hezuo_mobile_api::reviews::{ConflictCandidate, ConflictInfo};
use uuid::Uuid;

use crate::db::DbConn;
use crate::db::schema::{conflicts, cooperatives, document_changes};
use crate::models::to_utc;

/// A conflict row as stored.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = conflicts)]
pub struct ConflictRow {
    pub id: String,
    pub cooperative_id: String,
    pub path: String,
    pub candidates: String,
    pub detected_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}

impl ConflictRow {
    /// The visit a conflicted field belongs to (`visits.<id>.…`).
    pub fn visit_id(&self) -> Option<&str> {
        self.path.strip_prefix("visits.")?.split('.').next()
    }
}

/// The API view: every candidate with its author's name and when the server received it.
pub fn to_api(conn: &mut DbConn, rows: Vec<ConflictRow>) -> QueryResult<Vec<ConflictInfo>> {
    let parsed: Vec<(ConflictRow, Vec<serde_json::Value>)> = rows
        .into_iter()
        .map(|row| {
            let candidates = serde_json::from_str(&row.candidates).unwrap_or_default();
            (row, candidates)
        })
        .collect();
    let text = |value: &serde_json::Value, key: &str| value[key].as_str().map(str::to_owned);
    let hashes: Vec<String> = parsed
        .iter()
        .flat_map(|(_, c)| c.iter().filter_map(|v| text(v, "change")))
        .collect();
    let received: HashMap<String, NaiveDateTime> = document_changes::table
        .filter(document_changes::hash.eq_any(&hashes))
        .select((document_changes::hash, document_changes::received_at))
        .load::<(String, NaiveDateTime)>(conn)?
        .into_iter()
        .collect();
    let user_ids: Vec<String> = parsed
        .iter()
        .flat_map(|(_, c)| c.iter().filter_map(|v| text(v, "user_id")))
        .collect();
    let names = crate::review::names_of(conn, &user_ids)?;
    let cooperative_ids: Vec<&String> = parsed.iter().map(|(row, _)| &row.cooperative_id).collect();
    let cooperative_names: HashMap<String, String> = cooperatives::table
        .filter(cooperatives::id.eq_any(&cooperative_ids))
        .select((cooperatives::id, cooperatives::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(parsed
        .into_iter()
        .map(|(row, candidates)| ConflictInfo {
            id: Uuid::parse_str(&row.id).unwrap_or_default(),
            cooperative_id: Uuid::parse_str(&row.cooperative_id).unwrap_or_default(),
            cooperative_name: cooperative_names.get(&row.cooperative_id).cloned(),
            visit_id: row.visit_id().and_then(|v| Uuid::parse_str(v).ok()),
            candidates: candidates
                .iter()
                .map(|candidate| {
                    let user_id = text(candidate, "user_id");
                    ConflictCandidate {
                        value: candidate["value"].clone(),
                        actor: text(candidate, "actor"),
                        device_id: text(candidate, "device_id"),
                        user_name: user_id.as_ref().and_then(|u| names.get(u)).cloned(),
                        user_id,
                        received_at: text(candidate, "change")
                            .and_then(|h| received.get(&h).copied())
                            .map(to_utc),
                        claimed_at: candidate["claimed_at_ms"]
                            .as_i64()
                            .and_then(DateTime::from_timestamp_millis),
                    }
                })
                .collect(),
            path: row.path,
            detected_at: to_utc(row.detected_at),
            resolved_at: row.resolved_at.map(to_utc),
            resolved_by: row.resolved_by,
            resolution: row.resolution.and_then(|r| serde_json::from_str(&r).ok()),
        })
        .collect())
}

//! Conflicted fields (concurrent values automerge keeps) as stored, and their resolution by a supervisor: a server
//! change that every phone converges on, with the row marked resolved.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::reviews::{ConflictCandidate, ConflictInfo, ConflictResolution};
use hezuo_mobile_api::users::Role;
use hezuo_sync::server_edit::{self, Choice, ResolveError};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::db::id::CooperativeId;
use crate::db::schema::{conflicts, cooperatives, document_changes};
use crate::documents::Documents;
use crate::error::{ApiError, ApiResult};
use crate::models::audit;
use crate::models::cooperatives::any_in_scope;
use crate::models::to_utc;
use crate::models::{now, stored_json, stored_uuid};

/// A conflict row as stored.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = conflicts)]
pub struct ConflictRow {
    pub id: String,
    pub cooperative_id: CooperativeId,
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
            let candidates = stored_json(&row.candidates)?;
            Ok((row, candidates))
        })
        .collect::<QueryResult<_>>()?;
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
    let cooperative_ids: Vec<CooperativeId> =
        parsed.iter().map(|(row, _)| row.cooperative_id).collect();
    let cooperative_names: HashMap<CooperativeId, String> = cooperatives::table
        .filter(cooperatives::id.eq_any(&cooperative_ids))
        .select((cooperatives::id, cooperatives::name))
        .load::<(CooperativeId, String)>(conn)?
        .into_iter()
        .collect();
    parsed
        .into_iter()
        .map(|(row, candidates)| -> QueryResult<ConflictInfo> {
            Ok(ConflictInfo {
                id: stored_uuid(&row.id)?,
                cooperative_id: row.cooperative_id.uuid(),
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
        })
        .collect()
}

/// Settles a conflicted field: keeps one of its values (`candidate`) or enters a new one (`value`).
pub fn resolve(
    conn: &mut DbConn,
    documents: &Documents,
    caller: &Authenticated,
    id: &str,
    body: &ConflictResolution,
) -> ApiResult<ConflictInfo> {
    let row = find(conn, id)?;
    if !any_in_scope(
        conn,
        &caller.scope,
        std::slice::from_ref(&row.cooperative_id),
    )? {
        return Err(ApiError::not_found());
    }
    caller
        .require_role(&[Role::Admin, Role::Supervisor])
        .map_err(|_| ApiError::new(ErrorCode::NotAReviewer))?;
    let chosen = chosen(&row, body)?;
    let after = documents.write(
        conn,
        row.cooperative_id.uuid(),
        &caller.who(),
        |conn, doc| {
            let before = find(conn, id)?;
            if before.resolved_at.is_some() {
                return Err(ApiError::new(ErrorCode::ConflictResolved));
            }
            let path: Vec<String> = before.path.split('.').map(str::to_owned).collect();
            let choice = match chosen.0 {
                // The same value among the field's current values: more may have arrived since the list was read.
                Some(index) => Choice::Candidate(current_index(doc, &path, &chosen.1, index)?),
                None => Choice::Value(chosen.1.clone()),
            };
            let at = now();
            server_edit::resolve_conflict(doc, &path, &choice, at.and_utc().timestamp_millis())
                .map_err(|error| match error {
                    ResolveError::NoSuchField(_) => ApiError::new(ErrorCode::ConflictResolved),
                    ResolveError::Edit(e) => ApiError::internal(e),
                    other => unfit(format!("该值不符合字段要求：{other}"), other.to_string()),
                })?;
            let resolution = serde_json::json!({
                "candidate": chosen.0,
                "value": chosen.1,
                "note": body.note,
            });
            diesel::update(conflicts::table.find(id))
                .set((
                    conflicts::resolved_at.eq(Some(at)),
                    conflicts::resolved_by.eq(Some(&caller.user.id)),
                    conflicts::resolution.eq(Some(resolution.to_string())),
                ))
                .execute(conn)?;
            let after = find(conn, id)?;
            audit::record(
                conn,
                &caller.who(),
                audit::Entry {
                    action: crate::models::audit::Action::ConflictResolve,
                    entity_type: "conflict",
                    entity_id: &id,
                },
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        },
    )?;
    to_api(conn, vec![after])?
        .pop()
        .ok_or_else(ApiError::not_found)
}

/// The candidate's position and value, or the new value: exactly one of the two.
fn chosen(
    row: &ConflictRow,
    body: &ConflictResolution,
) -> ApiResult<(Option<usize>, serde_json::Value)> {
    match (&body.candidate, &body.value) {
        (Some(index), None) => {
            let stored: Vec<serde_json::Value> =
                serde_json::from_str(&row.candidates).map_err(ApiError::internal)?;
            let value = stored
                .get(*index)
                .map(|c| c["value"].clone())
                .ok_or_else(|| {
                    unfit(
                        format!("没有第{index}个候选值"),
                        format!("there is no candidate {index}"),
                    )
                })?;
            Ok((Some(*index), value))
        }
        (None, Some(value)) => Ok((None, value.clone())),
        _ => Err(unfit(
            "请选择一个候选值（candidate）或填写新值（value），二者选一".to_owned(),
            "give either candidate or value".to_owned(),
        )),
    }
}

/// The position of `value` among the field's values now; `index` when it is not there exactly once.
fn current_index(
    doc: &automerge::Automerge,
    path: &[String],
    value: &serde_json::Value,
    index: usize,
) -> ApiResult<usize> {
    let now_open = hezuo_sync::conflicts::find(doc)
        .into_iter()
        .find(|c| c.path == path)
        .ok_or_else(|| ApiError::new(ErrorCode::ConflictResolved))?;
    let matching: Vec<usize> = now_open
        .candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| &c.value == value)
        .map(|(i, _)| i)
        .collect();
    Ok(match matching.as_slice() {
        [only] => *only,
        _ => index,
    })
}

fn find(conn: &mut DbConn, id: &str) -> ApiResult<ConflictRow> {
    conflicts::table
        .find(id)
        .select(ConflictRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)
}

fn unfit(zh: String, en: String) -> ApiError {
    ApiError::new(ErrorCode::ConflictValueUnfit).with_detail(zh, en)
}

//! Visits as the server projects them from the documents, and their review: the reviewer's view, decisions,
//! comments, activity, version history and diffs.

pub mod activity;
pub mod comment;
pub mod decide;
pub mod diff;
pub mod history;
pub mod photos;
pub mod review;

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::models::to_utc;

/// Concurrent edits of different fields under `prefix` (a visit or the profile), described.
pub fn parallel_updates(
    conn: &mut DbConn,
    doc: &automerge::Automerge,
    prefix: &str,
) -> QueryResult<Vec<hezuo_mobile_api::reviews::ParallelUpdate>> {
    let pairs = hezuo_sync::history::parallel_updates(doc, prefix);
    let mut described = Vec::with_capacity(pairs.len());
    for (first, second) in &pairs {
        let mut both = describe_changes(conn, &[first, second], prefix)?.into_iter();
        if let (Some(first), Some(second)) = (both.next(), both.next()) {
            described.push(hezuo_mobile_api::reviews::ParallelUpdate { first, second });
        }
    }
    Ok(described)
}

/// Versions of a visit as the API shows them: who (from the actor binding the server recorded when it received the
/// change), when (received and claimed), and which of the visit's fields each wrote.
pub fn describe_changes(
    conn: &mut DbConn,
    changes: &[&hezuo_sync::history::ChangeSummary],
    visit_prefix: &str,
) -> QueryResult<Vec<hezuo_mobile_api::reviews::VisitVersion>> {
    use crate::db::schema::document_changes;
    let hashes: Vec<String> = changes.iter().map(|c| c.hash.to_string()).collect();
    type Recorded = (String, Option<String>, Option<String>, NaiveDateTime);
    let recorded: HashMap<String, Recorded> = document_changes::table
        .filter(document_changes::hash.eq_any(&hashes))
        .select((
            document_changes::hash,
            document_changes::user_id,
            document_changes::device_id,
            document_changes::received_at,
        ))
        .load::<Recorded>(conn)?
        .into_iter()
        .map(|r| (r.0.clone(), r))
        .collect();
    let user_ids: Vec<&String> = recorded.values().filter_map(|r| r.1.as_ref()).collect();
    let names = crate::review::names_of(conn, &user_ids)?;
    let server = hezuo_sync::server_edit::server_actor();
    let nested = format!("{visit_prefix}.");
    Ok(changes
        .iter()
        .map(|change| {
            let hash = change.hash.to_string();
            let record = recorded.get(&hash);
            let user_id = record.and_then(|r| r.1.clone());
            hezuo_mobile_api::reviews::VisitVersion {
                user_name: user_id.as_ref().and_then(|u| names.get(u)).cloned(),
                user_id,
                device_id: record.and_then(|r| r.2.clone()),
                by_server: change.actor == server,
                received_at: record.map(|r| to_utc(r.3)),
                claimed_at: chrono::DateTime::from_timestamp_millis(change.time_ms),
                fields: change
                    .paths
                    .iter()
                    .filter_map(|p| p.strip_prefix(&nested))
                    .map(str::to_owned)
                    .collect(),
                version: hash,
            }
        })
        .collect())
}

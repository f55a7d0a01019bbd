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
use hezuo_mobile_api::RegionLevel;
use hezuo_mobile_api::reviews::ActivityEntry;
use uuid::Uuid;

use crate::db::DbConn;
use crate::db::schema::{conflicts, photos as photo_rows, review_events, visit_photos};
use crate::models::to_utc;

/// What happened to a cooperative's visits (or one visit), oldest first: review events (submissions, decisions,
/// comments), conflicts found and resolved, photos arriving.
pub fn activity(
    conn: &mut DbConn,
    cooperative_id: &str,
    visit_id: Option<&str>,
) -> QueryResult<Vec<ActivityEntry>> {
    let mut entries: Vec<(NaiveDateTime, ActivityEntry)> = Vec::new();
    let entry = |kind: &str, visit: Option<&str>| ActivityEntry {
        at: chrono::DateTime::default(),
        kind: kind.to_owned(),
        visit_id: visit.and_then(|v| Uuid::parse_str(v).ok()),
        level: None,
        note: None,
        user_id: None,
        user_name: None,
        device_id: None,
        subject: None,
    };

    let mut events = review_events::table
        .filter(review_events::cooperative_id.eq(cooperative_id))
        .order(review_events::id.asc())
        .select((
            review_events::visit_id,
            review_events::kind,
            review_events::level,
            review_events::note,
            review_events::user_id,
            review_events::device_id,
            review_events::at,
        ))
        .into_boxed();
    if let Some(visit) = visit_id {
        events = events.filter(review_events::visit_id.eq(visit));
    }
    type EventRow = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        NaiveDateTime,
    );
    for (visit, kind, level, note, user_id, device_id, at) in events.load::<EventRow>(conn)? {
        entries.push((
            at,
            ActivityEntry {
                level: level.as_deref().and_then(RegionLevel::parse),
                note,
                user_id,
                device_id,
                ..entry(&kind, Some(&visit))
            },
        ));
    }

    let mut conflict_rows = conflicts::table
        .filter(conflicts::cooperative_id.eq(cooperative_id))
        .select((
            conflicts::path,
            conflicts::detected_at,
            conflicts::resolved_at,
            conflicts::resolved_by,
            conflicts::resolution,
        ))
        .into_boxed();
    if let Some(visit) = visit_id {
        conflict_rows = conflict_rows.filter(conflicts::path.like(format!("visits.{visit}.%")));
    }
    type ConflictFacts = (
        String,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<String>,
        Option<String>,
    );
    for (path, detected, resolved, by, resolution) in conflict_rows.load::<ConflictFacts>(conn)? {
        let visit = path
            .strip_prefix("visits.")
            .and_then(|p| p.split('.').next());
        entries.push((
            detected,
            ActivityEntry {
                subject: Some(path.clone()),
                ..entry("conflict_detected", visit)
            },
        ));
        if let Some(resolved) = resolved {
            let note = resolution
                .and_then(|r| serde_json::from_str::<serde_json::Value>(&r).ok())
                .and_then(|r| r["note"].as_str().map(str::to_owned));
            entries.push((
                resolved,
                ActivityEntry {
                    subject: Some(path.clone()),
                    user_id: by,
                    note,
                    ..entry("conflict_resolved", visit)
                },
            ));
        }
    }

    let mut arrivals = visit_photos::table
        .inner_join(photo_rows::table.on(photo_rows::sha256.eq(visit_photos::sha256)))
        .filter(visit_photos::cooperative_id.eq(cooperative_id))
        .select((
            visit_photos::visit_id,
            visit_photos::sha256,
            photo_rows::received_at,
            photo_rows::user_id,
            photo_rows::device_id,
        ))
        .into_boxed();
    if let Some(visit) = visit_id {
        arrivals = arrivals.filter(visit_photos::visit_id.eq(visit));
    }
    type Arrival = (
        String,
        String,
        NaiveDateTime,
        Option<String>,
        Option<String>,
    );
    for (visit, sha256, at, user_id, device_id) in arrivals.load::<Arrival>(conn)? {
        entries.push((
            at,
            ActivityEntry {
                subject: Some(sha256),
                user_id,
                device_id,
                ..entry("photo_arrived", Some(&visit))
            },
        ));
    }

    let user_ids: Vec<String> = entries
        .iter()
        .filter_map(|(_, e)| e.user_id.clone())
        .collect();
    let names = crate::review::names_of(conn, &user_ids)?;
    // Stable: events recorded in one transaction keep their order.
    entries.sort_by_key(|(at, _)| *at);
    Ok(entries
        .into_iter()
        .map(|(at, mut entry)| {
            entry.at = to_utc(at);
            entry.user_name = entry.user_id.as_ref().and_then(|u| names.get(u)).cloned();
            entry
        })
        .collect())
}

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

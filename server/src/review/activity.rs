//! What happened to a cooperative's visits (or one visit), oldest first: review events (submissions, decisions,
//! comments), conflicts found and resolved, photos arriving.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hezuo_mobile_api::RegionLevel;
use hezuo_mobile_api::reviews::ActivityEntry;

use crate::db::DbConn;
use crate::db::code::Code;
use crate::db::id::CooperativeId;
use crate::db::schema::{conflicts, photos as photo_rows, review_events, visit_photos};
use crate::models::{stored_json, stored_uuid, to_utc};

/// An entry and when it happened.
type Dated = (NaiveDateTime, ActivityEntry);

/// The activity, oldest first, with the names of the people in it.
pub fn activity(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
    visit_id: Option<&str>,
) -> QueryResult<Vec<ActivityEntry>> {
    let mut entries = review_entries(conn, cooperative_id, visit_id)?;
    entries.extend(conflict_entries(conn, cooperative_id, visit_id)?);
    entries.extend(photo_entries(conn, cooperative_id, visit_id)?);
    let user_ids: Vec<String> = entries
        .iter()
        .filter_map(|(_, e)| e.user_id.clone())
        .collect();
    let names = super::names_of(conn, &user_ids)?;
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

/// An entry of `kind` about a stored visit id (one that is not a UUID is corrupt data: an error).
fn entry(kind: &str, visit: Option<&str>) -> QueryResult<ActivityEntry> {
    Ok(ActivityEntry {
        at: chrono::DateTime::default(),
        kind: kind.to_owned(),
        visit_id: visit.map(stored_uuid).transpose()?,
        level: None,
        note: None,
        user_id: None,
        user_name: None,
        device_id: None,
        subject: None,
    })
}

/// Submissions, decisions and comments.
fn review_entries(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
    visit_id: Option<&str>,
) -> QueryResult<Vec<Dated>> {
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
        Option<Code<RegionLevel>>,
        Option<String>,
        Option<String>,
        Option<String>,
        NaiveDateTime,
    );
    events
        .load::<EventRow>(conn)?
        .into_iter()
        .map(|(visit, kind, level, note, user_id, device_id, at)| {
            let entry = ActivityEntry {
                level: level.map(|level| *level),
                note,
                user_id,
                device_id,
                ..entry(&kind, Some(&visit))?
            };
            Ok((at, entry))
        })
        .collect()
}

/// Conflicts found, and resolved with the resolver's note.
fn conflict_entries(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
    visit_id: Option<&str>,
) -> QueryResult<Vec<Dated>> {
    let mut rows = conflicts::table
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
        rows = rows.filter(conflicts::path.like(format!("visits.{visit}.%")));
    }
    type ConflictFacts = (
        String,
        NaiveDateTime,
        Option<NaiveDateTime>,
        Option<String>,
        Option<String>,
    );
    let mut entries = Vec::new();
    for (path, detected, resolved, by, resolution) in rows.load::<ConflictFacts>(conn)? {
        let visit = path
            .strip_prefix("visits.")
            .and_then(|p| p.split('.').next());
        entries.push((
            detected,
            ActivityEntry {
                subject: Some(path.clone()),
                ..entry("conflict_detected", visit)?
            },
        ));
        if let Some(resolved) = resolved {
            let note = resolution
                .map(|r| stored_json::<serde_json::Value>(&r))
                .transpose()?
                .and_then(|r| r["note"].as_str().map(str::to_owned));
            entries.push((
                resolved,
                ActivityEntry {
                    subject: Some(path.clone()),
                    user_id: by,
                    note,
                    ..entry("conflict_resolved", visit)?
                },
            ));
        }
    }
    Ok(entries)
}

/// Photos arriving, by whoever sent them.
fn photo_entries(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
    visit_id: Option<&str>,
) -> QueryResult<Vec<Dated>> {
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
    arrivals
        .load::<Arrival>(conn)?
        .into_iter()
        .map(|(visit, sha256, at, user_id, device_id)| {
            let entry = ActivityEntry {
                subject: Some(sha256),
                user_id,
                device_id,
                ..entry("photo_arrived", Some(&visit))?
            };
            Ok((at, entry))
        })
        .collect()
}

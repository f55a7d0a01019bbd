//! The review queue and reviewers' decisions (issue 6). The state machine lives in `crate::review`.

pub mod bulk_approve;
pub mod by_region;
pub mod counts;
pub mod filter;
pub mod queue;

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use hezuo_mobile_api::reviews::ReviewItem;

use crate::db::DbConn;
use crate::db::id::CooperativeId;
use crate::db::schema::{conflicts, cooperatives, evidence_flags, regions, visits};
use crate::models::{stored_uuid, to_utc};
use crate::review::ReviewRow;

/// Visit ids (from conflict paths `visits.<id>.…`) with open conflicts, among the given cooperatives (all if `None`).
pub fn visits_with_open_conflicts(
    conn: &mut DbConn,
    cooperative_ids: Option<&[CooperativeId]>,
) -> QueryResult<HashMap<String, u32>> {
    let mut query = conflicts::table
        .filter(conflicts::resolved_at.is_null())
        .filter(conflicts::path.like("visits.%"))
        .select(conflicts::path)
        .into_boxed();
    if let Some(ids) = cooperative_ids {
        query = query.filter(conflicts::cooperative_id.eq_any(ids));
    }
    let mut counts = HashMap::new();
    for path in query.load::<String>(conn)? {
        if let Some(visit) = path.split('.').nth(1) {
            *counts.entry(visit.to_owned()).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

/// The queue's view of review rows: with the visit, its cooperative, author, photos, conflicts and flags.
pub fn items(conn: &mut DbConn, rows: Vec<ReviewRow>) -> QueryResult<Vec<ReviewItem>> {
    let visit_ids: Vec<&String> = rows.iter().map(|r| &r.visit_id).collect();
    let cooperative_ids: Vec<CooperativeId> = rows
        .iter()
        .map(|r| r.cooperative_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    type VisitFacts = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        i64,
        i64,
    );
    let facts: HashMap<String, VisitFacts> = visits::table
        .filter(visits::id.eq_any(&visit_ids))
        .select((
            visits::id,
            visits::author_user_id,
            visits::visit_type,
            visits::visit_date,
            visits::photos_expected,
            visits::photos_received,
        ))
        .load::<VisitFacts>(conn)?
        .into_iter()
        .map(|f| (f.0.clone(), f))
        .collect();
    let places: HashMap<CooperativeId, (String, String)> = cooperatives::table
        .filter(cooperatives::id.eq_any(&cooperative_ids))
        .select((
            cooperatives::id,
            cooperatives::name,
            cooperatives::region_code,
        ))
        .load::<(CooperativeId, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, region)| (id, (name, region)))
        .collect();
    let region_names = region_names(conn, places.values().map(|p| p.1.as_str()))?;
    let authors: Vec<&String> = facts.values().filter_map(|f| f.1.as_ref()).collect();
    let names = crate::review::names_of(conn, &authors)?;
    let conflicts = visits_with_open_conflicts(conn, Some(&cooperative_ids))?;
    let mut flags: HashMap<String, u32> = HashMap::new();
    for visit in evidence_flags::table
        .filter(evidence_flags::visit_id.eq_any(&visit_ids))
        .select(evidence_flags::visit_id)
        .load::<String>(conn)?
    {
        *flags.entry(visit).or_insert(0) += 1;
    }
    rows.into_iter()
        .map(|row| {
            let status = row.status();
            let fact = facts.get(&row.visit_id);
            let place = places.get(&row.cooperative_id);
            let author = fact.and_then(|f| f.1.clone());
            Ok(ReviewItem {
                visit_id: stored_uuid(&row.visit_id)?,
                cooperative_id: row.cooperative_id.uuid(),
                cooperative_name: place.map(|p| p.0.clone()).unwrap_or_default(),
                region_code: place.map(|p| p.1.clone()).unwrap_or_default(),
                region_name: place.and_then(|p| region_names.get(&p.1)).cloned(),
                author_name: author.as_ref().and_then(|a| names.get(a)).cloned(),
                author_user_id: author,
                visit_type: fact.and_then(|f| f.2.clone()),
                visit_date: fact.and_then(|f| f.3.clone()),
                submitted_at: row.submitted_at.map(to_utc),
                state: status.state.as_str().to_owned(),
                pending_reason: status.pending_reason.map(|r| r.as_str().to_owned()),
                approved_levels: status.approved_levels,
                awaiting_level: row.awaiting_level.map(|level| *level),
                note: row.note.clone(),
                times_returned: status.times_returned,
                photos_expected: fact.map(|f| f.4 as u32).unwrap_or(0),
                photos_received: fact.map(|f| f.5 as u32).unwrap_or(0),
                open_conflicts: conflicts.get(&row.visit_id).copied().unwrap_or(0),
                evidence_flags: flags.get(&row.visit_id).copied().unwrap_or(0),
                version: row.content_digest.clone(),
                updated_at: to_utc(row.updated_at),
            })
        })
        .collect()
}

/// Each region's name below its county, e.g. `高桥镇 › 岐阳村` for a village: what a reviewer in the county reads.
fn region_names<'a>(
    conn: &mut DbConn,
    codes: impl Iterator<Item = &'a str>,
) -> QueryResult<HashMap<String, String>> {
    let wanted: HashSet<&str> = codes.collect();
    let rows: Vec<(String, String, Option<String>)> = regions::table
        .filter(regions::code.eq_any(&wanted))
        .select((regions::code, regions::name, regions::parent_code))
        .load(conn)?;
    let parents: Vec<String> = rows.iter().filter_map(|r| r.2.clone()).collect();
    let parent_names: HashMap<String, (String, String)> = regions::table
        .filter(regions::code.eq_any(&parents))
        .select((regions::code, regions::name, regions::level))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(code, name, level)| (code, (name, level)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|(code, name, parent)| {
            let township = parent
                .and_then(|p| parent_names.get(&p).cloned())
                .filter(|(_, level)| level == "township");
            let full = match township {
                Some((township, _)) => format!("{township} › {name}"),
                None => name,
            };
            (code, full)
        })
        .collect())
}

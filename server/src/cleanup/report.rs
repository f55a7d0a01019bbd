//! The clean-up report of a subtree: counts by state and flag per district and township, case progress, and month by
//! month what was decided, opened, done and closed.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hezuo_mobile_api::cleanup::{CleanupReport, ProgressPoint, RegionCounts};

use super::cases::ActionRow;
use crate::db::DbConn;
use crate::db::schema::{classifications, cooperatives, disposal_actions, disposal_cases, regions};

enum Event {
    /// The current classification was decided (once per cooperative).
    Decided,
    CaseOpened,
    ActionDone,
    CaseClosed,
}

/// The code of the region `depth` levels down the path (1 = province), if the path is that deep.
fn ancestor(path: &str, depth: usize) -> Option<String> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    (parts.len() >= depth).then(|| parts[depth - 1].to_owned())
}

fn empty(code: &str) -> RegionCounts {
    RegionCounts {
        region_code: code.to_owned(),
        region_name: String::new(),
        cooperatives: 0,
        classified: 0,
        by_state: BTreeMap::new(),
        by_flag: BTreeMap::new(),
        decided: 0,
        open_cases: 0,
        closed_cases: 0,
        overdue_actions: 0,
    }
}

/// The report over cooperatives whose region path starts with one of `paths` (all of them when `None`).
pub fn build(
    conn: &mut DbConn,
    paths: Option<&[String]>,
    region_code: Option<String>,
) -> QueryResult<CleanupReport> {
    let mut sql = cooperatives::table
        .filter(cooperatives::merged_into.is_null())
        .select((cooperatives::id, cooperatives::region_path))
        .into_boxed();
    if let Some(paths) = paths {
        sql = sql.filter(crate::models::cooperatives::under_any(paths));
    }
    let coops: HashMap<String, String> = sql.load::<(String, String)>(conn)?.into_iter().collect();
    let ids: Vec<&str> = coops.keys().map(String::as_str).collect();
    let today = super::store::today();

    let mut total = empty(region_code.as_deref().unwrap_or(""));
    let mut districts: BTreeMap<String, RegionCounts> = BTreeMap::new();
    let mut townships: BTreeMap<String, RegionCounts> = BTreeMap::new();
    // Dated events for the month-by-month progress.
    let mut events: Vec<(NaiveDateTime, Event)> = Vec::new();
    // Each count goes to the whole, the district and the township of the cooperative.
    let mut bump = |path: &str, f: &dyn Fn(&mut RegionCounts)| {
        f(&mut total);
        if let Some(code) = ancestor(path, 3) {
            f(districts
                .entry(code.clone())
                .or_insert_with(|| empty(&code)));
        }
        if let Some(code) = ancestor(path, 4) {
            f(townships
                .entry(code.clone())
                .or_insert_with(|| empty(&code)));
        }
    };
    for path in coops.values() {
        bump(path, &|c| c.cooperatives += 1);
    }

    for chunk in ids.chunks(1000) {
        type Current = (
            String,
            String,
            Option<String>,
            String,
            Option<NaiveDateTime>,
        );
        let rows: Vec<Current> = classifications::table
            .filter(classifications::current.eq(true))
            .filter(classifications::cooperative_id.eq_any(chunk))
            .select((
                classifications::cooperative_id,
                classifications::state,
                classifications::decided_state,
                classifications::flags,
                classifications::decided_at,
            ))
            .load(conn)?;
        for (id, state, decided, flags, at) in rows {
            let Some(path) = coops.get(&id) else { continue };
            let effective = decided.unwrap_or(state);
            let flags: Vec<String> = flags
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect();
            bump(path, &|c| {
                c.classified += 1;
                *c.by_state.entry(effective.clone()).or_default() += 1;
                for flag in &flags {
                    *c.by_flag.entry(flag.clone()).or_default() += 1;
                }
                if at.is_some() {
                    c.decided += 1;
                }
            });
            events.extend(at.map(|at| (at, Event::Decided)));
        }
    }
    for chunk in ids.chunks(1000) {
        let cases: Vec<(String, String, String, NaiveDateTime, Option<NaiveDateTime>)> =
            disposal_cases::table
                .filter(disposal_cases::cooperative_id.eq_any(chunk))
                .select((
                    disposal_cases::id,
                    disposal_cases::cooperative_id,
                    disposal_cases::status,
                    disposal_cases::opened_at,
                    disposal_cases::closed_at,
                ))
                .load(conn)?;
        let case_paths: HashMap<String, String> = cases
            .iter()
            .filter_map(|(id, coop, ..)| Some((id.clone(), coops.get(coop)?.clone())))
            .collect();
        for (_, coop, status, opened, closed) in &cases {
            let Some(path) = coops.get(coop) else {
                continue;
            };
            let open = status == "open";
            bump(path, &|c| {
                if open {
                    c.open_cases += 1;
                } else {
                    c.closed_cases += 1;
                }
            });
            events.push((*opened, Event::CaseOpened));
            events.extend(closed.map(|at| (at, Event::CaseClosed)));
        }
        let case_ids: Vec<&String> = case_paths.keys().collect();
        let actions: Vec<ActionRow> = disposal_actions::table
            .filter(disposal_actions::case_id.eq_any(&case_ids))
            .select(ActionRow::as_select())
            .load(conn)?;
        for action in actions {
            if action.status == "done"
                && let Some(at) = action.completed_at
            {
                events.push((at, Event::ActionDone));
            }
            if action.overdue(today)
                && let Some(path) = case_paths.get(&action.case_id)
            {
                bump(path, &|c| c.overdue_actions += 1);
            }
        }
    }
    let mut progress: BTreeMap<String, ProgressPoint> = BTreeMap::new();
    for (at, event) in events {
        let key = at.format("%Y-%m").to_string();
        let point = progress
            .entry(key.clone())
            .or_insert_with(|| ProgressPoint {
                month: key,
                decided: 0,
                cases_opened: 0,
                actions_done: 0,
                cases_closed: 0,
            });
        match event {
            Event::Decided => point.decided += 1,
            Event::CaseOpened => point.cases_opened += 1,
            Event::ActionDone => point.actions_done += 1,
            Event::CaseClosed => point.cases_closed += 1,
        }
    }
    let codes: Vec<String> = districts.keys().chain(townships.keys()).cloned().collect();
    let names: HashMap<String, String> = regions::table
        .filter(regions::code.eq_any(&codes))
        .select((regions::code, regions::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let named = |map: BTreeMap<String, RegionCounts>| -> Vec<RegionCounts> {
        map.into_values()
            .map(|mut c| {
                c.region_name = names.get(&c.region_code).cloned().unwrap_or_default();
                c
            })
            .collect()
    };
    if let Some(code) = &region_code {
        total.region_name = regions::table
            .find(code)
            .select(regions::name)
            .first(conn)
            .optional()?
            .unwrap_or_default();
    }
    Ok(CleanupReport {
        region_code,
        total,
        districts: named(districts),
        townships: named(townships),
        progress: progress.into_values().collect(),
    })
}

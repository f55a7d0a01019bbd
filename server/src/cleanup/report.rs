//! The clean-up report of a subtree: counts by state and flag per district and township, case progress, and month by
//! month what was decided, opened, done and closed.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hezuo_mobile_api::cleanup::{CleanupReport, ProgressPoint, RegionCounts};

use super::cases::ActionRow;
use crate::cleanup::status::ActionStatus;
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
    let mut tally = Tally::new(region_code.as_deref().unwrap_or(""));
    for path in coops.values() {
        tally.bump(path, &|c| c.cooperatives += 1);
    }
    for chunk in ids.chunks(1000) {
        tally.classifications(conn, &coops, chunk)?;
        tally.cases(conn, &coops, chunk, super::store::today())?;
    }
    let progress = progress(std::mem::take(&mut tally.events));
    let codes: Vec<String> = tally
        .districts
        .keys()
        .chain(tally.townships.keys())
        .cloned()
        .collect();
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
    let mut total = tally.total;
    if let Some(code) = &region_code {
        total.region_name = regions::table
            .find(code)
            .select(regions::name)
            .get_result(conn)
            .optional()?
            .unwrap_or_default();
    }
    Ok(CleanupReport {
        region_code,
        total,
        districts: named(tally.districts),
        townships: named(tally.townships),
        progress,
    })
}

/// Counts for the whole, each district and each township, and the dated events for the progress by month.
struct Tally {
    total: RegionCounts,
    districts: BTreeMap<String, RegionCounts>,
    townships: BTreeMap<String, RegionCounts>,
    events: Vec<(NaiveDateTime, Event)>,
}

impl Tally {
    fn new(region_code: &str) -> Self {
        Self {
            total: empty(region_code),
            districts: BTreeMap::new(),
            townships: BTreeMap::new(),
            events: Vec::new(),
        }
    }

    /// Each count goes to the whole, the district and the township of the cooperative.
    fn bump(&mut self, path: &str, f: &dyn Fn(&mut RegionCounts)) {
        f(&mut self.total);
        if let Some(code) = ancestor(path, 3) {
            f(self
                .districts
                .entry(code.clone())
                .or_insert_with(|| empty(&code)));
        }
        if let Some(code) = ancestor(path, 4) {
            f(self
                .townships
                .entry(code.clone())
                .or_insert_with(|| empty(&code)));
        }
    }

    /// Current classifications: by effective state and flag, and decided ones.
    fn classifications(
        &mut self,
        conn: &mut DbConn,
        coops: &HashMap<String, String>,
        chunk: &[&str],
    ) -> QueryResult<()> {
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
            self.bump(path, &|c| {
                c.classified += 1;
                *c.by_state.entry(effective.clone()).or_default() += 1;
                for flag in &flags {
                    *c.by_flag.entry(flag.clone()).or_default() += 1;
                }
                if at.is_some() {
                    c.decided += 1;
                }
            });
            self.events.extend(at.map(|at| (at, Event::Decided)));
        }
        Ok(())
    }

    /// Disposal cases open and closed, and their overdue actions.
    fn cases(
        &mut self,
        conn: &mut DbConn,
        coops: &HashMap<String, String>,
        chunk: &[&str],
        today: chrono::NaiveDate,
    ) -> QueryResult<()> {
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
            self.bump(path, &|c| {
                if open {
                    c.open_cases += 1;
                } else {
                    c.closed_cases += 1;
                }
            });
            self.events.push((*opened, Event::CaseOpened));
            self.events.extend(closed.map(|at| (at, Event::CaseClosed)));
        }
        let case_ids: Vec<&String> = case_paths.keys().collect();
        let actions: Vec<ActionRow> = disposal_actions::table
            .filter(disposal_actions::case_id.eq_any(&case_ids))
            .select(ActionRow::as_select())
            .load(conn)?;
        for action in actions {
            if *action.status == ActionStatus::Done
                && let Some(at) = action.completed_at
            {
                self.events.push((at, Event::ActionDone));
            }
            if action.overdue(today)?
                && let Some(path) = case_paths.get(&action.case_id)
            {
                self.bump(path, &|c| c.overdue_actions += 1);
            }
        }
        Ok(())
    }
}

/// The events counted by month.
fn progress(events: Vec<(NaiveDateTime, Event)>) -> Vec<ProgressPoint> {
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
    progress.into_values().collect()
}

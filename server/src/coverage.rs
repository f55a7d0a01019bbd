//! How approved visits cover the cooperatives of a region or a counsellor (seed 002 §二(一)1: a one-time full baseline
//! survey of 参办领办 cooperatives and 农合联 members, then tracking in real time). Counted from approved visits only,
//! by the day each visit was made; a cooperative is due again `revisit_months` after its last approved visit, or on
//! the clean-up's re-visit date when that comes first.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Months, NaiveDate};
use diesel::prelude::*;
use hezuo_mobile_api::cooperatives::GxsRelation;
use hezuo_mobile_api::coverage::{
    CooperativeCoverage, CounsellorCoverage, CoverageCounts, CoverageReport, MonthCount,
    RegionCoverage,
};
use hezuo_mobile_api::stars::OrgKind;
use hezuo_sync::model::VisitType;

use crate::db::DbConn;
use crate::db::code::Code;
use crate::db::id::{CooperativeId, UserId};
use crate::db::schema::{approved_visits, classifications, cooperatives, regions, users, visits};
use crate::models::cooperatives::{cooperative_in_scope, under_any};
use crate::models::stored_day;

/// One cooperative as coverage sees it.
#[derive(Debug, Clone)]
pub struct Covered {
    pub id: CooperativeId,
    pub name: String,
    pub region_code: String,
    pub region_path: String,
    pub counsellor: Option<UserId>,
    pub last_visit: Option<NaiveDate>,
    pub baseline_required: bool,
    pub baseline_done: bool,
    pub due: NaiveDate,
}

impl Covered {
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.due <= today
    }
}

/// An approved visit: its cooperative, day, type and author.
type VisitFacts = (
    CooperativeId,
    Option<String>,
    Option<String>,
    Option<UserId>,
);

/// Every farmer cooperative under `paths` (all when `None`) with its coverage on `today`.
pub fn cooperatives(
    conn: &mut DbConn,
    paths: Option<&[String]>,
    today: NaiveDate,
    revisit_months: u32,
) -> QueryResult<(Vec<Covered>, Vec<VisitFacts>)> {
    type Row = (
        CooperativeId,
        String,
        String,
        String,
        Code<GxsRelation>,
        bool,
        bool,
        bool,
    );
    let mut query = cooperatives::table
        .filter(cooperatives::merged_into.is_null())
        .filter(cooperatives::org_kind.eq(OrgKind::Cooperative.as_str()))
        .select((
            cooperatives::id,
            cooperatives::name,
            cooperatives::region_code,
            cooperatives::region_path,
            cooperatives::gxs_relation,
            cooperatives::nhl_county,
            cooperatives::nhl_township,
            cooperatives::nhl_industry,
        ))
        .order(cooperatives::id.asc())
        .into_boxed();
    if let Some(paths) = paths {
        query = query.filter(under_any(paths));
    }
    let rows: Vec<Row> = query.load(conn)?;
    let mut visits_of: HashMap<CooperativeId, Vec<(NaiveDate, bool)>> = HashMap::new();
    let approved = approved_visit_facts(conn, paths)?;
    for (cooperative, day, kind, _) in &approved {
        if let Some(day) = day.as_deref().map(stored_day).transpose()? {
            let baseline = kind.as_deref() == Some(VisitType::Baseline.as_str());
            visits_of
                .entry(*cooperative)
                .or_default()
                .push((day, baseline));
        }
    }
    let revisit_dates = cleanup_revisits(conn, paths)?;
    let counsellors = crate::responsibility::current_counsellors(conn)?;
    let covered = rows
        .into_iter()
        .map(
            |(id, name, region_code, region_path, relation, county, township, industry)| {
                let visits = visits_of.get(&id).map(Vec::as_slice).unwrap_or_default();
                let last_visit = visits.iter().map(|(day, _)| *day).max();
                let mut due = last_visit
                    .and_then(|day| day.checked_add_months(Months::new(revisit_months)))
                    .unwrap_or(today);
                // The clean-up asks for a re-visit by a date; a visit after that date answers it.
                if let Some(asked) = revisit_dates.get(&id)
                    && last_visit.is_none_or(|last| last < *asked)
                {
                    due = due.min(*asked);
                }
                Covered {
                    counsellor: counsellors.get(&id).copied(),
                    baseline_required: GxsRelation::SPONSORING.contains(&relation)
                        || county
                        || township
                        || industry,
                    baseline_done: visits.iter().any(|(_, baseline)| *baseline),
                    last_visit,
                    due,
                    id,
                    name,
                    region_code,
                    region_path,
                }
            },
        )
        .collect();
    Ok((covered, approved))
}

/// Approved visits of cooperatives under `paths`, with the day, type and author the visit projection holds.
fn approved_visit_facts(
    conn: &mut DbConn,
    paths: Option<&[String]>,
) -> QueryResult<Vec<VisitFacts>> {
    let mut query = approved_visits::table
        .inner_join(visits::table.on(visits::id.eq(approved_visits::visit_id)))
        .select((
            approved_visits::cooperative_id,
            visits::visit_date,
            visits::visit_type,
            visits::author_user_id,
        ))
        .into_boxed();
    if let Some(paths) = paths {
        query = query.filter(cooperative_in_scope(
            "approved_visits.cooperative_id",
            paths,
        ));
    }
    query.load(conn)
}

/// The re-visit date the current clean-up classification asks for, per cooperative.
fn cleanup_revisits(
    conn: &mut DbConn,
    paths: Option<&[String]>,
) -> QueryResult<HashMap<CooperativeId, NaiveDate>> {
    let mut query = classifications::table
        .filter(classifications::current.eq(true))
        .select((
            classifications::cooperative_id,
            classifications::revisit_due,
        ))
        .into_boxed();
    if let Some(paths) = paths {
        query = query.filter(cooperative_in_scope(
            "classifications.cooperative_id",
            paths,
        ));
    }
    let rows: Vec<(CooperativeId, Option<String>)> = query.load(conn)?;
    rows.into_iter()
        .filter_map(|(id, day)| day.map(|day| (id, day)))
        .map(|(id, day)| Ok((id, stored_day(&day)?)))
        .collect()
}

/// Adds one cooperative to a set's counts.
fn count(counts: &mut CoverageCounts, covered: &Covered, today: NaiveDate) {
    counts.cooperatives += 1;
    match covered.last_visit {
        None => counts.never_visited += 1,
        Some(last) => {
            let months = months_between(last, today);
            match months {
                0..3 => counts.visited_within_3m += 1,
                3..6 => counts.visited_3_to_6m += 1,
                6..12 => counts.visited_6_to_12m += 1,
                _ => counts.visited_over_12m += 1,
            }
        }
    }
    if covered.baseline_required {
        counts.baseline_required += 1;
        if covered.baseline_done {
            counts.baseline_done += 1;
        }
    }
    if covered.overdue(today) {
        counts.overdue += 1;
    }
    if covered.counsellor.is_none() {
        counts.unassigned += 1;
    }
}

/// Whole months from `from` to `to`.
fn months_between(from: NaiveDate, to: NaiveDate) -> i32 {
    let mut months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    if to.day() < from.day() {
        months -= 1;
    }
    months.max(0)
}

/// The coverage report of the regions under `paths`: the total, each county and township, and each counsellor.
pub fn report(
    conn: &mut DbConn,
    paths: Option<&[String]>,
    today: NaiveDate,
    revisit_months: u32,
) -> QueryResult<CoverageReport> {
    Ok(report_and_cooperatives(conn, paths, today, revisit_months)?.0)
}

/// The report and the cooperatives it counted, for callers that list them too (the export).
pub fn report_and_cooperatives(
    conn: &mut DbConn,
    paths: Option<&[String]>,
    today: NaiveDate,
    revisit_months: u32,
) -> QueryResult<(CoverageReport, Vec<Covered>)> {
    let (covered, approved) = cooperatives(conn, paths, today, revisit_months)?;
    let mut total = CoverageCounts::default();
    for c in &covered {
        count(&mut total, c, today);
    }
    let report = CoverageReport {
        as_of: today,
        revisit_months,
        regions: by_region(conn, paths, &covered, today)?,
        counsellors: by_counsellor(conn, &covered, &approved, today)?,
        total,
    };
    Ok((report, covered))
}

fn by_region(
    conn: &mut DbConn,
    paths: Option<&[String]>,
    covered: &[Covered],
    today: NaiveDate,
) -> QueryResult<Vec<RegionCoverage>> {
    let found: Vec<(String, String, String, String)> = regions::table
        .filter(regions::level.eq_any(["county", "township"]))
        .select((regions::code, regions::name, regions::level, regions::path))
        .order((regions::level.asc(), regions::code.asc()))
        .load(conn)?;
    // The caller's own regions and those below them.
    let found = found.into_iter().filter(|(.., path)| {
        paths.is_none_or(|paths| paths.iter().any(|p| path.starts_with(p.as_str())))
    });
    Ok(found
        .map(|(region_code, region_name, level, path)| {
            let mut counts = CoverageCounts::default();
            for c in covered.iter().filter(|c| c.region_path.starts_with(&path)) {
                count(&mut counts, c, today);
            }
            RegionCoverage {
                region_code,
                region_name,
                level,
                counts,
            }
        })
        .filter(|r| r.counts.cooperatives > 0)
        .collect())
}

fn by_counsellor(
    conn: &mut DbConn,
    covered: &[Covered],
    approved: &[VisitFacts],
    today: NaiveDate,
) -> QueryResult<Vec<CounsellorCoverage>> {
    let mut counts: BTreeMap<UserId, CoverageCounts> = BTreeMap::new();
    for c in covered {
        if let Some(counsellor) = c.counsellor {
            count(counts.entry(counsellor).or_default(), c, today);
        }
    }
    let months = last_twelve_months(today);
    let mut visits: HashMap<(UserId, String), u64> = HashMap::new();
    for (_, day, _, author) in approved {
        let (Some(author), Some(day)) = (author, day) else {
            continue;
        };
        let month = day.get(..7).unwrap_or_default().to_owned();
        if months.contains(&month) {
            *visits.entry((*author, month)).or_default() += 1;
            counts.entry(*author).or_default();
        }
    }
    let ids: Vec<UserId> = counts.keys().copied().collect();
    let names: HashMap<UserId, String> = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::display_name))
        .load::<(UserId, String)>(conn)?
        .into_iter()
        .collect();
    let mut rows: Vec<CounsellorCoverage> = counts
        .into_iter()
        .map(|(id, counts)| CounsellorCoverage {
            counsellor_user_id: id.uuid(),
            counsellor_name: names.get(&id).cloned().unwrap_or_default(),
            visits_by_month: months
                .iter()
                .map(|month| MonthCount {
                    month: month.clone(),
                    visits: visits.get(&(id, month.clone())).copied().unwrap_or(0),
                })
                .collect(),
            counts,
        })
        .collect();
    rows.sort_by(|a, b| a.counsellor_name.cmp(&b.counsellor_name));
    Ok(rows)
}

/// `YYYY-MM` of the twelve months ending with `today`'s, oldest first.
fn last_twelve_months(today: NaiveDate) -> Vec<String> {
    let first = today.with_day(1).unwrap_or(today);
    (0..12)
        .rev()
        .filter_map(|back| first.checked_sub_months(Months::new(back)))
        .map(|month| month.format("%Y-%m").to_string())
        .collect()
}

/// Region names by code and counsellor names by id, for `covered`.
pub fn names(
    conn: &mut DbConn,
    covered: &[Covered],
) -> QueryResult<(HashMap<String, String>, HashMap<UserId, String>)> {
    let codes: Vec<&str> = covered.iter().map(|c| c.region_code.as_str()).collect();
    let regions = regions::table
        .filter(regions::code.eq_any(&codes))
        .select((regions::code, regions::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let ids: Vec<UserId> = covered.iter().filter_map(|c| c.counsellor).collect();
    let counsellors = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::display_name))
        .load::<(UserId, String)>(conn)?
        .into_iter()
        .collect();
    Ok((regions, counsellors))
}

/// The API form of one cooperative's coverage.
pub fn to_api(
    covered: &Covered,
    region_names: &HashMap<String, String>,
    counsellor_names: &HashMap<UserId, String>,
    today: NaiveDate,
) -> CooperativeCoverage {
    CooperativeCoverage {
        cooperative_id: covered.id.uuid(),
        name: covered.name.clone(),
        region_name: region_names
            .get(&covered.region_code)
            .cloned()
            .unwrap_or_default(),
        region_code: covered.region_code.clone(),
        counsellor_user_id: covered.counsellor.map(|id| id.uuid()),
        counsellor_name: covered
            .counsellor
            .and_then(|id| counsellor_names.get(&id).cloned()),
        last_visit: covered.last_visit,
        days_since_last_visit: covered.last_visit.map(|day| (today - day).num_days()),
        baseline_required: covered.baseline_required,
        baseline_done: covered.baseline_done,
        due: covered.due,
        overdue: covered.overdue(today),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_twelve_months_end_with_this_one() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 31).expect("day");
        let months = last_twelve_months(day);
        assert_eq!(months.len(), 12);
        assert_eq!(months[0], "2025-04");
        assert_eq!(months[11], "2026-03");
    }

    #[test]
    fn months_count_whole_months() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("day");
        assert_eq!(months_between(day(1, 31), day(2, 28)), 0);
        assert_eq!(months_between(day(1, 15), day(4, 15)), 3);
        assert_eq!(months_between(day(5, 1), day(4, 1)), 0);
    }
}

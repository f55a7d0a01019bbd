//! The region tree.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hezuo_mobile_api::regions::Region;
use hezuo_mobile_api::{RegionCode, RegionLevel};

use crate::db::DbConn;
use crate::db::code::Code;
use crate::db::schema::regions;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = regions)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub level: Code<RegionLevel>,
    pub parent_code: Option<String>,
    pub path: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl RegionRow {
    /// Codes from the root down to this region, taken from the materialised path.
    pub fn lineage(&self) -> impl Iterator<Item = &str> {
        self.path.split('/').filter(|s| !s.is_empty())
    }
}

/// The path of a region under `parent_path` (or at the root).
pub fn child_path(parent_path: Option<&str>, code: &str) -> String {
    format!("{}{code}/", parent_path.unwrap_or("/"))
}

pub fn find(conn: &mut DbConn, code: &str) -> QueryResult<Option<RegionRow>> {
    regions::table
        .find(code)
        .select(RegionRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn find_many(conn: &mut DbConn, codes: &[String]) -> QueryResult<Vec<RegionRow>> {
    regions::table
        .filter(regions::code.eq_any(codes))
        .select(RegionRow::as_select())
        .load(conn)
}

/// Children of `parent`, or the roots when `parent` is `None`, by code.
pub fn children(conn: &mut DbConn, parent: Option<&str>) -> QueryResult<Vec<RegionRow>> {
    let query = regions::table
        .select(RegionRow::as_select())
        .order(regions::code)
        .into_boxed();
    match parent {
        Some(code) => query.filter(regions::parent_code.eq(code)).load(conn),
        None => query.filter(regions::parent_code.is_null()).load(conn),
    }
}

pub fn count_children(conn: &mut DbConn, codes: &[String]) -> QueryResult<HashMap<String, u64>> {
    let counts: Vec<(Option<String>, i64)> = regions::table
        .filter(regions::parent_code.eq_any(codes))
        .group_by(regions::parent_code)
        .select((regions::parent_code, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(counts
        .into_iter()
        .filter_map(|(code, n)| code.map(|c| (c, n as u64)))
        .collect())
}

/// Names of every region on the paths of `rows`, keyed by code: one query however many rows.
pub fn names_along(conn: &mut DbConn, rows: &[&RegionRow]) -> QueryResult<HashMap<String, String>> {
    let codes: BTreeSet<String> = rows
        .iter()
        .flat_map(|row| row.lineage().map(str::to_owned))
        .collect();
    let codes: Vec<String> = codes.into_iter().collect();
    let names: Vec<(String, String)> = regions::table
        .filter(regions::code.eq_any(&codes))
        .select((regions::code, regions::name))
        .load(conn)?;
    Ok(names.into_iter().collect())
}

/// The names from the root down to `row`.
pub fn full_name(row: &RegionRow, names: &HashMap<String, String>) -> Vec<String> {
    row.lineage()
        .map(|code| names.get(code).cloned().unwrap_or_else(|| code.to_owned()))
        .collect()
}

pub fn to_api(
    row: &RegionRow,
    names: &HashMap<String, String>,
    child_count: u64,
) -> QueryResult<Region> {
    let code = stored_code(&row.code)?;
    Ok(Region {
        level: *row.level,
        code,
        name: row.name.clone(),
        parent_code: row.parent_code.as_deref().map(stored_code).transpose()?,
        full_name: full_name(row, names),
        child_count,
    })
}

/// A stored region code; one that does not parse is corrupt data, reported as an error.
pub fn stored_code(code: &str) -> QueryResult<RegionCode> {
    RegionCode::parse(code).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
}

/// Converts rows to API regions with full names and child counts (three queries in all).
pub fn to_api_many(conn: &mut DbConn, rows: &[RegionRow]) -> QueryResult<Vec<Region>> {
    let refs: Vec<&RegionRow> = rows.iter().collect();
    let names = names_along(conn, &refs)?;
    let codes: Vec<String> = rows.iter().map(|r| r.code.clone()).collect();
    let counts = count_children(conn, &codes)?;
    rows.iter()
        .map(|row| to_api(row, &names, counts.get(&row.code).copied().unwrap_or(0)))
        .collect()
}

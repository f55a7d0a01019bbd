//! District targets (RULES.md §5.1) and progress against them. Targets are imported per region, year and metric with
//! their source; the Ningbo 2023–2025 plan (seed 002) ships as `ningbo-2023-2025.csv` and is the demo default.
//! Actuals are counted from the registry as it stands. Only quality and coverage metrics exist: 中农发〔2019〕18号
//! forbids quotas on founding new cooperatives (§5.5), so no such metric is offered.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hezuo_mobile_api::cooperatives::GxsRelation;
use hezuo_mobile_api::imports::{ImportReport, RowError};
use hezuo_mobile_api::stars::OrgKind;
use hezuo_mobile_api::targets::TargetProgress;

use crate::db::schema::{cooperatives, district_targets, regions};
use crate::db::{DbConn, write_transaction};
use crate::import::table::{self, Column};
use crate::import::{BATCH_ROWS, ImportError, row_error};
use crate::models::Who;
use crate::models::audit::{self, Entry};
use crate::models::now;

/// The Ningbo plan's district targets (seed 002), in the import format.
pub const NINGBO_PLAN: &str = include_str!("ningbo-2023-2025.csv");
/// The plan's title as published by 宁波市供销合作社联合社 (seed 002).
pub const NINGBO_PLAN_SOURCE: &str = "宁波市供销合作社联合社《培育壮大农民专业合作社 打造服务“三农”主阵地三年行动计划(2023-2025年)》";

/// A metric: its code, its names in files, and what counts towards it.
pub struct Metric {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub aliases: &'static [&'static str],
}

pub const METRICS: [Metric; 3] = [
    Metric {
        code: "star_rated",
        name_zh: "三星级及以上合作社",
        aliases: &["星级合作社", "三星级及以上合作社", "星级"],
    },
    Metric {
        code: "sponsored",
        name_zh: "供销社领办参办合作社",
        aliases: &["领办参办合作社", "参办领办合作社", "领办参办"],
    },
    Metric {
        code: "sponsored_five_star",
        name_zh: "领参办五星级合作社",
        aliases: &["领参办五星级合作社", "五星级合作社"],
    },
];

/// Names of metrics that count the founding of new cooperatives, refused with the policy behind the refusal.
const FORBIDDEN: [&str; 4] = ["新建合作社", "新增合作社", "new_cooperatives", "founded"];

pub fn metric(name: &str) -> Option<&'static Metric> {
    METRICS
        .iter()
        .find(|m| m.code == name || m.aliases.contains(&name))
}

const COLUMNS: &[Column] = &[
    Column {
        key: "region_code",
        aliases: &["区划代码", "行政区划代码"],
        required: true,
    },
    Column {
        key: "year",
        aliases: &["年度", "年份"],
        required: true,
    },
    Column {
        key: "metric",
        aliases: &["指标"],
        required: true,
    },
    Column {
        key: "target",
        aliases: &["目标", "目标值"],
        required: true,
    },
];

struct TargetInput {
    region_code: String,
    year: i64,
    metric: &'static str,
    target: i64,
}

/// Imports targets (columns 区划代码, 年度, 指标, 目标); importing again updates the targets and keeps the rest.
pub fn import_file(
    conn: &mut DbConn,
    bytes: &[u8],
    source: &str,
    actor: &Who,
) -> Result<ImportReport, ImportError> {
    let table = table::read(bytes)?;
    let positions = table::locate(&table.headers, COLUMNS)?;
    let mut report = ImportReport {
        rows: table.rows.len() as u64,
        ..ImportReport::default()
    };
    let known: HashSet<String> = regions::table
        .select(regions::code)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut inputs = Vec::new();
    for (row, cells) in &table.rows {
        let row = *row;
        match parse_row(row, cells, &positions, &known) {
            Ok(input) => inputs.push(input),
            Err(error) => report.errors.push(error),
        }
    }
    for chunk in inputs.chunks(BATCH_ROWS) {
        write_transaction(conn, |conn| -> QueryResult<()> {
            for input in chunk {
                let stored: Option<i64> = district_targets::table
                    .find((&input.region_code, input.year, input.metric))
                    .select(district_targets::target)
                    .first(conn)
                    .optional()?;
                match stored {
                    Some(target) if target == input.target => report.unchanged += 1,
                    Some(_) => {
                        diesel::update(district_targets::table.find((
                            &input.region_code,
                            input.year,
                            input.metric,
                        )))
                        .set((
                            district_targets::target.eq(input.target),
                            district_targets::source.eq(source),
                            district_targets::imported_at.eq(now()),
                        ))
                        .execute(conn)?;
                        report.updated += 1;
                    }
                    None => {
                        diesel::insert_into(district_targets::table)
                            .values((
                                district_targets::region_code.eq(&input.region_code),
                                district_targets::year.eq(input.year),
                                district_targets::metric.eq(input.metric),
                                district_targets::target.eq(input.target),
                                district_targets::source.eq(source),
                                district_targets::imported_at.eq(now()),
                            ))
                            .execute(conn)?;
                        report.inserted += 1;
                    }
                }
            }
            Ok(())
        })?;
    }
    report.errors.sort_by_key(|e| e.row);
    report.failed = report.errors.len() as u64;
    write_transaction(conn, |conn| {
        audit::record(
            conn,
            actor,
            Entry {
                action: crate::models::audit::Action::ImportTargets,
                entity_type: "import",
                entity_id: &source,
            },
            audit::NONE,
            Some(&serde_json::json!({ "source": source, "summary": report.summary_zh() })),
        )
    })?;
    Ok(report)
}

fn parse_row(
    row: u64,
    cells: &[String],
    positions: &HashMap<&'static str, usize>,
    known: &HashSet<String>,
) -> Result<TargetInput, RowError> {
    let value = |key: &str| table::cell(cells, positions, key);
    let region_code = value("region_code")
        .ok_or_else(|| row_error(row, Some("region_code"), "required", "区划代码为空"))?;
    if !known.contains(region_code) {
        return Err(row_error(
            row,
            Some("region_code"),
            "region_unknown",
            format!("没有区划代码为{region_code}的行政区"),
        ));
    }
    let year: i64 = value("year")
        .and_then(|y| y.parse().ok())
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| row_error(row, Some("year"), "invalid", "年度应为2000至2100之间的整数"))?;
    let name = value("metric").unwrap_or("");
    if FORBIDDEN.contains(&name) {
        return Err(row_error(
            row,
            Some("metric"),
            "metric_forbidden",
            "不得对新建合作社数量下指标（中农发〔2019〕18号）；请使用星级、领办参办等质量指标",
        ));
    }
    let metric = metric(name).ok_or_else(|| {
        row_error(
            row,
            Some("metric"),
            "invalid",
            format!("无法识别的指标“{name}”，应为星级合作社、领办参办合作社或领参办五星级合作社"),
        )
    })?;
    let target: i64 = value("target")
        .and_then(|t| t.parse().ok())
        .filter(|t| *t >= 0)
        .ok_or_else(|| row_error(row, Some("target"), "invalid", "目标应为非负整数"))?;
    Ok(TargetInput {
        region_code: region_code.to_owned(),
        year,
        metric: metric.code,
        target,
    })
}

/// Progress of every target of `year` for regions inside `scope` (all when `None`), by region then metric.
pub fn progress(
    conn: &mut DbConn,
    year: i64,
    scope: Option<&[String]>,
) -> QueryResult<Vec<TargetProgress>> {
    type Row = (String, String, i64, String, NaiveDateTime, String, String);
    let rows: Vec<Row> = district_targets::table
        .inner_join(regions::table.on(regions::code.eq(district_targets::region_code)))
        .filter(district_targets::year.eq(year))
        .order((
            district_targets::region_code.asc(),
            district_targets::metric.asc(),
        ))
        .select((
            district_targets::region_code,
            district_targets::metric,
            district_targets::target,
            district_targets::source,
            district_targets::imported_at,
            regions::name,
            regions::path,
        ))
        .load(conn)?;
    let rows: Vec<Row> = rows
        .into_iter()
        .filter(|row| {
            scope.is_none_or(|paths| {
                paths
                    .iter()
                    .any(|p| row.6.starts_with(p.as_str()) || p.starts_with(row.6.as_str()))
            })
        })
        .collect();
    let mut actuals: BTreeMap<(String, String), (i64, Option<i64>)> = BTreeMap::new();
    for (code, metric, .., path) in &rows {
        let count = actual(conn, metric, path)?;
        let awarded = awarded_in(conn, metric, path, year)?;
        actuals.insert((code.clone(), metric.clone()), (count, awarded));
    }
    Ok(rows
        .into_iter()
        .map(|(code, metric, target, source, _, name, _)| {
            let (actual, awarded) = actuals
                .get(&(code.clone(), metric.clone()))
                .copied()
                .unwrap_or((0, None));
            TargetProgress {
                metric_zh: self::metric(&metric)
                    .map(|m| m.name_zh.to_owned())
                    .unwrap_or_default(),
                attainment_pct: if target > 0 {
                    (actual as f64 * 1000.0 / target as f64).round() / 10.0
                } else {
                    100.0
                },
                region_code: code,
                region_name: name,
                year,
                metric,
                target: target as u64,
                actual: actual as u64,
                awarded_in_year: awarded.map(|n| n as u64),
                source,
            }
        })
        .collect())
}

/// The registry's count for a metric under a region path.
fn actual(conn: &mut DbConn, metric: &str, path: &str) -> QueryResult<i64> {
    // Star metrics count farmer cooperatives; an 产业农合联's stars are another scale (RULES.md §2.5).
    let base = cooperatives::table
        .filter(cooperatives::region_path.like(format!("{path}%")))
        .filter(cooperatives::merged_into.is_null())
        .filter(cooperatives::org_kind.eq(OrgKind::Cooperative.as_str()))
        .into_boxed();
    let sponsored = sponsoring_codes();
    let sql = match metric {
        "star_rated" => base.filter(cooperatives::star_level.ge(3)),
        "sponsored" => base.filter(cooperatives::gxs_relation.eq_any(sponsored)),
        "sponsored_five_star" => base
            .filter(cooperatives::star_level.eq(5))
            .filter(cooperatives::gxs_relation.eq_any(sponsored)),
        _ => return Ok(0),
    };
    sql.count().get_result(conn)
}

/// The stored codes of the relations counted as sponsored.
fn sponsoring_codes() -> Vec<&'static str> {
    GxsRelation::SPONSORING.iter().map(|r| r.as_str()).collect()
}

/// Stars awarded by `year`'s campaign under a region path and not revoked since, for the star metrics.
fn awarded_in(conn: &mut DbConn, metric: &str, path: &str, year: i64) -> QueryResult<Option<i64>> {
    use crate::db::schema::star_awards;
    let least = match metric {
        "star_rated" => 3,
        "sponsored_five_star" => 5,
        _ => return Ok(None),
    };
    let mut sql = star_awards::table
        .inner_join(cooperatives::table)
        .filter(star_awards::year.eq(year))
        .filter(star_awards::stars.ge(least))
        .filter(star_awards::revoked_at.is_null())
        .filter(cooperatives::region_path.like(format!("{path}%")))
        .filter(cooperatives::org_kind.eq(OrgKind::Cooperative.as_str()))
        .into_boxed();
    if metric == "sponsored_five_star" {
        sql = sql.filter(cooperatives::gxs_relation.eq_any(sponsoring_codes()));
    }
    sql.count().get_result(conn).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's table arithmetic: the district targets of 2025 add up to the city's text targets.
    #[test]
    fn the_ningbo_plan_adds_up_to_the_city_targets() {
        let mut sums: BTreeMap<(i64, &str), i64> = BTreeMap::new();
        for line in NINGBO_PLAN.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            let year: i64 = cells[2].parse().expect("year");
            let metric = metric(cells[3]).expect("a known metric").code;
            let target: i64 = cells[4].parse().expect("target");
            *sums.entry((year, metric)).or_default() += target;
        }
        assert_eq!(sums[&(2023, "star_rated")], 800);
        assert_eq!(sums[&(2023, "sponsored")], 617);
        assert_eq!(sums[&(2024, "star_rated")], 1012);
        assert_eq!(sums[&(2024, "sponsored")], 714);
        assert_eq!(sums[&(2025, "star_rated")], 1202);
        assert_eq!(sums[&(2025, "sponsored")], 803);
        assert!(sums[&(2025, "star_rated")] >= 1200 && sums[&(2025, "sponsored")] >= 800);
        let five_star: Vec<i64> = (2023..=2025)
            .map(|year| sums[&(year, "sponsored_five_star")])
            .collect();
        assert_eq!(five_star, vec![30, 65, 100]);
    }
}

//! Targets (RULES.md §5) and progress against them. Metrics come from the catalogue (`catalogue.rs`): counted from
//! hezuo's data or entered by hand with their source (`values.rs`). Targets are imported per region, year and metric
//! with their source; the Ningbo 2023–2025 plan (seed 002) ships as `ningbo-2023-2025.csv` and is the demo default,
//! Dianjiang's (seed 004) and Liaocheng's (seed 003) as `dianjiang-2024-2027.csv` and `liaocheng-2025.csv`. Only
//! quality and coverage metrics exist: 中农发〔2019〕18号 forbids quotas on founding new cooperatives (§5.5).

pub mod catalogue;
pub mod measure;
pub mod values;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
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

/// Dianjiang's eight KPIs for 2024 and 2027 (seed 004, 垫江府办发〔2024〕24号 附件1), each row with its source, for
/// 垫江县 (500231).
pub const DIANJIANG_PLAN: &str = include_str!("dianjiang-2024-2027.csv");
/// Liaocheng's capacity targets for 2025 (seed 003, 聊政字〔2021〕16号), city-wide for 聊城市 (371500) and per county,
/// each row with its source.
pub const LIAOCHENG_PLAN: &str = include_str!("liaocheng-2025.csv");

/// The Ningbo plan's district targets (seed 002), in the import format.
pub const NINGBO_PLAN: &str = include_str!("ningbo-2023-2025.csv");
/// The plan's title as published by 宁波市供销合作社联合社 (seed 002).
pub const NINGBO_PLAN_SOURCE: &str = "宁波市供销合作社联合社《培育壮大农民专业合作社 打造服务“三农”主阵地三年行动计划(2023-2025年)》";

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
    Column {
        key: "source",
        aliases: &["来源", "目标来源"],
        required: false,
    },
];

struct TargetInput {
    region_code: String,
    year: i64,
    metric: String,
    target: i64,
    /// The row's own source (a 来源 column), else the file's.
    source: Option<String>,
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
    let catalogue = catalogue::active(conn)?;
    let mut inputs = Vec::new();
    for (row, cells) in &table.rows {
        let row = *row;
        match parse_row(row, cells, &positions, &known, &catalogue) {
            Ok(input) => inputs.push(input),
            Err(error) => report.errors.push(error),
        }
    }
    for chunk in inputs.chunks(BATCH_ROWS) {
        write_transaction(conn, |conn| -> QueryResult<()> {
            for input in chunk {
                let source = input.source.as_deref().unwrap_or(source);
                let stored: Option<(i64, String)> = district_targets::table
                    .find((&input.region_code, input.year, &input.metric))
                    .select((district_targets::target, district_targets::source))
                    .get_result(conn)
                    .optional()?;
                match stored {
                    Some((target, was)) if target == input.target && was == source => {
                        report.unchanged += 1
                    }
                    Some(_) => {
                        diesel::update(district_targets::table.find((
                            &input.region_code,
                            input.year,
                            &input.metric,
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
                                district_targets::metric.eq(&input.metric),
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
    catalogue: &catalogue::Catalogue,
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
    if catalogue::FORBIDDEN.contains(&name) {
        return Err(row_error(
            row,
            Some("metric"),
            "metric_forbidden",
            "不得对新建合作社数量下指标（中农发〔2019〕18号）；请使用星级、领办参办等质量指标",
        ));
    }
    let metric = catalogue.find(name).ok_or_else(|| {
        row_error(
            row,
            Some("metric"),
            "invalid",
            format!("指标目录中没有“{name}”（见 GET /api/v1/targets/metrics）"),
        )
    })?;
    let target: i64 = value("target")
        .and_then(|t| t.parse().ok())
        .filter(|t| *t >= 0)
        .ok_or_else(|| row_error(row, Some("target"), "invalid", "目标应为非负整数"))?;
    Ok(TargetInput {
        region_code: region_code.to_owned(),
        year,
        metric: metric.code.clone(),
        target,
        source: value("source").map(str::to_owned),
    })
}

/// The metrics some target is set for.
pub fn metrics_in_use(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    district_targets::table
        .select(district_targets::metric)
        .distinct()
        .load(conn)
}

/// Progress of every target of `year` for regions inside `scope` (all when `None`), by region then metric. Counted
/// metrics are counted now; entered metrics take the latest figure entered for the year.
pub fn progress(
    conn: &mut DbConn,
    year: i64,
    scope: Option<&[String]>,
    revisit_months: u32,
) -> crate::error::ApiResult<Vec<TargetProgress>> {
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
    let catalogue = catalogue::active(conn)?;
    // Counted over every region the rows name, which may lie above the caller's own.
    let paths: Vec<String> = rows.iter().map(|row| row.6.clone()).collect();
    let measures: Vec<&catalogue::Measure> = rows
        .iter()
        .filter_map(|row| catalogue.find(&row.1).map(|m| &m.measure))
        .collect();
    let data = measure::Data::load(
        conn,
        Some(&paths),
        &measures,
        crate::cleanup::store::today(),
        revisit_months,
    )?;
    let entered = values::list(conn, Some(&paths), None, &year.to_string())?;
    let mut out = Vec::with_capacity(rows.len());
    for (code, metric_code, target, source, _, name, path) in rows {
        let metric = catalogue.find(&metric_code);
        let measure = metric.map(|m| &m.measure);
        let (actual, actual_month, actual_source) = match measure {
            Some(measure) if !measure.is_entered() => (data.actual(measure, &path), None, None),
            _ => entered
                .iter()
                .filter(|v| v.region_code == code && v.metric == metric_code)
                .max_by(|a, b| a.month.cmp(&b.month))
                .map_or((None, None, None), |v| {
                    (Some(v.value), Some(v.month.clone()), Some(v.source.clone()))
                }),
        };
        let awarded = match measure {
            Some(measure) => awarded_in(conn, measure, &path, year)?,
            None => None,
        };
        out.push(TargetProgress {
            metric_zh: metric
                .map(|m| m.name_zh.clone())
                .unwrap_or_else(|| metric_code.clone()),
            unit: metric.map(|m| m.unit.clone()).unwrap_or_default(),
            entered: measure.is_none_or(catalogue::Measure::is_entered),
            attainment_pct: actual.map(|actual| {
                if target > 0 {
                    (actual * 1000.0 / target as f64).round() / 10.0
                } else {
                    100.0
                }
            }),
            region_code: code,
            region_name: name,
            year,
            metric: metric_code,
            target: target as u64,
            actual,
            actual_month,
            actual_source,
            awarded_in_year: awarded.map(|n| n as u64),
            source,
        });
    }
    Ok(out)
}

/// Stars awarded by `year`'s campaign under a region path and not revoked since, for metrics that count cooperatives
/// by star; farmer cooperatives only.
fn awarded_in(
    conn: &mut DbConn,
    measure: &catalogue::Measure,
    path: &str,
    year: i64,
) -> QueryResult<Option<i64>> {
    use crate::db::schema::star_awards;
    let catalogue::Measure::Count { filter } = measure else {
        return Ok(None);
    };
    let Some(least) = filter.min_star else {
        return Ok(None);
    };
    let mut sql = star_awards::table
        .inner_join(cooperatives::table)
        .filter(star_awards::year.eq(year))
        .filter(star_awards::stars.ge(i64::from(least)))
        .filter(star_awards::revoked_at.is_null())
        .filter(cooperatives::region_path.like(format!("{path}%")))
        .filter(cooperatives::org_kind.eq(OrgKind::Cooperative.as_str()))
        .into_boxed();
    if let Some(relations) = &filter.relations {
        let codes: Vec<&str> = relations.iter().map(|r| r.as_str()).collect();
        sql = sql.filter(cooperatives::gxs_relation.eq_any(codes));
    }
    sql.count().get_result(conn).map(Some)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// The seed's table arithmetic: the district targets of 2025 add up to the city's text targets.
    #[test]
    fn the_ningbo_plan_adds_up_to_the_city_targets() {
        let mut sums: BTreeMap<(i64, &str), i64> = BTreeMap::new();
        for line in NINGBO_PLAN.lines().skip(1) {
            let cells: Vec<&str> = line.split(',').collect();
            let year: i64 = cells[2].parse().expect("year");
            let metric = catalogue::Catalogue::built_in()
                .expect("catalogue")
                .find(cells[3])
                .expect("a known metric")
                .code
                .as_str();
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

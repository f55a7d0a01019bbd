//! The monthly progress report (Dianjiang asks for it by the 15th, RULES.md §5.4): for a month and a scope, the year's
//! targets against actuals, stars awarded and revoked in the month, and the clean-up by district. While the month
//! runs the figures are live; once it has ended they are frozen (`monthly_figures`), so a past month's report never
//! changes. [`freeze_ended_month`] freezes them soon after month end; a report asked for before that freezes them then.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use hezuo_mobile_api::stars::OrgKind;
use hezuo_sync::model::CoopState;

use crate::db::DbConn;
use crate::db::code::Code;
use crate::db::schema::{cooperatives, monthly_figures, regions, star_awards, star_events};
use crate::error::{ApiError, ApiResult};
use crate::xlsx::{Cell, Table};

/// A month as `YYYY-MM`: its first day.
pub fn parse_month(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok()
}

/// The month's bounds in UTC (the month is counted in China time, UTC+8).
fn bounds(first: NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(NaiveDate::MAX);
    let utc = |day: NaiveDate| day.and_time(chrono::NaiveTime::MIN) - chrono::Duration::hours(8);
    (utc(first), utc(next))
}

fn text(title: &str) -> String {
    title.to_owned()
}

/// The key frozen figures are kept under: `all`, or the scope's region codes in order, joined by commas.
pub fn scope_key(codes: Option<&[String]>) -> String {
    match codes {
        None => "all".to_owned(),
        Some(codes) => {
            let mut codes = codes.to_vec();
            codes.sort();
            codes.join(",")
        }
    }
}

/// Whether the month starting on `first` has ended (in China time).
pub fn has_ended(first: NaiveDate) -> bool {
    first
        .checked_add_months(chrono::Months::new(1))
        .is_some_and(|next| next <= crate::cleanup::store::today())
}

/// The month's report for a scope (`key` names it, `paths` are its region paths, `None` for everything), with when its
/// figures were frozen: live while the month runs; once it has ended, the figures frozen then, frozen now if nobody
/// asked before.
pub fn monthly_for(
    conn: &mut DbConn,
    first: NaiveDate,
    key: &str,
    paths: Option<&[String]>,
    revisit_months: u32,
) -> ApiResult<(Vec<Table>, Option<NaiveDateTime>)> {
    let (mut tables, frozen_at) = figures(conn, first, key, paths, revisit_months)?;
    let basis = match frozen_at {
        Some(at) => format!(
            "月末冻结数据（冻结于{}）",
            (at + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M")
        ),
        None => "本月实时数据".to_owned(),
    };
    if let Some(summary) = tables.first_mut() {
        summary
            .rows
            .insert(1, vec![text("数据口径").into(), basis.into()]);
    }
    Ok((tables, frozen_at))
}

/// The month's tables, live or frozen, as [`monthly_for`] describes.
fn figures(
    conn: &mut DbConn,
    first: NaiveDate,
    key: &str,
    paths: Option<&[String]>,
    revisit_months: u32,
) -> ApiResult<(Vec<Table>, Option<NaiveDateTime>)> {
    if !has_ended(first) {
        return Ok((monthly(conn, first, paths, revisit_months)?, None));
    }
    let month = first.format("%Y-%m").to_string();
    if let Some(frozen) = frozen(conn, key, &month)? {
        return Ok(frozen);
    }
    let tables = monthly(conn, first, paths, revisit_months)?;
    let json = serde_json::to_string(&tables).map_err(ApiError::internal)?;
    let at = crate::models::now();
    // Two requests freezing at once: the first one's figures stand.
    let inserted = crate::with_backend!(conn, |c| diesel::insert_into(monthly_figures::table)
        .values((
            monthly_figures::scope.eq(key),
            monthly_figures::month.eq(&month),
            monthly_figures::tables_json.eq(&json),
            monthly_figures::frozen_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(c))?;
    if inserted == 1 {
        return Ok((tables, Some(at)));
    }
    frozen(conn, key, &month)?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("frozen figures vanished")))
}

fn frozen(
    conn: &mut DbConn,
    key: &str,
    month: &str,
) -> ApiResult<Option<(Vec<Table>, Option<NaiveDateTime>)>> {
    let stored: Option<(String, NaiveDateTime)> = monthly_figures::table
        .find((key, month))
        .select((monthly_figures::tables_json, monthly_figures::frozen_at))
        .get_result(conn)
        .optional()?;
    stored
        .map(|(json, at)| {
            let tables: Vec<Table> = crate::models::stored_json(&json)?;
            Ok((tables, Some(at)))
        })
        .transpose()
}

/// Freezes the last ended month's figures for every reporting unit (county and township) and for everything, where
/// not frozen yet; returns how many were frozen now.
pub fn freeze_ended_month(conn: &mut DbConn, revisit_months: u32) -> ApiResult<u64> {
    let today = crate::cleanup::store::today();
    let this_month = today.with_day(1).unwrap_or(today);
    let Some(first) = this_month.checked_sub_months(chrono::Months::new(1)) else {
        return Ok(0);
    };
    let month = first.format("%Y-%m").to_string();
    let units: Vec<(String, String)> = regions::table
        .filter(regions::level.eq_any(["county", "township"]))
        .select((regions::code, regions::path))
        .load(conn)?;
    let done: std::collections::HashSet<String> = monthly_figures::table
        .filter(monthly_figures::month.eq(&month))
        .select(monthly_figures::scope)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut frozen_now = 0;
    if !done.contains("all") {
        monthly_for(conn, first, "all", None, revisit_months)?;
        frozen_now += 1;
    }
    for (code, path) in units.into_iter().filter(|(code, _)| !done.contains(code)) {
        monthly_for(conn, first, &code, Some(&[path]), revisit_months)?;
        frozen_now += 1;
    }
    Ok(frozen_now)
}

/// Freezes each ended month's figures within a quarter of an hour of month end, for as long as the server runs.
pub async fn freeze_loop(state: actix_web::web::Data<crate::state::AppState>) {
    let every = std::time::Duration::from_secs(15 * 60);
    loop {
        actix_web::rt::time::sleep(every).await;
        let revisit_months = state.config.revisit_months;
        match state
            .db
            .write(move |conn| freeze_ended_month(conn, revisit_months))
            .await
        {
            Ok(0) => {}
            Ok(frozen) => tracing::info!(frozen, "froze the ended month's report figures"),
            Err(error) => {
                tracing::warn!(?error, "freezing the ended month's report figures failed")
            }
        }
    }
}

/// The report's sheets: 概况 (summary), 目标进度 (targets), 星级变动 (star changes), 清理进展 (clean-up).
pub fn monthly(
    conn: &mut DbConn,
    first: NaiveDate,
    paths: Option<&[String]>,
    revisit_months: u32,
) -> ApiResult<Vec<Table>> {
    if first > crate::cleanup::store::today() {
        return Err(
            ApiError::new(hezuo_mobile_api::ErrorCode::InvalidQuery).with_field(
                "month",
                "future",
                "报告月份不能晚于本月",
                "the month is not in the future",
            ),
        );
    }
    let targets = targets_sheet(conn, first, paths, revisit_months)?;
    let stars = star_changes_sheet(conn, first, paths)?;
    let cleanup = crate::cleanup::report::build(conn, paths, None)?;
    let cleanup_sheet = cleanup_sheet(&cleanup);
    let three_plus = three_star_cooperatives(conn, paths)?;
    let summary = Table {
        sheet: "概况".to_owned(),
        titles: vec![text("项目"), text("数值")],
        rows: vec![
            vec![
                text("报告月份").into(),
                first.format("%Y-%m").to_string().into(),
            ],
            vec![
                text("编制日期").into(),
                crate::cleanup::store::today().to_string().into(),
            ],
            vec![
                text("三星级及以上合作社（现有）").into(),
                Cell::Number(three_plus as f64),
            ],
            vec![
                text("本月评定星级合作社").into(),
                Cell::Number(stars.awarded.cooperatives as f64),
            ],
            vec![
                text("本月撤销星级合作社").into(),
                Cell::Number(stars.revoked.cooperatives as f64),
            ],
            vec![
                text("本月评定星级产业农合联").into(),
                Cell::Number(stars.awarded.federations as f64),
            ],
            vec![
                text("本月撤销星级产业农合联").into(),
                Cell::Number(stars.revoked.federations as f64),
            ],
            vec![
                text("清理：已认定合作社").into(),
                Cell::Number(cleanup.total.classified as f64),
            ],
            vec![
                text("清理：处置中案件").into(),
                Cell::Number(cleanup.total.open_cases as f64),
            ],
        ],
    };
    Ok(vec![summary, targets, stars.table, cleanup_sheet])
}

/// 目标进度: the year's targets against actuals.
fn targets_sheet(
    conn: &mut DbConn,
    first: NaiveDate,
    paths: Option<&[String]>,
    revisit_months: u32,
) -> ApiResult<Table> {
    let targets = crate::targets::progress(conn, i64::from(first.year()), paths, revisit_months)?;
    let rows = targets
        .iter()
        .map(|t| {
            vec![
                t.region_code.clone().into(),
                t.region_name.clone().into(),
                t.metric_zh.clone().into(),
                t.unit.clone().into(),
                Cell::Number(t.target as f64),
                t.actual.into(),
                t.attainment_pct.into(),
                t.actual_source.clone().into(),
            ]
        })
        .collect();
    Ok(Table {
        sheet: "目标进度".to_owned(),
        titles: [
            "区划代码",
            "地区",
            "指标",
            "单位",
            "目标",
            "实际",
            "完成率(%)",
            "实际值来源",
        ]
        .iter()
        .map(|t| text(t))
        .collect(),
        rows,
    })
}

/// 星级变动 and how many stars the month awarded and revoked, farmer cooperatives and 产业农合联 apart: their stars
/// are different scales (RULES.md §2.4, §2.5).
struct StarChanges {
    table: Table,
    awarded: KindCounts,
    revoked: KindCounts,
}

#[derive(Default)]
struct KindCounts {
    cooperatives: u64,
    federations: u64,
}

impl KindCounts {
    fn add(&mut self, kind: OrgKind) {
        match kind {
            OrgKind::Cooperative => self.cooperatives += 1,
            OrgKind::IndustryFederation => self.federations += 1,
        }
    }
}

/// One star award touched in the month: cooperative, its kind, region, year, stars, awarded, revoked, revoking event.
type AwardRow = (
    String,
    Code<OrgKind>,
    String,
    i64,
    i64,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<String>,
);

/// Stars awarded and revoked in the month, among the caller's cooperatives.
fn star_changes_sheet(
    conn: &mut DbConn,
    first: NaiveDate,
    paths: Option<&[String]>,
) -> ApiResult<StarChanges> {
    let (from, to) = bounds(first);
    let mut awards = star_awards::table
        .inner_join(cooperatives::table)
        .inner_join(regions::table.on(regions::code.eq(cooperatives::region_code)))
        .filter(
            star_awards::awarded_at
                .ge(from)
                .and(star_awards::awarded_at.lt(to))
                .or(star_awards::revoked_at
                    .ge(from)
                    .and(star_awards::revoked_at.lt(to))),
        )
        .select((
            cooperatives::name,
            cooperatives::org_kind,
            regions::name,
            star_awards::year,
            star_awards::stars,
            star_awards::awarded_at,
            star_awards::revoked_at,
            star_awards::revoked_by_event,
        ))
        .order(star_awards::awarded_at.asc())
        .into_boxed();
    if let Some(paths) = paths {
        awards = awards.filter(crate::models::cooperatives::cooperative_in_scope(
            "star_awards.cooperative_id",
            paths,
        ));
    }
    let changes: Vec<AwardRow> = awards.load(conn)?;
    let china = |at: NaiveDateTime| (at + chrono::Duration::hours(8)).date().to_string();
    let mut rows = Vec::new();
    let (mut awarded, mut revoked) = (KindCounts::default(), KindCounts::default());
    for (name, kind, region, year, stars, awarded_at, revoked_at, event) in changes {
        let kind = *kind;
        let kind_zh = match kind {
            OrgKind::Cooperative => "合作社",
            OrgKind::IndustryFederation => "产业农合联",
        };
        if (from..to).contains(&awarded_at) {
            awarded.add(kind);
            rows.push(vec![
                name.clone().into(),
                text(kind_zh).into(),
                region.clone().into(),
                text("评定").into(),
                Cell::Number(stars as f64),
                Cell::Number(year as f64),
                china(awarded_at).into(),
                Cell::Empty,
            ]);
        }
        if let Some(revoked_at) = revoked_at.filter(|at| (from..to).contains(at)) {
            revoked.add(kind);
            let why = match event {
                Some(event) => revocation_cause(conn, &event)?,
                None => None,
            };
            rows.push(vec![
                name.into(),
                text(kind_zh).into(),
                region.into(),
                text("撤销").into(),
                Cell::Number(stars as f64),
                Cell::Number(year as f64),
                china(revoked_at).into(),
                why.into(),
            ]);
        }
    }
    let titles = [
        "组织名称",
        "类型",
        "地区",
        "变动",
        "星级",
        "评定年度",
        "日期",
        "原因",
    ];
    Ok(StarChanges {
        table: Table {
            sheet: "星级变动".to_owned(),
            titles: titles.iter().map(|t| text(t)).collect(),
            rows,
        },
        awarded,
        revoked,
    })
}

/// The cause of a revoking event, in Chinese, with its description.
fn revocation_cause(conn: &mut DbConn, event: &str) -> ApiResult<Option<String>> {
    let cause: Option<(String, String)> = star_events::table
        .find(event)
        .select((star_events::cause, star_events::description))
        .get_result(conn)
        .optional()?;
    Ok(cause.map(|(cause, description)| {
        let label = crate::stars::subject::Trigger::parse(&cause)
            .map_or(cause.clone(), |t| t.label_zh().to_owned());
        format!("{label}：{description}")
    }))
}

/// 清理进展: the clean-up by district, then the total.
fn cleanup_sheet(cleanup: &hezuo_mobile_api::cleanup::CleanupReport) -> Table {
    // The engine's own labels: 涉嫌违法风险 covers S4 (套取), S5 (reports) and S6 (illegal finance) alike.
    let states: Vec<(&str, &str)> = CoopState::ALL
        .iter()
        .map(|state| (state.as_str(), state.label_zh()))
        .collect();
    let rows = cleanup
        .districts
        .iter()
        .chain(std::iter::once(&cleanup.total))
        .map(|counts| {
            let name = if counts.region_name.is_empty() {
                text("合计")
            } else {
                counts.region_name.clone()
            };
            let mut row: Vec<Cell> = vec![
                name.into(),
                Cell::Number(counts.cooperatives as f64),
                Cell::Number(counts.classified as f64),
            ];
            row.extend(states.iter().map(|(state, _)| {
                Cell::Number(counts.by_state.get(*state).copied().unwrap_or(0) as f64)
            }));
            row.extend([
                Cell::Number(counts.open_cases as f64),
                Cell::Number(counts.closed_cases as f64),
                Cell::Number(counts.overdue_actions as f64),
            ]);
            row
        })
        .collect();
    let mut titles = vec![text("地区"), text("合作社数"), text("已认定")];
    titles.extend(states.iter().map(|(_, zh)| text(zh)));
    titles.extend([text("处置中案件"), text("已结案"), text("逾期措施")]);
    Table {
        sheet: "清理进展".to_owned(),
        titles,
        rows,
    }
}

/// Farmer cooperatives (not 产业农合联) holding three stars or more now.
fn three_star_cooperatives(conn: &mut DbConn, paths: Option<&[String]>) -> ApiResult<i64> {
    let mut query = cooperatives::table
        .filter(cooperatives::merged_into.is_null())
        .filter(cooperatives::org_kind.eq(OrgKind::Cooperative.as_str()))
        .filter(cooperatives::star_level.ge(3))
        .into_boxed();
    if let Some(paths) = paths {
        query = query.filter(crate::models::cooperatives::under_any(paths));
    }
    Ok(query.count().get_result(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_runs_from_midnight_china_time() {
        let first = parse_month("2026-11").expect("month");
        let (from, to) = bounds(first);
        assert_eq!(from.to_string(), "2026-10-31 16:00:00");
        assert_eq!(to.to_string(), "2026-11-30 16:00:00");
        assert!(parse_month("2026-13").is_none());
        assert!(parse_month("2026-1x").is_none());
    }

    /// `fraud_risk` covers S4 to S6, not only subsidy fraud (涉嫌套取); the sheet uses the engine's label.
    #[test]
    fn the_cleanup_sheet_names_states_as_the_engine_does() {
        let sheet = cleanup_sheet(&hezuo_mobile_api::cleanup::CleanupReport::default());
        assert!(
            sheet.titles.iter().any(|t| t == "涉嫌违法风险"),
            "{:?}",
            sheet.titles
        );
        assert!(!sheet.titles.iter().any(|t| t.contains("套取")));
    }
}

use actix_web::{HttpResponse, get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::coverage::{
    CooperativeCoverage, CoverageCounts, CoverageQuery, CoverageReport,
};

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::xlsx::{Cell, ExportFormat, Table};

const COUNT_TITLES: [&str; 11] = [
    "合作社数",
    "从未走访",
    "应摸底",
    "已摸底",
    "3个月内走访",
    "3至6个月",
    "6至12个月",
    "12个月以上",
    "逾期未回访",
    "未明确辅导员",
    "摸底完成率(%)",
];

/// The coverage as a workbook: 地区覆盖 (counties and townships), 辅导员覆盖 (each counsellor with approved visits
/// per month) and 待走访 (cooperatives never visited or overdue, soonest due first); CSV holds the first sheet.
#[utoipa::path(tag = "coverage", params(CoverageQuery), responses(
    (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (status = 400, description = "An unknown format", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "The region is outside the caller's", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No such region", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/coverage/export")]
pub async fn export_coverage(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<CoverageQuery>,
) -> ApiResult<HttpResponse> {
    let format = ExportFormat::parse(query.format.as_deref())?;
    let revisit_months = state.config.revisit_months;
    let (report, due) = state
        .db
        .run(move |conn| {
            let paths = super::paths_of(conn, &caller, &query)?;
            let today = crate::cleanup::store::today();
            let (report, covered) = crate::coverage::report_and_cooperatives(
                conn,
                paths.as_deref(),
                today,
                revisit_months,
            )?;
            let due = covered.into_iter().filter(|c| c.overdue(today)).collect();
            Ok((report, super::rows(conn, due, today)?))
        })
        .await?;
    let name = format!("hezuo-coverage-{}", report.as_of);
    crate::xlsx::download(
        format,
        &name,
        &[
            regions_sheet(&report),
            counsellors_sheet(&report),
            due_sheet(&due),
        ],
    )
}

fn counts_cells(counts: &CoverageCounts) -> Vec<Cell> {
    let done_pct = if counts.baseline_required > 0 {
        (counts.baseline_done as f64 * 1000.0 / counts.baseline_required as f64).round() / 10.0
    } else {
        100.0
    };
    [
        counts.cooperatives,
        counts.never_visited,
        counts.baseline_required,
        counts.baseline_done,
        counts.visited_within_3m,
        counts.visited_3_to_6m,
        counts.visited_6_to_12m,
        counts.visited_over_12m,
        counts.overdue,
        counts.unassigned,
    ]
    .into_iter()
    .map(|n| Cell::Number(n as f64))
    .chain([Cell::Number(done_pct)])
    .collect()
}

fn titles(first: &[&str]) -> Vec<String> {
    first
        .iter()
        .chain(COUNT_TITLES.iter())
        .map(|t| (*t).to_owned())
        .collect()
}

fn regions_sheet(report: &CoverageReport) -> Table {
    let mut rows: Vec<Vec<Cell>> = report
        .regions
        .iter()
        .map(|region| {
            let level = if region.level == "county" {
                "县（区）"
            } else {
                "乡镇（街道）"
            };
            let mut row: Vec<Cell> = vec![
                region.region_code.clone().into(),
                region.region_name.clone().into(),
                level.to_owned().into(),
            ];
            row.extend(counts_cells(&region.counts));
            row
        })
        .collect();
    let mut total: Vec<Cell> = vec![Cell::Empty, "合计".to_owned().into(), Cell::Empty];
    total.extend(counts_cells(&report.total));
    rows.push(total);
    Table {
        sheet: "地区覆盖".to_owned(),
        titles: titles(&["区划代码", "地区", "层级"]),
        rows,
    }
}

fn counsellors_sheet(report: &CoverageReport) -> Table {
    let months: Vec<String> = report
        .counsellors
        .first()
        .map(|c| c.visits_by_month.iter().map(|m| m.month.clone()).collect())
        .unwrap_or_default();
    let mut titles = titles(&["辅导员"]);
    titles.extend(months.iter().map(|m| format!("{m}走访")));
    Table {
        sheet: "辅导员覆盖".to_owned(),
        titles,
        rows: report
            .counsellors
            .iter()
            .map(|counsellor| {
                let mut row: Vec<Cell> = vec![counsellor.counsellor_name.clone().into()];
                row.extend(counts_cells(&counsellor.counts));
                row.extend(
                    counsellor
                        .visits_by_month
                        .iter()
                        .map(|m| Cell::Number(m.visits as f64)),
                );
                row
            })
            .collect(),
    }
}

fn due_sheet(due: &[CooperativeCoverage]) -> Table {
    Table {
        sheet: "待走访".to_owned(),
        titles: [
            "合作社",
            "区划代码",
            "地区",
            "辅导员",
            "最近走访",
            "距今天数",
            "应走访日期",
            "应摸底",
            "已摸底",
        ]
        .iter()
        .map(|t| (*t).to_owned())
        .collect(),
        rows: due
            .iter()
            .map(|c| {
                let yes_no = |b: bool| if b { "是" } else { "否" }.to_owned().into();
                vec![
                    c.name.clone().into(),
                    c.region_code.clone().into(),
                    c.region_name.clone().into(),
                    c.counsellor_name.clone().into(),
                    c.last_visit.map(|d| d.to_string()).into(),
                    c.days_since_last_visit.map(|d| d as f64).into(),
                    c.due.to_string().into(),
                    yes_no(c.baseline_required),
                    yes_no(c.baseline_done),
                ]
            })
            .collect(),
    }
}

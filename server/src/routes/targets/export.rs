use actix_web::{HttpResponse, get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::targets::{TargetProgress, TargetsQuery};

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::xlsx::{Cell, ExportFormat, Table};

const HEADERS: [&str; 12] = [
    "区划代码",
    "地区",
    "年度",
    "指标",
    "单位",
    "目标",
    "实际",
    "完成率(%)",
    "当年评定",
    "目标来源",
    "实际值月份",
    "实际值来源",
];

/// The year's targets and progress for the caller's regions with Chinese headers, as XLSX (sheet “目标进度”, the
/// default) or CSV.
#[utoipa::path(tag = "targets", params(TargetsQuery), responses(
    (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (status = 400, description = "An unknown format", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/targets/progress/export")]
pub async fn export_target_progress(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<TargetsQuery>,
) -> ApiResult<HttpResponse> {
    let format = ExportFormat::parse(query.format.as_deref())?;
    let year = super::year_of(&query);
    let rows = super::rows(&state, caller, year).await?;
    crate::xlsx::download(format, &format!("hezuo-targets-{year}"), &[table(&rows)])
}

fn table(rows: &[TargetProgress]) -> Table {
    Table {
        sheet: "目标进度".to_owned(),
        titles: HEADERS.iter().map(|t| (*t).to_owned()).collect(),
        rows: rows
            .iter()
            .map(|progress| {
                vec![
                    progress.region_code.clone().into(),
                    progress.region_name.clone().into(),
                    Cell::Number(progress.year as f64),
                    progress.metric_zh.clone().into(),
                    progress.unit.clone().into(),
                    Cell::Number(progress.target as f64),
                    progress.actual.into(),
                    progress.attainment_pct.into(),
                    progress.awarded_in_year.map(|n| n as f64).into(),
                    progress.source.clone().into(),
                    progress.actual_month.clone().into(),
                    progress.actual_source.clone().into(),
                ]
            })
            .collect(),
    }
}

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::targets::{TargetProgress, TargetsQuery};
use rust_xlsxwriter::{Workbook, XlsxError};

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const HEADERS: [&str; 8] = [
    "区划代码",
    "地区",
    "年度",
    "指标",
    "目标",
    "实际",
    "完成率(%)",
    "目标来源",
];

/// The year's targets and progress for the caller's regions as an XLSX workbook with Chinese headers (sheet
/// “目标进度”), e.g. for the monthly progress report.
#[utoipa::path(tag = "targets", params(TargetsQuery), responses(
    (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/targets/progress/export")]
pub async fn export_target_progress(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<TargetsQuery>,
) -> ApiResult<HttpResponse> {
    let year = super::year_of(&query);
    let rows = super::rows(&state, caller, year).await?;
    let body = workbook(&rows).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"hezuo-targets-{year}.xlsx\""),
        ))
        .body(body))
}

fn workbook(rows: &[TargetProgress]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = crate::xlsx::sheet_with_header(&mut workbook, "目标进度", &HEADERS)?;
    for (index, progress) in rows.iter().enumerate() {
        let row = index as u32 + 1;
        sheet.write_string(row, 0, &progress.region_code)?;
        sheet.write_string(row, 1, &progress.region_name)?;
        sheet.write_number(row, 2, progress.year as f64)?;
        sheet.write_string(row, 3, &progress.metric_zh)?;
        sheet.write_number(row, 4, progress.target as f64)?;
        sheet.write_number(row, 5, progress.actual as f64)?;
        sheet.write_number(row, 6, progress.attainment_pct)?;
        sheet.write_string(row, 7, &progress.source)?;
    }
    workbook.save_to_buffer()
}

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use diesel::prelude::*;
use hezuo_mobile_api::cleanup::{CleanupItem, CleanupQuery, DisposalCase};
use hezuo_mobile_api::{ErrorCode, Problem};
use rust_xlsxwriter::XlsxError;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::cleanup::cases::{self, CaseRow};
use crate::cleanup::status::ActionStatus;
use crate::cleanup::store;
use crate::cleanup::view::state_zh;
use crate::db::schema::disposal_cases;
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::cooperative_in_scope;
use crate::state::AppState;
use crate::xlsx::{Cell, Table};

/// Rows in one sheet; a larger subtree is exported region by region.
const MAX_ROWS: i64 = 100_000;

#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// A region code inside the caller's regions; absent: all of them.
    pub region: Option<String>,
}

const CANDIDATE_HEADERS: [&str; 11] = [
    "合作社名称",
    "统一社会信用代码",
    "行政区划代码",
    "判定状态",
    "认定状态",
    "问题类型",
    "建议措施",
    "判定说明",
    "人工认定",
    "规则版本",
    "回访日期",
];

const CASE_HEADERS: [&str; 10] = [
    "合作社名称",
    "行政区划代码",
    "认定状态",
    "案件状态",
    "立案时间",
    "处置措施",
    "措施状态",
    "办结期限",
    "是否逾期",
    "移交部门",
];

/// The clean-up candidates (every classified cooperative) and the disposal cases of the caller's regions as one Excel
/// workbook with Chinese headers: sheet “清理对象” one row per cooperative, sheet “处置案件” one row per action.
#[utoipa::path(tag = "cleanup", params(ExportQuery), responses(
    (status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (status = 404, description = "A region outside the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "More rows than one export takes", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/cleanup/export")]
pub async fn export_cleanup(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let (candidates, cases) = state
        .db
        .run(move |conn| {
            let region = super::region_path(conn, query.region.as_deref())?;
            if region
                .as_ref()
                .is_some_and(|p| !caller.scope.covers_path(p))
            {
                return Err(ApiError::not_found());
            }
            let listing = CleanupQuery::default();
            let rows =
                super::list::select(conn, &caller, region.clone(), &listing, None, MAX_ROWS + 1)?;
            if rows.len() as i64 > MAX_ROWS {
                return Err(ApiError::new(ErrorCode::PayloadTooLarge).with_detail(
                    format!("超过{MAX_ROWS}行，请按区域分别导出"),
                    format!("more than {MAX_ROWS} rows; export region by region"),
                ));
            }
            let candidates = super::list::items(conn, rows)?;
            let mut sql = disposal_cases::table
                .select(CaseRow::as_select())
                .order(disposal_cases::opened_at.asc())
                .limit(MAX_ROWS)
                .into_boxed();
            if let Some(paths) = caller.scope.paths() {
                sql = sql.filter(cooperative_in_scope("cooperative_id", &paths));
            }
            if let Some(path) = region {
                sql = sql.filter(cooperative_in_scope("cooperative_id", &[path]));
            }
            let case_rows: Vec<CaseRow> = sql.load(conn)?;
            let cases = cases::with_actions(conn, case_rows, store::today())?;
            Ok((candidates, cases))
        })
        .await?;
    let body = workbook(&candidates, &cases).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"hezuo-cleanup.xlsx\"",
        ))
        .body(body))
}

fn labels(codes: &[String], label: impl Fn(&str) -> Option<&'static str>) -> String {
    codes
        .iter()
        .map(|c| label(c).unwrap_or(c.as_str()).to_owned())
        .collect::<Vec<_>>()
        .join("、")
}

fn workbook(candidates: &[CleanupItem], cases: &[DisposalCase]) -> Result<Vec<u8>, XlsxError> {
    use hezuo_sync::model::{RecommendedAction, ShellFlag};
    let text_row = |cells: Vec<String>| cells.into_iter().map(Cell::Text).collect::<Vec<_>>();
    let candidate_rows = candidates
        .iter()
        .map(|item| {
            let decision = match item.decision.as_deref() {
                Some("confirmed") => "已确认",
                Some("overridden") => "已改判",
                _ => "待认定",
            };
            text_row(vec![
                item.cooperative_name.clone(),
                item.uscc.clone().unwrap_or_default(),
                item.region_code.clone(),
                state_zh(&item.state),
                state_zh(&item.effective_state),
                labels(&item.flags, |f| ShellFlag::parse(f).map(|f| f.label_zh())),
                labels(&item.actions, |a| {
                    RecommendedAction::parse(a).map(|a| a.label_zh())
                }),
                item.explanation_zh.clone(),
                decision.to_owned(),
                item.rule_set_version.clone(),
                item.revisit_due.map(|d| d.to_string()).unwrap_or_default(),
            ])
        })
        .collect();
    let case_rows = cases
        .iter()
        .flat_map(|case| {
            case.actions.iter().map(move |action| {
                text_row(vec![
                    case.cooperative_name.clone(),
                    case.region_code.clone(),
                    state_zh(&case.state),
                    if case.status == "open" {
                        "办理中"
                    } else {
                        "已结案"
                    }
                    .to_owned(),
                    case.opened_at.format("%Y-%m-%d").to_string(),
                    action.action_zh.clone(),
                    status_zh(&action.status).to_owned(),
                    action.due_on.map(|d| d.to_string()).unwrap_or_default(),
                    if action.overdue { "逾期" } else { "" }.to_owned(),
                    action.referred_to.clone().unwrap_or_default(),
                ])
            })
        })
        .collect();
    let titles = |headers: &[&str]| headers.iter().map(|h| (*h).to_owned()).collect();
    crate::xlsx::workbook(&[
        Table {
            sheet: "清理对象".to_owned(),
            titles: titles(&CANDIDATE_HEADERS),
            rows: candidate_rows,
        },
        Table {
            sheet: "处置案件".to_owned(),
            titles: titles(&CASE_HEADERS),
            rows: case_rows,
        },
    ])
}

/// The action's status as people read it; the API only carries statuses the server knows.
fn status_zh(status: &str) -> &str {
    ActionStatus::parse(status).map_or(status, |known| known.label_zh())
}

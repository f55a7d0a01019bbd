use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use hezuo_mobile_api::reviews::AuditQuery;
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{ErrorCode, Problem};

use super::AuditRow;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::xlsx::Cell;

/// Rows in one export; a larger log is exported in parts by time (`since`/`until`).
const MAX_EXPORT_ROWS: i64 = 100_000;

const HEADERS: [&str; 9] = [
    "编号 id",
    "时间(UTC) at",
    "用户 actor_user_id",
    "设备 actor_device_id",
    "操作 action",
    "对象类型 entity_type",
    "对象 entity_id",
    "修改前 before",
    "修改后 after",
];

/// The audit log matching the filters as a file (admins only): `format=csv` (UTF-8 with a byte-order mark, so that
/// Excel reads the Chinese) or `format=xlsx`. At most 100 000 rows; narrow by time for more.
#[utoipa::path(tag = "audit", params(AuditQuery), responses(
    (status = 200, description = "The log as CSV (`text/csv`) or XLSX", content(
        ("text/csv"),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )),
    (status = 400, description = "An unknown format", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Only admins export the audit log", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "More rows than one export takes", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/audit/export")]
pub async fn export_audit(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    caller.require_role(&[Role::Admin])?;
    let query = query.into_inner();
    let xlsx = match query.format.as_deref().unwrap_or("csv") {
        "csv" => false,
        "xlsx" => true,
        _ => {
            return Err(ApiError::new(ErrorCode::InvalidQuery).with_field(
                "format",
                "invalid",
                "格式应为 csv 或 xlsx",
                "format is csv or xlsx",
            ));
        }
    };
    let rows = state
        .db
        .run(move |conn| Ok(super::load(conn, &query, None, MAX_EXPORT_ROWS + 1)?))
        .await?;
    if rows.len() as i64 > MAX_EXPORT_ROWS {
        return Err(ApiError::new(ErrorCode::PayloadTooLarge).with_detail(
            format!("超过{MAX_EXPORT_ROWS}行，请按时间分段导出"),
            format!("more than {MAX_EXPORT_ROWS} rows; export by time ranges"),
        ));
    }
    let (body, content_type, extension) = if xlsx {
        (
            to_xlsx(&rows)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    } else {
        (to_csv(&rows)?, "text/csv; charset=utf-8", "csv")
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"hezuo-audit.{extension}\""),
        ))
        .body(body))
}

fn fields(row: &AuditRow) -> [String; 9] {
    [
        row.id.to_string(),
        row.at.format("%Y-%m-%d %H:%M:%S").to_string(),
        row.actor_user_id.clone().unwrap_or_default(),
        row.actor_device_id.clone().unwrap_or_default(),
        row.action.clone(),
        row.entity_type.clone(),
        row.entity_id.clone(),
        row.before_json.clone().unwrap_or_default(),
        row.after_json.clone().unwrap_or_default(),
    ]
}

fn table(rows: &[AuditRow]) -> crate::xlsx::Table {
    crate::xlsx::Table {
        sheet: "审计日志".to_owned(),
        titles: HEADERS.iter().map(|t| (*t).to_owned()).collect(),
        rows: rows
            .iter()
            .map(|row| fields(row).into_iter().map(Cell::Text).collect())
            .collect(),
    }
}

fn to_csv(rows: &[AuditRow]) -> ApiResult<Vec<u8>> {
    crate::xlsx::csv(&[table(rows)]).map_err(ApiError::internal)
}

fn to_xlsx(rows: &[AuditRow]) -> ApiResult<Vec<u8>> {
    crate::xlsx::workbook(&[table(rows)]).map_err(ApiError::internal)
}

use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::imports::ImportReport;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;

/// Imports who answers for each cooperative from CSV or XLSX (supervisors for their regions, and admins). Columns:
/// 统一社会信用代码, 辅导员账号, and optionally 供销专干账号 and 备注. Each row is checked as `PUT
/// /cooperatives/{id}/responsibility` checks it and reported by row; importing again changes nothing.
#[utoipa::path(tag = "imports",
    request_body(content = Vec<u8>, description = "The file: CSV or XLSX", content_type = "text/csv"),
    responses(
        (status = 200, description = "What was assigned and which rows failed", body = ImportReport),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only supervisors and admins assign", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unreadable file or missing columns (`import_file_invalid`)", body = Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
#[post("/imports/responsibility")]
pub async fn import_responsibility(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Bytes,
) -> ApiResult<web::Json<ImportReport>> {
    caller.require_role(crate::routes::cooperatives::EDITORS)?;
    let report = state
        .db
        .run(move |conn| {
            Ok(crate::import::responsibility::import_file(
                conn, &body, &caller,
            )?)
        })
        .await?;
    Ok(web::Json(report))
}

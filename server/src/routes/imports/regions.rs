use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::imports::ImportReport;
use hezuo_mobile_api::users::Role;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::import;
use crate::state::AppState;

/// Imports regions from a CSV or XLSX file with the columns `code,name,parent_code`. Re-importing updates names and
/// moves regions whose parent changed; invalid rows are reported by row number.
#[utoipa::path(tag = "imports",
    request_body(content = Vec<u8>, description = "The file: CSV or XLSX", content_type = "text/csv"),
    responses(
        (status = 200, description = "What was imported and which rows failed", body = ImportReport),
        (status = 403, description = "Only admins import", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unreadable file or missing columns (`import_file_invalid`)", body = Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
#[post("/imports/regions")]
pub async fn import_regions(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Bytes,
) -> ApiResult<web::Json<ImportReport>> {
    caller.require_role(&[Role::Admin])?;
    let actor = caller.who();
    let report = state
        .db
        .run(move |conn| {
            Ok(import::regions::import_file(
                conn,
                &body,
                &actor,
                &mut |_, _| {},
            )?)
        })
        .await?;
    Ok(web::Json(report))
}

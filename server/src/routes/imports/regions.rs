use actix_web::{post, web};
use hezuo_mobile_api::imports::ImportReport;

use super::ImportResponses;
use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::import;
use crate::state::AppState;

/// Imports regions from a CSV or XLSX file with the columns `code,name,parent_code`. Re-importing updates names and
/// moves regions whose parent changed; invalid rows are reported by row number.
#[utoipa::path(tag = "imports",
    request_body(content = Vec<u8>, description = "The file: CSV or XLSX", content_type = "text/csv"),
    responses(ImportResponses), security(("bearer" = [])))]
#[post("/imports/regions")]
pub async fn import_regions(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Bytes,
) -> ApiResult<web::Json<ImportReport>> {
    super::run_import(&state, caller, move |conn, who| {
        Ok(import::regions::import_file(
            conn,
            &body,
            who,
            &mut |_, _| {},
        )?)
    })
    .await
}

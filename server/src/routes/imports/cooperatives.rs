use actix_web::{post, web};
use hezuo_mobile_api::imports::ImportReport;

use super::ImportResponses;
use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::import;
use crate::state::AppState;

/// Imports the cooperative register from a CSV or XLSX export. Rows match existing entries by USCC, so importing
/// the same file again updates instead of duplicating; invalid rows are reported by row number and reason.
#[utoipa::path(tag = "imports",
    request_body(content = Vec<u8>, description = "The file: CSV or XLSX", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses(ImportResponses), security(("bearer" = [])))]
#[post("/imports/cooperatives")]
pub async fn import_cooperatives(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Bytes,
) -> ApiResult<web::Json<ImportReport>> {
    super::run_import(&state, caller, move |conn, who| {
        Ok(import::cooperatives::import_file(
            conn,
            &body,
            who,
            &mut |_, _| {},
        )?)
    })
    .await
}

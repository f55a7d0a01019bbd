use actix_web::{post, web};
use hezuo_mobile_api::imports::ImportReport;

use super::{ProvenanceQuery, SourcedImportResponses};
use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::import;
use crate::state::AppState;

/// Imports market regulation's annual-report / abnormal-operation list (and tax filing, where the file has it) from CSV
/// or XLSX. Columns: 统一社会信用代码, and any of 年报已报送, 列入经营异常名录 (with 列入原因), 纳税申报 (是/否), optionally
/// 日期. Every fact keeps `source` and its date; the latest fact of each kind speaks in classification, and the
/// cooperatives whose facts changed are re-classified. Importing the same file again changes nothing.
#[utoipa::path(tag = "imports", params(ProvenanceQuery),
    request_body(content = Vec<u8>, description = "The file: CSV or XLSX", content_type = "text/csv"),
    responses(SourcedImportResponses), security(("bearer" = [])))]
#[post("/imports/registry-facts")]
pub async fn import_registry_facts(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ProvenanceQuery>,
    body: web::Bytes,
) -> ApiResult<web::Json<ImportReport>> {
    super::run_import(&state, caller, move |conn, who| {
        Ok(import::facts::import_registry_facts(
            conn,
            &body,
            &query.provenance()?,
            who,
            &mut |_, _| {},
        )?)
    })
    .await
}

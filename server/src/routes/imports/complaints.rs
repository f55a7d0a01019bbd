use actix_web::{post, web};
use hezuo_mobile_api::imports::ImportReport;

use super::{ProvenanceQuery, SourcedImportResponses};
use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::import;
use crate::state::AppState;

/// Imports a complaints file (群众举报) from CSV or XLSX. Columns: 统一社会信用代码, 编号, 受理日期, 举报内容, and
/// 核查结果 (属实 / 不属实 / 核查中). A substantiated complaint raises S5 for its cooperative, which is re-classified.
/// Complaints are keyed by `source` and 编号: importing again updates the investigation result.
#[utoipa::path(tag = "imports", params(ProvenanceQuery),
    request_body(content = Vec<u8>, description = "The file: CSV or XLSX", content_type = "text/csv"),
    responses(SourcedImportResponses), security(("bearer" = [])))]
#[post("/imports/complaints")]
pub async fn import_complaints(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ProvenanceQuery>,
    body: web::Bytes,
) -> ApiResult<web::Json<ImportReport>> {
    super::run_import(&state, caller, move |conn, who| {
        Ok(import::facts::import_complaints(
            conn,
            &body,
            &query.provenance()?,
            who,
            &mut |_, _| {},
        )?)
    })
    .await
}

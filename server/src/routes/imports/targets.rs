use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::imports::ImportReport;
use hezuo_mobile_api::users::Role;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct TargetSource {
    /// The plan the targets come from, e.g. `宁波市供销社三年行动方案`.
    pub source: String,
}

/// Imports targets from CSV or XLSX with the columns 区划代码, 年度, 指标 (a metric of the catalogue by code, name or
/// alias: `GET /api/v1/targets/metrics`), 目标 and optionally 来源 (the row's own source, else `source`). Importing
/// again updates the targets. Quotas on founding new cooperatives are refused (`metric_forbidden`, 中农发〔2019〕18号).
#[utoipa::path(tag = "imports", params(TargetSource),
    request_body(content = Vec<u8>, description = "The file: CSV or XLSX", content_type = "text/csv"),
    responses(
        (status = 200, description = "What was imported and which rows failed", body = ImportReport),
        (status = 403, description = "Only admins import", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unreadable file or missing columns (`import_file_invalid`)", body = Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
#[post("/imports/targets")]
pub async fn import_targets(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<TargetSource>,
    body: web::Bytes,
) -> ApiResult<web::Json<ImportReport>> {
    caller.require_role(&[Role::Admin])?;
    let actor = caller.who();
    let source =
        crate::import::facts::Provenance::new(&query.source, crate::cleanup::store::today())
            .map_err(crate::import::ImportError::File)?
            .source;
    let report = state
        .db
        .run(move |conn| Ok(crate::targets::import_file(conn, &body, &source, &actor)?))
        .await?;
    Ok(web::Json(report))
}

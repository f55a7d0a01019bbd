use actix_web::{HttpResponse, get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::stars::ExportQuery;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::stars::exports;
use crate::state::AppState;
use crate::xlsx::ExportFormat;

/// A campaign's results: every application in the caller's regions with its score per category, the capped bonus,
/// the total, vetoes, the star computed, proposed and awarded, the status and the level awaited, and the engine's
/// explanation; as XLSX (sheet “评定结果”, the default) or CSV.
#[utoipa::path(tag = "stars", params(("id" = Uuid, Path, description = "Campaign id"), ExportQuery), responses(
    (status = 200, description = "The results", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (status = 400, description = "An unknown format", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/stars/campaigns/{id}/results")]
pub async fn export_results(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<Uuid>,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let format = ExportFormat::parse(query.format.as_deref())?;
    let id = path.into_inner().to_string();
    let (year, table) = state
        .db
        .run(move |conn| exports::results(conn, &id, caller.scope.paths().as_deref()))
        .await?;
    crate::xlsx::download(format, &format!("hezuo-stars-{year}-results"), &[table])
}

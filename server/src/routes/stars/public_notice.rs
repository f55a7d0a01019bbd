use actix_web::{HttpResponse, get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::stars::ExportQuery;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::stars::exports;
use crate::state::AppState;
use crate::xlsx::ExportFormat;

/// The public-notice (公示) list of a campaign: every organisation awarded a star, by region, with its credit code,
/// star and score, as XLSX (sheet “公示名单”, the default) or CSV. Only applications decided by every level appear.
#[utoipa::path(tag = "stars", params(("id" = Uuid, Path, description = "Campaign id"), ExportQuery), responses(
    (status = 200, description = "The list", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (status = 400, description = "An unknown format", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/stars/campaigns/{id}/public-notice")]
pub async fn export_public_notice(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<Uuid>,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let format = ExportFormat::parse(query.format.as_deref())?;
    let id = path.into_inner().to_string();
    let (year, table) = state
        .db
        .run(move |conn| exports::public_notice(conn, &id, caller.scope.paths().as_deref()))
        .await?;
    crate::xlsx::download(
        format,
        &format!("hezuo-stars-{year}-public-notice"),
        &[table],
    )
}

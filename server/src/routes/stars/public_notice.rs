use actix_web::{HttpResponse, get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::stars::ExportQuery;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::stars::{store, view};
use crate::state::AppState;
use crate::xlsx::{Cell, ExportFormat, Table};

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
        .run(move |conn| {
            let campaign = store::campaign(conn, &id)?;
            let scope = caller.scope.paths();
            let (rows, registry) = view::campaign_rows(conn, &id, scope.as_deref())?;
            let titles = [
                "序号",
                "组织名称",
                "统一社会信用代码",
                "所在地区",
                "区划代码",
                "评定星级",
                "总分",
                "评定年度",
            ];
            let rows: Vec<Vec<Cell>> = rows
                .iter()
                .filter(|row| row.status == store::RATED)
                .enumerate()
                .map(|(index, row)| {
                    let (name, uscc, code, region) = registry
                        .get(&row.cooperative_id)
                        .cloned()
                        .unwrap_or_default();
                    let stars = row.awarded_star.unwrap_or_default();
                    vec![
                        Cell::Number(index as f64 + 1.0),
                        name.into(),
                        uscc.into(),
                        region.into(),
                        code.into(),
                        format!("{stars}星级").into(),
                        row.total.into(),
                        Cell::Number(campaign.year as f64),
                    ]
                })
                .collect();
            Ok((
                campaign.year,
                Table {
                    sheet: "公示名单".to_owned(),
                    titles: titles.iter().map(|t| (*t).to_owned()).collect(),
                    rows,
                },
            ))
        })
        .await?;
    crate::xlsx::download(
        format,
        &format!("hezuo-stars-{year}-public-notice"),
        &[table],
    )
}

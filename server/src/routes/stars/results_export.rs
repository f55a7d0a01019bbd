use actix_web::{HttpResponse, get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::stars::ExportQuery;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::stars::{applications, store, view};
use crate::state::AppState;
use crate::xlsx::{Cell, ExportFormat, Table};

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
        .run(move |conn| {
            let campaign = store::campaign(conn, &id)?;
            let model = store::campaign_model(conn, &campaign)?;
            let scope = caller.scope.paths();
            let (rows, registry) = view::campaign_rows(conn, &id, scope.as_deref())?;
            let mut titles: Vec<String> = ["组织名称", "统一社会信用代码", "所在地区"]
                .iter()
                .map(|t| (*t).to_owned())
                .collect();
            for category in &model.categories {
                titles.push(format!("{}（{}分）", category.name_zh, category.points));
            }
            for title in [
                "加分",
                "总分",
                "一票否决",
                "计算星级",
                "拟评星级",
                "评定星级",
                "状态",
                "待审层级",
                "说明",
            ] {
                titles.push(title.to_owned());
            }
            let mut cells = Vec::with_capacity(rows.len());
            for row in &rows {
                let result = row.result()?;
                let (name, uscc, _, region) = registry
                    .get(&row.cooperative_id)
                    .cloned()
                    .unwrap_or_default();
                let mut line: Vec<Cell> = vec![name.into(), uscc.into(), region.into()];
                line.extend(result.categories.iter().map(|c| Cell::Number(c.points)));
                let vetoes: Vec<&str> = result.vetoes.iter().map(|v| &*v.name_zh).collect();
                let star = |value: Option<i64>| value.map(|s| s as f64);
                line.extend([
                    Cell::Number(result.bonus),
                    Cell::Number(row.total),
                    vetoes.join("、").into(),
                    star(row.computed_star).into(),
                    star(row.proposed_star).into(),
                    star(row.awarded_star).into(),
                    view::status_zh(&row.status).into(),
                    row.awaiting_level
                        .as_deref()
                        .map(applications::level_zh)
                        .into(),
                    row.explanation_zh.clone().into(),
                ]);
                cells.push(line);
            }
            Ok((
                campaign.year,
                Table {
                    sheet: "评定结果".to_owned(),
                    titles,
                    rows: cells,
                },
            ))
        })
        .await?;
    crate::xlsx::download(format, &format!("hezuo-stars-{year}-results"), &[table])
}

use actix_web::{get, web};
use diesel::prelude::*;
use hezuo_mobile_api::stars::{ApplicationItem, ApplicationQuery};
use hezuo_mobile_api::{Page, Problem};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::schema::star_applications;
use crate::error::ApiResult;
use crate::models::cooperatives::cooperative_in_scope;
use crate::pagination;
use crate::stars::store::{self, ApplicationRow};
use crate::stars::view;
use crate::state::AppState;

/// A campaign's applications in the caller's regions, by id: score, the star proposed and awarded, the level awaited,
/// manual indicators still to score and vetoes. Filter by status, awaited level (a reviewer's queue) and region.
#[utoipa::path(tag = "stars", params(("id" = Uuid, Path, description = "Campaign id"), ApplicationQuery), responses(
    (status = 200, description = "A page of applications", body = Page<ApplicationItem>),
    (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An unknown region", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/stars/campaigns/{id}/applications")]
pub async fn list_applications(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<Uuid>,
    query: web::Query<ApplicationQuery>,
) -> ApiResult<web::Json<Page<ApplicationItem>>> {
    let campaign_id = path.into_inner().to_string();
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref())?;
    let page = state
        .db
        .run(move |conn| {
            store::campaign(conn, &campaign_id)?;
            let region = crate::routes::cleanup::region_path(conn, query.region.as_deref())?;
            let mut sql = star_applications::table
                .filter(star_applications::campaign_id.eq(&campaign_id))
                .select(ApplicationRow::as_select())
                .order(star_applications::id.asc())
                .limit(limit + 1)
                .into_boxed();
            if let Some(paths) = caller.scope.paths() {
                sql = sql.filter(cooperative_in_scope("cooperative_id", &paths));
            }
            if let Some(path) = region {
                sql = sql.filter(star_applications::region_path.like(format!("{path}%")));
            }
            if let Some(status) = &query.status {
                sql = sql.filter(star_applications::status.eq(status.clone()));
            }
            if let Some(level) = &query.awaiting_level {
                sql = sql.filter(star_applications::awaiting_level.eq(level.clone()));
            }
            if let Some(after) = after {
                sql = sql.filter(star_applications::id.gt(after));
            }
            let rows: Vec<ApplicationRow> = sql.load(conn)?;
            let (rows, next_cursor) = pagination::cut(rows, limit, |r| r.id.clone());
            Ok(Page {
                items: view::items(conn, rows)?,
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}

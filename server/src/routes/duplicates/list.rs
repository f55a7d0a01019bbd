use actix_web::{get, web};
use diesel::prelude::*;
use hezuo_mobile_api::reviews::DuplicateCandidate;
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{Page, Problem};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::db::schema::duplicate_candidates;
use crate::error::ApiResult;
use crate::models::cooperatives::cooperative_in_scope;
use crate::pagination;
use crate::review::duplicates::{self, DuplicateRow};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DuplicateQuery {
    /// Include merged and dismissed pairs (default: open ones only).
    #[serde(default)]
    pub include_resolved: bool,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// Pairs of cooperatives flagged as the same (one credit code), in the caller's regions (supervisors and admins).
#[utoipa::path(tag = "review", params(DuplicateQuery), responses(
    (status = 200, description = "A page of duplicate pairs", body = Page<DuplicateCandidate>),
    (status = 403, description = "Only supervisors and admins", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/duplicates")]
pub async fn list_duplicates(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<DuplicateQuery>,
) -> ApiResult<web::Json<Page<DuplicateCandidate>>> {
    caller.require_role(&[Role::Admin, Role::Supervisor])?;
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref())?;
    let page = state
        .db
        .run(move |conn| {
            let mut sql = duplicate_candidates::table
                .select(DuplicateRow::as_select())
                .order(duplicate_candidates::id.asc())
                .limit(limit + 1)
                .into_boxed();
            if let Some(paths) = caller.scope.paths() {
                sql = sql.filter(cooperative_in_scope("cooperative_id", &paths));
            }
            if !query.include_resolved {
                sql = sql.filter(duplicate_candidates::resolved_at.is_null());
            }
            if let Some(after) = after {
                sql = sql.filter(duplicate_candidates::id.gt(after));
            }
            let rows: Vec<DuplicateRow> = sql.load(conn)?;
            let (rows, next_cursor) = pagination::cut(rows, limit, |r| r.id.clone());
            Ok(Page {
                items: duplicates::to_api(conn, rows)?,
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}

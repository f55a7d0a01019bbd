use actix_web::{get, web};
use diesel::prelude::*;
use hezuo_mobile_api::reviews::{ConflictInfo, ConflictQuery};
use hezuo_mobile_api::{ErrorCode, Page, Problem};

use crate::auth::Authenticated;
use crate::db::schema::conflicts;
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::cooperative_in_scope;
use crate::pagination;
use crate::review::conflicts::{ConflictRow, to_api};
use crate::state::AppState;

/// Fields that devices changed concurrently, in the caller's regions: every value with its author (device and user
/// from the actor binding) and times. Open ones by default.
#[utoipa::path(tag = "review", params(ConflictQuery), responses(
    (status = 200, description = "A page of conflicts", body = Page<ConflictInfo>),
    (status = 400, description = "An unknown filter value", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/conflicts")]
pub async fn list_conflicts(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ConflictQuery>,
) -> ApiResult<web::Json<Page<ConflictInfo>>> {
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref())?;
    let open = match query.state.as_deref().unwrap_or("open") {
        "open" => Some(true),
        "resolved" => Some(false),
        "all" => None,
        _ => {
            return Err(ApiError::new(ErrorCode::InvalidQuery).with_field(
                "state",
                "invalid",
                "状态应为 open、resolved 或 all",
                "state is open, resolved or all",
            ));
        }
    };
    let page = state
        .db
        .run(move |conn| {
            let mut sql = conflicts::table
                .select(ConflictRow::as_select())
                .order(conflicts::id.asc())
                .limit(limit + 1)
                .into_boxed();
            if let Some(paths) = caller.scope.paths() {
                sql = sql.filter(cooperative_in_scope("cooperative_id", &paths));
            }
            match open {
                Some(true) => sql = sql.filter(conflicts::resolved_at.is_null()),
                Some(false) => sql = sql.filter(conflicts::resolved_at.is_not_null()),
                None => {}
            }
            if let Some(cooperative) = query.cooperative_id {
                sql = sql.filter(conflicts::cooperative_id.eq(cooperative.to_string()));
            }
            if let Some(visit) = query.visit_id {
                sql = sql.filter(conflicts::path.like(format!("visits.{visit}.%")));
            }
            if let Some(after) = after {
                sql = sql.filter(conflicts::id.gt(after));
            }
            let rows: Vec<ConflictRow> = sql.load(conn)?;
            let (rows, next_cursor) = pagination::cut(rows, limit, |r| r.id.clone());
            Ok(Page {
                items: to_api(conn, rows)?,
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}

use actix_web::{get, web};
use diesel::prelude::*;
use hezuo_mobile_api::cleanup::{CaseQuery, DisposalCase};
use hezuo_mobile_api::{ErrorCode, Page, Problem};

use crate::auth::Authenticated;
use crate::cleanup::cases::{self, CaseRow};
use crate::cleanup::status::ActionStatus;
use crate::cleanup::store;
use crate::db::schema::{disposal_actions, disposal_cases};
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::cooperative_in_scope;
use crate::pagination;
use crate::state::AppState;

/// The disposal cases of the caller's regions, oldest first, with their actions. `overdue=true` lists the cases with
/// an open action past its due date: the follow-up list.
#[utoipa::path(tag = "cleanup", params(CaseQuery), responses(
    (status = 200, description = "A page of cases", body = Page<DisposalCase>),
    (status = 400, description = "An unknown status", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An unknown region", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/cleanup/cases")]
pub async fn list_cases(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<CaseQuery>,
) -> ApiResult<web::Json<Page<DisposalCase>>> {
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref())?;
    if let Some(status) = &query.status
        && !matches!(status.as_str(), "open" | "closed")
    {
        return Err(ApiError::new(ErrorCode::InvalidQuery).with_field(
            "status",
            "invalid",
            "状态应为 open 或 closed",
            "status is open or closed",
        ));
    }
    let page = state
        .db
        .run(move |conn| {
            let region = crate::routes::cleanup::region_path(conn, query.region.as_deref())?;
            let mut sql = disposal_cases::table
                .select(CaseRow::as_select())
                .order(disposal_cases::id.asc())
                .limit(limit + 1)
                .into_boxed();
            if let Some(paths) = caller.scope.paths() {
                sql = sql.filter(cooperative_in_scope("cooperative_id", &paths));
            }
            if let Some(path) = region {
                sql = sql.filter(cooperative_in_scope("cooperative_id", &[path]));
            }
            if let Some(status) = &query.status {
                sql = sql.filter(disposal_cases::status.eq(status.clone()));
            }
            if let Some(cooperative) = query.cooperative_id {
                sql = sql.filter(disposal_cases::cooperative_id.eq(cooperative.to_string()));
            }
            if let Some(overdue) = query.overdue {
                // Dates are stored as YYYY-MM-DD, which compare as text.
                let late = disposal_actions::table
                    .filter(disposal_actions::status.ne_all([
                        ActionStatus::Done.as_str(),
                        ActionStatus::Cancelled.as_str(),
                    ]))
                    .filter(disposal_actions::due_on.lt(store::today().to_string()))
                    .select(disposal_actions::case_id);
                sql = if overdue {
                    sql.filter(disposal_cases::id.eq_any(late))
                } else {
                    sql.filter(disposal_cases::id.ne_all(late))
                };
            }
            if let Some(after) = after {
                sql = sql.filter(disposal_cases::id.gt(after));
            }
            let rows: Vec<CaseRow> = sql.load(conn)?;
            let (rows, next_cursor) = pagination::cut(rows, limit, |r| r.id.clone());
            Ok(Page {
                items: cases::with_actions(conn, rows, store::today())?,
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}

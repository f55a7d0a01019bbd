use actix_web::{get, web};
use diesel::prelude::*;
use hezuo_mobile_api::reviews::{ReviewItem, ReviewQuery};
use hezuo_mobile_api::{ErrorCode, Page, Problem};

use super::filter::{Filters, Sort};
use crate::auth::Authenticated;
use crate::db::schema::visit_reviews;
use crate::error::{ApiError, ApiResult};
use crate::pagination;
use crate::review::ReviewRow;
use crate::state::AppState;

/// The review queue of the caller's regions, oldest visit first unless sorted otherwise. Pending visits by default;
/// filter by state, why a visit is pending, the level it waits for (`awaiting=mine`: the caller's), counsellor,
/// cooperative (by id, or name or credit code with `q`), region, visit type and date, open conflicts, evidence flags
/// and missing photos.
#[utoipa::path(tag = "review", params(ReviewQuery), responses(
    (status = 200, description = "A page of the queue", body = Page<ReviewItem>),
    (status = 400, description = "An unknown filter value", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An unknown region", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/reviews")]
pub async fn review_queue(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ReviewQuery>,
) -> ApiResult<web::Json<Page<ReviewItem>>> {
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref())?;
    let wanted_state = match query.state.as_deref().unwrap_or("pending") {
        "all" => None,
        state @ ("pending" | "approved" | "returned" | "rejected") => Some(state.to_owned()),
        _ => {
            return Err(ApiError::new(ErrorCode::InvalidQuery).with_field(
                "state",
                "invalid",
                "状态应为 pending、approved、returned、rejected 或 all",
                "state is pending, approved, returned, rejected or all",
            ));
        }
    };
    let filters = Filters::parse(&state, &caller, &query)?;
    let sort = Sort::parse(query.sort.as_deref())?;
    // Sorted by anything but creation, a page is positioned by how many rows came before it.
    let skip = match (sort, &after) {
        (Sort::Created, _) | (_, None) => 0,
        (Sort::By(..), Some(cursor)) => cursor
            .strip_prefix('o')
            .and_then(|n| n.parse::<i64>().ok())
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidCursor))?,
    };
    let page = state
        .db
        .run(move |conn| {
            let mut sql = sort.order(filters.apply(conn)?);
            if let Some(state) = &wanted_state {
                sql = sql.filter(visit_reviews::state.eq(state.clone()));
            }
            if let (Sort::Created, Some(after)) = (sort, after) {
                sql = sql.filter(visit_reviews::visit_id.gt(after));
            }
            let rows: Vec<ReviewRow> = sql
                .select(ReviewRow::as_select())
                .offset(skip)
                .limit(limit + 1)
                .load(conn)?;
            let (rows, next_cursor) = match sort {
                Sort::Created => pagination::cut(rows, limit, |r| r.visit_id.clone()),
                Sort::By(..) => {
                    let (rows, more) = pagination::cut(rows, limit, |_| String::new());
                    let next = more
                        .is_some()
                        .then(|| pagination::encode_cursor(format!("o{}", skip + limit)));
                    (rows, next)
                }
            };
            Ok(Page {
                items: super::items(conn, rows)?,
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}

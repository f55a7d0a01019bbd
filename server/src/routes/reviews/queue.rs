use actix_web::{get, web};
use diesel::prelude::*;
use hezuo_mobile_api::reviews::{ReviewItem, ReviewQuery};
use hezuo_mobile_api::{ErrorCode, Page, Problem, RegionCode, RegionLevel};

use crate::auth::Authenticated;
use crate::db::schema::{evidence_flags, visit_reviews, visits};
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::cooperative_in_scope;
use crate::pagination;
use crate::review::ReviewRow;
use crate::state::AppState;

/// The review queue of the caller's regions, oldest visit first. Pending visits by default; filter by state, why a
/// visit is pending, the level it waits for (`awaiting=mine`: the caller's), counsellor, cooperative, region, open
/// conflicts, evidence flags and missing photos.
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
    let invalid = |field: &str, zh: &str, en: &str| {
        ApiError::new(ErrorCode::InvalidQuery).with_field(field, "invalid", zh, en)
    };
    let wanted_state = match query.state.as_deref().unwrap_or("pending") {
        "all" => None,
        state @ ("pending" | "approved" | "returned" | "rejected") => Some(state.to_owned()),
        _ => {
            return Err(invalid(
                "state",
                "状态应为 pending、approved、returned、rejected 或 all",
                "state is pending, approved, returned, rejected or all",
            ));
        }
    };
    let awaiting = match query.awaiting.as_deref() {
        None => None,
        Some("mine") => Some(
            state
                .rules
                .review_levels
                .of(&caller)
                .ok_or_else(|| ApiError::new(ErrorCode::NotAReviewer))?,
        ),
        Some(level) => Some(RegionLevel::parse(level).ok_or_else(|| {
            invalid(
                "awaiting",
                "层级应为 township、county 等或 mine",
                "awaiting is a level or mine",
            )
        })?),
    };
    let region_path = match query.region.as_deref() {
        None => None,
        Some(code) => {
            let code = RegionCode::parse(code)
                .map_err(|_| invalid("region", "行政区划代码无效", "invalid region code"))?;
            Some(code)
        }
    };
    let page = state
        .db
        .run(move |conn| {
            let mut sql = visit_reviews::table
                .select(ReviewRow::as_select())
                .order(visit_reviews::visit_id.asc())
                .limit(limit + 1)
                .into_boxed();
            if let Some(paths) = caller.scope.paths() {
                sql = sql.filter(cooperative_in_scope("cooperative_id", &paths));
            }
            if let Some(code) = &region_path {
                let region = crate::models::regions::find(conn, code.as_str())?
                    .ok_or_else(|| ApiError::new(ErrorCode::RegionUnknown))?;
                sql = sql.filter(cooperative_in_scope("cooperative_id", &[region.path]));
            }
            if let Some(state) = &wanted_state {
                sql = sql.filter(visit_reviews::state.eq(state));
            }
            if let Some(reason) = &query.pending_reason {
                sql = sql.filter(visit_reviews::pending_reason.eq(reason));
            }
            if let Some(level) = awaiting {
                sql = sql.filter(visit_reviews::awaiting_level.eq(level.as_str()));
            }
            if let Some(cooperative) = query.cooperative_id {
                sql = sql.filter(visit_reviews::cooperative_id.eq(cooperative.to_string()));
            }
            if let Some(counsellor) = &query.counsellor {
                let theirs = visits::table
                    .filter(visits::author_user_id.eq(counsellor))
                    .select(visits::id);
                sql = sql.filter(visit_reviews::visit_id.eq_any(theirs));
            }
            if let Some(missing) = query.missing_photos {
                let short = visits::table
                    .filter(visits::photos_received.lt(visits::photos_expected))
                    .select(visits::id);
                sql = if missing {
                    sql.filter(visit_reviews::visit_id.eq_any(short))
                } else {
                    sql.filter(visit_reviews::visit_id.ne_all(short))
                };
            }
            if let Some(flagged) = query.flags {
                let with_flags = evidence_flags::table.select(evidence_flags::visit_id);
                sql = if flagged {
                    sql.filter(visit_reviews::visit_id.eq_any(with_flags))
                } else {
                    sql.filter(visit_reviews::visit_id.ne_all(with_flags))
                };
            }
            if let Some(conflicted) = query.conflicts {
                let ids: Vec<String> = super::visits_with_open_conflicts(conn, None)?
                    .into_keys()
                    .collect();
                sql = if conflicted {
                    sql.filter(visit_reviews::visit_id.eq_any(ids))
                } else {
                    sql.filter(visit_reviews::visit_id.ne_all(ids))
                };
            }
            if let Some(after) = after {
                sql = sql.filter(visit_reviews::visit_id.gt(after));
            }
            let rows: Vec<ReviewRow> = sql.load(conn)?;
            let (rows, next_cursor) = pagination::cut(rows, limit, |r| r.visit_id.clone());
            Ok(Page {
                items: super::items(conn, rows)?,
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}

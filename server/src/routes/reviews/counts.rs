use actix_web::{get, web};
use diesel::prelude::*;
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::reviews::{ReviewCounts, ReviewQuery};

use super::filter::Filters;
use crate::auth::Authenticated;
use crate::db::schema::visit_reviews;
use crate::error::ApiResult;
use crate::state::AppState;

/// How many visits of the caller's regions match the queue's filters, by state, and how many wait for the caller's
/// own level. Takes the queue's filters; `state`, `sort`, `cursor` and `limit` are ignored.
#[utoipa::path(tag = "review", params(ReviewQuery), responses(
    (status = 200, description = "Counts by state", body = ReviewCounts),
    (status = 400, description = "An unknown filter value", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An unknown region", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/reviews/counts")]
pub async fn review_counts(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ReviewQuery>,
) -> ApiResult<web::Json<ReviewCounts>> {
    let filters = Filters::parse(&state, &caller, &query)?;
    let my_level = state.rules.review_levels.of(&caller);
    let counts = state
        .db
        .run(move |conn| {
            let mut of = |wanted: &str| -> ApiResult<u64> {
                let n: i64 = filters
                    .apply(conn)?
                    .filter(visit_reviews::state.eq(wanted.to_owned()))
                    .count()
                    .get_result(conn)?;
                Ok(n as u64)
            };
            let (pending, approved, returned, rejected) = (
                of("pending")?,
                of("approved")?,
                of("returned")?,
                of("rejected")?,
            );
            let awaiting_mine = match my_level {
                Some(level) if filters.awaiting.is_none_or(|a| a == level) => Some(
                    filters
                        .apply(conn)?
                        .filter(visit_reviews::state.eq("pending"))
                        .filter(visit_reviews::awaiting_level.eq(level.as_str()))
                        .count()
                        .get_result::<i64>(conn)? as u64,
                ),
                Some(_) => Some(0),
                None => None,
            };
            let counts = ReviewCounts {
                pending,
                approved,
                returned,
                rejected,
                all: pending + approved + returned + rejected,
                awaiting_mine,
            };
            Ok(counts)
        })
        .await?;
    Ok(web::Json(counts))
}

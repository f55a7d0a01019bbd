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
    let my_level = state.review_levels.of(&caller);
    let counts = state
        .db
        .run(move |conn| {
            // One pass over the matching rows' state and level, instead of a filtered count per state (each of which
            // would evaluate the region, text and conflict filters again).
            let rows: Vec<(String, Option<String>)> = filters
                .apply(conn)?
                .select((visit_reviews::state, visit_reviews::awaiting_level))
                .load(conn)?;
            let of = |wanted: &str| rows.iter().filter(|(state, _)| state == wanted).count() as u64;
            let (pending, approved, returned, rejected) = (
                of("pending"),
                of("approved"),
                of("returned"),
                of("rejected"),
            );
            let awaiting_mine = my_level.map(|level| {
                rows.iter()
                    .filter(|(state, awaiting)| {
                        state == "pending" && awaiting.as_deref() == Some(level.as_str())
                    })
                    .count() as u64
            });
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

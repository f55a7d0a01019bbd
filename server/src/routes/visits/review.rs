use actix_web::{HttpRequest, HttpResponse, get, web};
use diesel::prelude::*;
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::reviews::VisitReview;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::schema::{conflicts, visit_reviews, visits};
use crate::error::{ApiError, ApiResult};
use crate::review::ReviewRow;
use crate::review::actions::visible_visit;
use crate::review::conflicts::ConflictRow;
use crate::state::AppState;

/// A visit as a reviewer opens it: where it stands in review, its content, its conflicts (open and resolved) and its
/// activity, and any concurrent edits of different fields (parallel updates); photos are at `/visits/{id}/photos` and versions at `/visits/{id}/history`. `acting_level` says whether
/// and at which level the caller may decide it.
#[utoipa::path(tag = "review", params(("id" = Uuid, Path, description = "Visit id")), responses(
    (status = 200, description = "The visit in review", body = VisitReview, headers(("ETag" = String))),
    (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    (status = 404, description = "No such submitted visit in the caller's regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/visits/{id}/review")]
pub async fn visit_review(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let visit_id = id.into_inner().to_string();
    let app = state.clone();
    let view = state
        .db
        .run(move |conn| {
            let cooperative_id = visible_visit(conn, &caller, &visit_id)?;
            let row: ReviewRow = visit_reviews::table
                .find(&visit_id)
                .select(ReviewRow::as_select())
                .get_result(conn)
                .optional()?
                .ok_or_else(ApiError::not_found)?;
            let data: String = visits::table
                .find(&visit_id)
                .select(visits::data)
                .get_result(conn)?;
            let conflict_rows: Vec<ConflictRow> = conflicts::table
                .filter(conflicts::cooperative_id.eq(&cooperative_id))
                .filter(conflicts::path.like(format!("visits.{visit_id}.%")))
                .order(conflicts::id.asc())
                .select(ConflictRow::as_select())
                .load(conn)?;
            let cooperative = cooperative_id.uuid();
            let doc = crate::documents::store::load(conn, &app.documents.cache, cooperative)?.doc;
            let parallel_updates =
                super::parallel_updates(conn, &doc, &format!("visits.{visit_id}"))?;
            Ok(VisitReview {
                parallel_updates,
                review: crate::routes::reviews::items(conn, vec![row])?
                    .pop()
                    .ok_or_else(ApiError::not_found)?,
                visit: crate::models::stored_json(&data)?,
                conflicts: crate::review::conflicts::to_api(conn, conflict_rows)?,
                activity: crate::review::activity::activity(conn, cooperative_id, Some(&visit_id))?,
                acting_level: app.review_levels.of(&caller),
            })
        })
        .await?;
    crate::etag::respond(&req, &view)
}

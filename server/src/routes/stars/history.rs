use actix_web::{get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::stars::StarHistory;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::id::CooperativeId;
use crate::error::ApiResult;
use crate::stars::revocation;
use crate::state::AppState;

/// A cooperative's star history: the star it holds now, every award by year (revoked ones kept, with the event that
/// revoked them), revocation events, bars with the day they end, and its applications.
#[utoipa::path(tag = "stars", params(("id" = Uuid, Path, description = "Cooperative id")), responses(
    (status = 200, description = "The history", body = StarHistory),
    (status = 404, description = "No such cooperative in the caller's regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/cooperatives/{id}/stars")]
pub async fn star_history(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<StarHistory>> {
    let id = CooperativeId::from(path.into_inner());
    let history = state
        .db
        .run(move |conn| {
            let cooperative = crate::auth::policy::visible_cooperative(conn, &caller, id)?;
            revocation::history(conn, &cooperative)
        })
        .await?;
    Ok(web::Json(history))
}

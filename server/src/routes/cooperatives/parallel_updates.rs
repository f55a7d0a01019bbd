use actix_web::{get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::reviews::ParallelUpdate;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::documents::store;
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::any_in_scope;
use crate::state::AppState;

/// Concurrent edits of different fields of a cooperative's observed profile: two devices changed it at once without
/// seeing each other's change. They merged without a conflict (conflicts, where the same field was written, are at
/// `/conflicts`); a reviewer may still want to check that the two fit together.
#[utoipa::path(tag = "review", params(("id" = Uuid, Path, description = "Cooperative id")), responses(
    (status = 200, description = "Pairs of concurrent profile edits", body = Vec<ParallelUpdate>),
    (status = 404, description = "No such cooperative in the caller's regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/cooperatives/{id}/parallel-updates")]
pub async fn profile_parallel_updates(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<ParallelUpdate>>> {
    let cooperative = id.into_inner();
    let app = state.clone();
    let pairs = state
        .db
        .run(move |conn| {
            if !any_in_scope(conn, &caller.scope, &[cooperative.into()])? {
                return Err(ApiError::not_found());
            }
            let doc = store::load(conn, &app.documents.cache, cooperative)?.doc;
            crate::routes::visits::parallel_updates(conn, &doc, "profile").map_err(ApiError::from)
        })
        .await?;
    Ok(web::Json(pairs))
}

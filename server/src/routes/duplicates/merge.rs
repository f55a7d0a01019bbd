use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::reviews::{MergeDuplicate, MergeResult};
use hezuo_mobile_api::users::Role;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::review::duplicates;
use crate::state::AppState;

/// Merges a duplicate pair: the survivor (by default the cooperative that was there first) keeps its id and receives
/// the other's visits, with their reviews, as a server change that reaches every phone; the other stays in the
/// registry as a redirect (`merged_into`), leaves every phone's manifest, and a phone that still syncs it is told
/// where it went (`merged`). Supervisors whose regions hold both, and admins.
#[utoipa::path(tag = "review", params(("id" = Uuid, Path, description = "Duplicate pair id")), request_body = MergeDuplicate, responses(
    (status = 200, description = "Merged", body = MergeResult),
    (status = 403, description = "Only supervisors and admins", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such pair in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Already merged or dismissed", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "The survivor is not one of the pair", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/duplicates/{id}/merge")]
pub async fn merge_duplicate(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> ApiResult<web::Json<MergeResult>> {
    caller.require_role(&[Role::Admin, Role::Supervisor])?;
    let id = id.into_inner().to_string();
    let survivor = crate::validate::optional_json::<MergeDuplicate>(&body)?.survivor;
    let app = state.clone();
    let result = state
        .db
        .run(move |conn| duplicates::merge(conn, &app.documents, &caller, &id, survivor))
        .await?;
    Ok(web::Json(result))
}

use actix_web::{get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::reviews::VisitHistory;
use hezuo_sync::history;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::documents::store;
use crate::error::ApiResult;
use crate::review::actions::visible_visit;
use crate::state::AppState;

/// Every version of a visit, oldest first: each change that wrote it, with who made it (device and user, from the
/// actor binding), when the server received it, the device's own clock, and which fields it wrote. Any two versions
/// can be compared at `/visits/{id}/diff`.
#[utoipa::path(tag = "review", params(("id" = Uuid, Path, description = "Visit id")), responses(
    (status = 200, description = "The visit's versions", body = VisitHistory),
    (status = 404, description = "No such visit in the caller's regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/visits/{id}/history")]
pub async fn visit_history(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<VisitHistory>> {
    let visit_id = id.into_inner();
    let app = state.clone();
    let found = state
        .db
        .run(move |conn| {
            let cooperative_id = visible_visit(conn, &caller, &visit_id.to_string())?;
            let cooperative = cooperative_id.uuid();
            let doc = store::load(conn, &app.documents.cache, cooperative)?.doc;
            let prefix = format!("visits.{visit_id}");
            let changes = history::changes(&doc);
            let touching: Vec<&history::ChangeSummary> =
                changes.iter().filter(|c| c.touches(&prefix)).collect();
            Ok(VisitHistory {
                visit_id,
                versions: super::describe_changes(conn, &touching, &prefix)?,
            })
        })
        .await?;
    Ok(web::Json(found))
}

use actix_web::{get, web};
use hezuo_mobile_api::reviews::{DiffQuery, FieldChange, VisitDiff};
use hezuo_mobile_api::{ErrorCode, Problem};
use hezuo_sync::history::{self, HistoryError};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::documents::store;
use crate::error::{ApiError, ApiResult};
use crate::review::actions::visible_visit;
use crate::state::AppState;

/// The fields of a visit that differ between two of its versions (from `/visits/{id}/history`; `from` absent: before
/// the visit existed; `to` absent: now), each with its value before and after and the versions that changed it.
#[utoipa::path(tag = "review", params(("id" = Uuid, Path, description = "Visit id"), DiffQuery), responses(
    (status = 200, description = "The differing fields", body = VisitDiff),
    (status = 404, description = "No such visit in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A version the document does not have", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/visits/{id}/diff")]
pub async fn visit_diff(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    query: web::Query<DiffQuery>,
) -> ApiResult<web::Json<VisitDiff>> {
    let visit_id = id.into_inner();
    let query = query.into_inner();
    let unknown = |version: &str| {
        ApiError::new(ErrorCode::VersionUnknown).with_detail(
            format!("没有版本 {version}"),
            format!("no version {version}"),
        )
    };
    let parse = |version: &Option<String>| -> ApiResult<Vec<automerge::ChangeHash>> {
        match version {
            None => Ok(Vec::new()),
            Some(text) => text.parse().map(|h| vec![h]).map_err(|_| unknown(text)),
        }
    };
    let from = parse(&query.from)?;
    let to = parse(&query.to)?;
    let app = state.clone();
    let found = state
        .db
        .run(move |conn| {
            let cooperative_id = visible_visit(conn, &caller, &visit_id.to_string())?;
            let cooperative = cooperative_id.uuid();
            let doc = store::load(conn, &app.documents.cache, cooperative)?.doc;
            let to = if to.is_empty() { doc.get_heads() } else { to };
            let prefix = format!("visits.{visit_id}");
            let fields = history::diff(&doc, &from, &to, &prefix).map_err(|error| match error {
                HistoryError::UnknownVersion(version) => unknown(&version),
                HistoryError::Unreadable(detail) => ApiError::internal(anyhow::anyhow!(detail)),
            })?;
            let changes = history::changes(&doc);
            let mut described = Vec::with_capacity(fields.len());
            for field in fields {
                let by: Vec<&history::ChangeSummary> = changes
                    .iter()
                    .filter(|c| field.changed_by.contains(&c.hash))
                    .collect();
                described.push(FieldChange {
                    changed_by: super::describe_changes(conn, &by, &prefix)?,
                    path: field.path,
                    before: field.before,
                    after: field.after,
                });
            }
            Ok(VisitDiff {
                visit_id,
                from: query.from,
                to: to
                    .iter()
                    .map(|h| h.to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                fields: described,
            })
        })
        .await?;
    Ok(web::Json(found))
}

use actix_web::{post, web};
use diesel::prelude::*;
use hezuo_mobile_api::reviews::{MergeDuplicate, MergeResult};
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{ErrorCode, Problem};
use hezuo_sync::server_edit;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::schema::{
    approved_visits, conflicts, cooperative_profiles, cooperatives, duplicate_candidates,
    evidence_flags, review_events, visit_photos, visit_reviews, visits,
};
use crate::documents::store;
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::any_in_scope;
use crate::models::{audit, now};
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
    let survivor_wanted = crate::validate::optional_json::<MergeDuplicate>(&body)?.survivor;
    let app = state.clone();
    let result = state
        .db
        .run(move |conn| {
            let pair = super::find(conn, &id)?;
            let both = [pair.cooperative_id.clone(), pair.duplicate_of.clone()];
            for cooperative in &both {
                if !any_in_scope(conn, &caller.scope, std::slice::from_ref(cooperative))? {
                    return Err(ApiError::not_found());
                }
            }
            if pair.resolved_at.is_some() {
                return Err(ApiError::new(ErrorCode::DuplicateResolved));
            }
            let survivor = survivor_wanted
                .map(|s| s.to_string())
                .unwrap_or_else(|| pair.duplicate_of.clone());
            let merged = if survivor == pair.duplicate_of {
                pair.cooperative_id.clone()
            } else if survivor == pair.cooperative_id {
                pair.duplicate_of.clone()
            } else {
                return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
                    "survivor",
                    "not_in_pair",
                    "保留的合作社须是这两条之一",
                    "the survivor must be one of the pair",
                ));
            };
            let survivor_id = Uuid::parse_str(&survivor).map_err(ApiError::internal)?;
            let merged_id = Uuid::parse_str(&merged).map_err(ApiError::internal)?;
            let moved = app
                .documents
                .write(conn, survivor_id, &caller.who(), |conn, doc| {
                    if super::find(conn, &id)?.resolved_at.is_some() {
                        return Err(ApiError::new(ErrorCode::DuplicateResolved));
                    }
                    let source = store::load(conn, &app.documents.cache, merged_id)?.doc;
                    let moved = server_edit::carry_over_visits(
                        &source,
                        doc,
                        now().and_utc().timestamp_millis(),
                    )
                    .map_err(ApiError::internal)?;
                    // The visits' review goes with them; the duplicate's projections go away.
                    diesel::update(
                        visit_reviews::table.filter(visit_reviews::cooperative_id.eq(&merged)),
                    )
                    .set(visit_reviews::cooperative_id.eq(&survivor))
                    .execute(conn)?;
                    diesel::update(
                        review_events::table.filter(review_events::cooperative_id.eq(&merged)),
                    )
                    .set(review_events::cooperative_id.eq(&survivor))
                    .execute(conn)?;
                    diesel::update(
                        approved_visits::table.filter(approved_visits::cooperative_id.eq(&merged)),
                    )
                    .set(approved_visits::cooperative_id.eq(&survivor))
                    .execute(conn)?;
                    // The approved visits moved: the survivor's open star applications are scored again too.
                    app.documents
                        .approved_evidence_changed(conn, &[survivor.clone(), merged.clone()])?;
                    diesel::delete(visits::table.filter(visits::cooperative_id.eq(&merged)))
                        .execute(conn)?;
                    diesel::delete(
                        visit_photos::table.filter(visit_photos::cooperative_id.eq(&merged)),
                    )
                    .execute(conn)?;
                    diesel::delete(
                        evidence_flags::table.filter(evidence_flags::cooperative_id.eq(&merged)),
                    )
                    .execute(conn)?;
                    diesel::delete(conflicts::table.filter(conflicts::cooperative_id.eq(&merged)))
                        .execute(conn)?;
                    diesel::delete(cooperative_profiles::table.find(&merged)).execute(conn)?;
                    diesel::update(cooperatives::table.find(&merged))
                        .set(cooperatives::merged_into.eq(Some(&survivor)))
                        .execute(conn)?;
                    diesel::update(duplicate_candidates::table.find(&id))
                        .set((
                            duplicate_candidates::resolved_at.eq(Some(now())),
                            duplicate_candidates::resolved_by.eq(Some(&caller.user.id)),
                            duplicate_candidates::outcome.eq(Some("merged")),
                        ))
                        .execute(conn)?;
                    audit::record(
                        conn,
                        &caller.who(),
                        audit::Entry {
                            action: "cooperative.merge",
                            entity_type: "cooperative",
                            entity_id: &merged,
                        },
                        Some(&pair),
                        Some(
                            &serde_json::json!({ "merged_into": survivor, "visits_moved": moved }),
                        ),
                    )?;
                    Ok(moved)
                })?;
            Ok(MergeResult {
                survivor: survivor_id,
                merged: merged_id,
                visits_moved: moved
                    .iter()
                    .filter_map(|v| Uuid::parse_str(v).ok())
                    .collect(),
            })
        })
        .await?;
    Ok(web::Json(result))
}

use actix_web::{post, web};
use diesel::prelude::*;
use hezuo_mobile_api::reviews::DuplicateCandidate;
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{ErrorCode, Problem};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::schema::duplicate_candidates;
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::any_in_scope;
use crate::models::{audit, now};
use crate::state::AppState;

/// Records that a flagged pair are two different cooperatives after all (e.g. a credit code mistyped on a phone):
/// both stay, and the pair leaves the list. Supervisors whose regions hold both, and admins.
#[utoipa::path(tag = "review", params(("id" = Uuid, Path, description = "Duplicate pair id")), responses(
    (status = 200, description = "Dismissed", body = DuplicateCandidate),
    (status = 403, description = "Only supervisors and admins", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such pair in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Already merged or dismissed", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/duplicates/{id}/dismiss")]
pub async fn dismiss_duplicate(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<DuplicateCandidate>> {
    caller.require_role(&[Role::Admin, Role::Supervisor])?;
    let id = id.into_inner().to_string();
    let dismissed = state
        .db
        .write(move |conn| {
            let before = super::find(conn, &id)?;
            let both = [before.cooperative_id.clone(), before.duplicate_of.clone()];
            for cooperative in &both {
                if !any_in_scope(conn, &caller.scope, std::slice::from_ref(cooperative))? {
                    return Err(ApiError::not_found());
                }
            }
            if before.resolved_at.is_some() {
                return Err(ApiError::new(ErrorCode::DuplicateResolved));
            }
            diesel::update(duplicate_candidates::table.find(&id))
                .set((
                    duplicate_candidates::resolved_at.eq(Some(now())),
                    duplicate_candidates::resolved_by.eq(Some(&caller.user.id)),
                    duplicate_candidates::outcome.eq(Some("dismissed")),
                ))
                .execute(conn)?;
            let after = super::find(conn, &id)?;
            audit::record(
                conn,
                &caller.who(),
                audit::Entry {
                    action: "cooperative.duplicate_dismiss",
                    entity_type: "duplicate",
                    entity_id: &id,
                },
                Some(&before),
                Some(&after),
            )?;
            super::to_api(conn, vec![after])?
                .pop()
                .ok_or_else(ApiError::not_found)
        })
        .await?;
    Ok(web::Json(dismissed))
}

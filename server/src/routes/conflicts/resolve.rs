use actix_web::{post, web};
use diesel::prelude::*;
use hezuo_mobile_api::reviews::{ConflictInfo, ConflictResolution};
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{ErrorCode, Problem};
use hezuo_sync::conflicts;
use hezuo_sync::server_edit::{self, Choice, ResolveError};
use uuid::Uuid;

use super::ConflictRow;
use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::db::schema::conflicts as conflict_rows;
use crate::error::{ApiError, ApiResult};
use crate::models::audit;
use crate::models::cooperatives::any_in_scope;
use crate::models::now;
use crate::state::AppState;

/// Settles a conflicted field: keep one of the values (`candidate`, its position in the list) or enter a new one
/// (`value`, plain fields only). The resolution is a change by the server that every phone receives at its next sync;
/// the conflict is marked resolved with who chose what.
#[utoipa::path(tag = "review", params(("id" = Uuid, Path, description = "Conflict id")), request_body(content = ConflictResolution, examples(
    ("keep a value" = (value = json!({"candidate": 1, "note": "以成员名册为准"}))),
    ("enter a value" = (value = json!({"value": 96, "note": "现场清点为96人"}))),
)), responses(
    (status = 200, description = "The resolved conflict", body = ConflictInfo),
    (status = 403, description = "The caller does not review", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such conflict in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Already resolved", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Neither or both of candidate and value, or a value that does not fit the field", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/conflicts/{id}/resolve")]
pub async fn resolve_conflict(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<ConflictResolution>,
) -> ApiResult<web::Json<ConflictInfo>> {
    let id = id.into_inner().to_string();
    let body = body.into_inner();
    let app = state.clone();
    let resolved = state
        .db
        .run(move |conn| {
            let row = find(conn, &id)?;
            if !any_in_scope(
                conn,
                &caller.scope,
                std::slice::from_ref(&row.cooperative_id),
            )? {
                return Err(ApiError::not_found());
            }
            caller
                .require_role(&[Role::Admin, Role::Supervisor])
                .map_err(|_| ApiError::new(ErrorCode::NotAReviewer))?;
            let chosen = match (&body.candidate, &body.value) {
                (Some(index), None) => {
                    let stored: Vec<serde_json::Value> =
                        serde_json::from_str(&row.candidates).unwrap_or_default();
                    let value =
                        stored
                            .get(*index)
                            .map(|c| c["value"].clone())
                            .ok_or_else(|| {
                                unfit(
                                    format!("没有第{index}个候选值"),
                                    format!("there is no candidate {index}"),
                                )
                            })?;
                    (Some(*index), value)
                }
                (None, Some(value)) => (None, value.clone()),
                _ => {
                    return Err(unfit(
                        "请选择一个候选值（candidate）或填写新值（value），二者选一".to_owned(),
                        "give either candidate or value".to_owned(),
                    ));
                }
            };
            let cooperative = Uuid::parse_str(&row.cooperative_id).map_err(ApiError::internal)?;
            app.documents
                .write(conn, cooperative, &caller.who(), |conn, doc| {
                    let before = find(conn, &id)?;
                    if before.resolved_at.is_some() {
                        return Err(ApiError::new(ErrorCode::ConflictResolved));
                    }
                    let path: Vec<String> = before.path.split('.').map(str::to_owned).collect();
                    let choice = match chosen.0 {
                        // The same value among the field's current values: more may have arrived since the list
                        // was read.
                        Some(index) => {
                            let now_open = conflicts::find(doc)
                                .into_iter()
                                .find(|c| c.path == path)
                                .ok_or_else(|| ApiError::new(ErrorCode::ConflictResolved))?;
                            let matching: Vec<usize> = now_open
                                .candidates
                                .iter()
                                .enumerate()
                                .filter(|(_, c)| c.value == chosen.1)
                                .map(|(i, _)| i)
                                .collect();
                            Choice::Candidate(match matching.as_slice() {
                                [only] => *only,
                                _ => index,
                            })
                        }
                        None => Choice::Value(chosen.1.clone()),
                    };
                    let at = now();
                    server_edit::resolve_conflict(
                        doc,
                        &path,
                        &choice,
                        at.and_utc().timestamp_millis(),
                    )
                    .map_err(|error| match error {
                        ResolveError::NoSuchField(_) => ApiError::new(ErrorCode::ConflictResolved),
                        ResolveError::Edit(e) => ApiError::internal(e),
                        other => unfit(format!("该值不符合字段要求：{other}"), other.to_string()),
                    })?;
                    let resolution = serde_json::json!({
                        "candidate": chosen.0,
                        "value": chosen.1,
                        "note": body.note,
                    });
                    diesel::update(conflict_rows::table.find(&id))
                        .set((
                            conflict_rows::resolved_at.eq(Some(at)),
                            conflict_rows::resolved_by.eq(Some(&caller.user.id)),
                            conflict_rows::resolution.eq(Some(resolution.to_string())),
                        ))
                        .execute(conn)?;
                    let after = find(conn, &id)?;
                    audit::record(
                        conn,
                        &caller.who(),
                        audit::Entry {
                            action: "conflict.resolve",
                            entity_type: "conflict",
                            entity_id: &id,
                        },
                        Some(&before),
                        Some(&after),
                    )?;
                    Ok(after)
                })
                .and_then(|row| {
                    super::to_api(conn, vec![row])?
                        .pop()
                        .ok_or_else(ApiError::not_found)
                })
        })
        .await?;
    Ok(web::Json(resolved))
}

fn find(conn: &mut DbConn, id: &str) -> ApiResult<ConflictRow> {
    conflict_rows::table
        .find(id)
        .select(ConflictRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)
}

fn unfit(zh: String, en: String) -> ApiError {
    ApiError::new(ErrorCode::ConflictValueUnfit).with_detail(zh, en)
}

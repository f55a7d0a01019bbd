use actix_web::{get, web};
use hezuo_mobile_api::reviews::{AuditEntry, AuditQuery};
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{ErrorCode, Page, Problem};

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::pagination;
use crate::state::AppState;

/// The audit log, oldest first (admins only): every state change with who (user and device), when, what, and the
/// state before and after. Filter by actor, action (or a prefix such as `review.`), entity and time.
#[utoipa::path(tag = "audit", params(AuditQuery), responses(
    (status = 200, description = "A page of the audit log", body = Page<AuditEntry>),
    (status = 403, description = "Only admins read the audit log", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<AuditQuery>,
) -> ApiResult<web::Json<Page<AuditEntry>>> {
    caller.require_role(&[Role::Admin])?;
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref())?
        .map(|id| {
            id.parse::<i64>()
                .map_err(|_| ApiError::new(ErrorCode::InvalidCursor))
        })
        .transpose()?;
    let page = state
        .db
        .run(move |conn| {
            let rows = super::load(conn, &query, after, limit + 1)?;
            let (rows, next_cursor) = pagination::cut(rows, limit, |r| r.id.to_string());
            Ok(Page {
                items: rows.into_iter().map(super::AuditRow::into_api).collect(),
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}

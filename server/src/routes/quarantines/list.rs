use actix_web::{get, web};
use hezuo_mobile_api::sync::Quarantine;
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{Page, Problem};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::models::quarantines;
use crate::pagination;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuarantineQuery {
    /// Include released holds (default: only active ones).
    #[serde(default)]
    pub include_released: bool,
    pub device_id: Option<Uuid>,
    pub cooperative_id: Option<Uuid>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// Devices on hold for a document because the server refused their changes: admins see all, supervisors those on
/// cooperatives of their regions (only admins release them).
#[utoipa::path(tag = "sync", params(QuarantineQuery), responses(
    (status = 200, description = "A page of quarantines", body = Page<Quarantine>),
    (status = 403, description = "Counsellors and viewers do not see quarantines", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/quarantines")]
pub async fn list_quarantines(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<QuarantineQuery>,
) -> ApiResult<web::Json<Page<Quarantine>>> {
    caller.require_role(&[Role::Admin, Role::Supervisor])?;
    let scope = caller.scope.paths();
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref())?;
    let page = state
        .db
        .run(move |conn| {
            let mut rows = quarantines::load(
                conn,
                quarantines::Filter {
                    include_released: query.include_released,
                    device_id: query.device_id.map(|d| d.to_string()),
                    cooperative_id: query.cooperative_id.map(|c| c.to_string()),
                    after,
                    limit: Some(limit + 1),
                    scope,
                    ..quarantines::Filter::default()
                },
            )?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next_cursor = more
                .then(|| {
                    rows.last()
                        .map(|q| pagination::encode_cursor(q.id.to_string()))
                })
                .flatten();
            Ok(Page {
                items: rows,
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}

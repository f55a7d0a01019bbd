use actix_web::{get, web};
use diesel::prelude::*;
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::sync::{Manifest, ManifestEntry};
use hezuo_sync::DocumentId;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::id::CooperativeId;
use crate::db::schema::cooperatives;
use crate::error::ApiResult;
use crate::models::cooperatives::under_any;
use crate::models::devices;
use crate::pagination;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ManifestQuery {
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 500).
    pub limit: Option<u32>,
}

/// The cooperative documents this device should hold — everything in its user's regions — page by page, by id.
/// The first page also lists the documents the device was told about before that have left its scope (a region
/// reassigned, a cooperative moved), for the phone to delete.
#[utoipa::path(tag = "sync", params(ManifestQuery), responses(
    (status = 200, description = "A page of the manifest", body = Manifest),
    (status = 403, description = "The session has no registered device", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/sync/manifest")]
pub async fn manifest(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ManifestQuery>,
) -> ApiResult<web::Json<Manifest>> {
    let limit = pagination::page_size(Some(query.limit.unwrap_or(500)))?;
    let after = pagination::decode_cursor(query.cursor.as_deref())?;
    let manifest = state
        .db
        .run(move |conn| {
            let device = super::caller_device(conn, &caller)?;
            // The first page brings the device's record of what it holds up to date; later pages only read on.
            let removed: Vec<Uuid> = match (&after, device.device_id) {
                (None, Some(device)) => {
                    devices::reconcile_documents(conn, device, caller.scope.paths())?
                        .into_iter()
                        .map(Uuid::from)
                        .collect()
                }
                _ => Vec::new(),
            };
            let mut sql = cooperatives::table
                .select((
                    cooperatives::id,
                    cooperatives::name,
                    cooperatives::region_code,
                    cooperatives::uscc,
                ))
                .filter(cooperatives::merged_into.is_null())
                .order(cooperatives::id.asc())
                .limit(limit + 1)
                .into_boxed();
            if let Some(paths) = caller.scope.paths() {
                sql = sql.filter(under_any(&paths));
            }
            if let Some(after) = after {
                sql = sql.filter(cooperatives::id.gt(after));
            }
            let mut rows: Vec<(CooperativeId, String, String, Option<String>)> = sql.load(conn)?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next_cursor = more
                .then(|| rows.last().map(|(id, ..)| pagination::encode_cursor(id)))
                .flatten();
            let items = rows
                .into_iter()
                .map(|(id, name, region_code, uscc)| {
                    let cooperative_id = id.uuid();
                    ManifestEntry {
                        document_id: DocumentId::from_uuid(cooperative_id).to_string(),
                        cooperative_id,
                        name,
                        region_code,
                        uscc,
                    }
                })
                .collect();
            Ok(Manifest {
                items,
                removed,
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(manifest))
}

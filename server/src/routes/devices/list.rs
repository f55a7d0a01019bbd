use actix_web::{get, web};
use diesel::prelude::*;
use hezuo_mobile_api::Page;
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::devices::Device;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::{Authenticated, policy};
use crate::db::schema::{devices, users};
use crate::error::ApiResult;
use crate::models::devices::{self as device_model, DeviceRow};
use crate::pagination;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeviceListQuery {
    /// Only this user's devices.
    pub user_id: Option<Uuid>,
    /// Include revoked devices (default: false).
    #[serde(default)]
    pub include_revoked: bool,
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
}

/// Devices the caller may see: their own; a supervisor's also those of the users they manage; an admin's all.
#[utoipa::path(tag = "devices", params(DeviceListQuery), responses(
    (status = 200, description = "A page of devices", body = Page<Device>),
    (status = 400, description = "Invalid cursor or limit", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/devices")]
pub async fn list_devices(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<DeviceListQuery>,
) -> ApiResult<web::Json<Page<Device>>> {
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref())?;
    let page = state
        .db
        .run(move |conn| {
            let visible_owners = policy::visible_user_ids(conn, &caller)?;
            let mut sql = devices::table
                .inner_join(users::table.on(users::id.eq(devices::user_id)))
                .select((DeviceRow::as_select(), users::username))
                .order(devices::id.asc())
                .limit(limit + 1)
                .into_boxed();
            if let Some(owners) = visible_owners {
                sql = sql.filter(devices::user_id.eq_any(owners));
            }
            if let Some(user_id) = query.user_id {
                sql = sql.filter(devices::user_id.eq(user_id.to_string()));
            }
            if !query.include_revoked {
                sql = sql.filter(devices::revoked_at.is_null());
            }
            if let Some(after) = after {
                sql = sql.filter(devices::id.gt(after));
            }
            let mut rows: Vec<(DeviceRow, String)> = sql.load(conn)?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next_cursor = more
                .then(|| {
                    rows.last()
                        .map(|(row, _)| pagination::encode_cursor(row.id))
                })
                .flatten();
            Ok(Page {
                items: rows
                    .iter()
                    .map(|(row, username)| device_model::to_api(row, username))
                    .collect::<QueryResult<_>>()?,
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}

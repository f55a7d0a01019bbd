use actix_web::{get, web};
use diesel::prelude::*;
use hezuo_mobile_api::users::{Role, User};
use hezuo_mobile_api::{ErrorCode, Page, Problem};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{Authenticated, policy};
use crate::db::schema::{regions, user_regions, users};
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::escape_like;
use crate::models::regions as region_model;
use crate::models::users::{self as user_model, UserRow};
use crate::pagination;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    pub role: Option<Role>,
    /// Users assigned to this region or a region below it.
    #[param(value_type = Option<String>)]
    pub region: Option<String>,
    /// Search in username and display name.
    pub q: Option<String>,
    /// Include disabled accounts (default: false).
    #[serde(default)]
    pub include_inactive: bool,
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<u32>,
}

/// Accounts the caller may see: admins all, supervisors the counsellors and viewers of their regions, others
/// themselves.
#[utoipa::path(tag = "users", params(UserListQuery), responses(
    (status = 200, description = "A page of accounts", body = Page<User>),
    (status = 400, description = "Invalid filter, cursor or limit", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<UserListQuery>,
) -> ApiResult<web::Json<Page<User>>> {
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref())?;
    let region = query
        .region
        .as_deref()
        .map(crate::validate::region_code_param)
        .transpose()?;
    let page = state
        .db
        .run(move |conn| {
            let mut sql = users::table
                .select(UserRow::as_select())
                .order(users::id.asc())
                .limit(limit + 1)
                .into_boxed();
            if let Some(ids) = policy::visible_user_ids(conn, &caller)? {
                sql = sql.filter(users::id.eq_any(ids));
            }
            if let Some(role) = query.role {
                sql = sql.filter(users::role.eq(role.as_str()));
            }
            if let Some(code) = region {
                let region = region_model::find(conn, code.as_str())?
                    .ok_or_else(|| ApiError::new(ErrorCode::RegionUnknown))?;
                let assigned_inside: Vec<String> = user_regions::table
                    .inner_join(regions::table)
                    .filter(regions::path.like(format!("{}%", region.path)))
                    .select(user_regions::user_id)
                    .distinct()
                    .load(conn)?;
                sql = sql.filter(users::id.eq_any(assigned_inside));
            }
            if let Some(text) = query.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                let pattern = format!("%{}%", escape_like(text));
                sql = sql.filter(
                    users::username
                        .like(pattern.to_lowercase())
                        .escape('\\')
                        .or(users::display_name.like(pattern).escape('\\')),
                );
            }
            if !query.include_inactive {
                sql = sql.filter(users::is_active.eq(true));
            }
            if let Some(after) = after {
                sql = sql.filter(users::id.gt(after));
            }
            let mut rows = sql.load(conn)?;
            let more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next_cursor = more
                .then(|| rows.last().map(|row| pagination::encode_cursor(row.id)))
                .flatten();
            let items = user_model::load_api_many(conn, &rows)?;
            Ok(Page { items, next_cursor })
        })
        .await?;
    Ok(web::Json(page))
}

use actix_web::{get, web};
use hezuo_mobile_api::regions::Region;
use hezuo_mobile_api::{Problem, RegionCode};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::models::regions;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionListQuery {
    /// List the children of this region; without it, the top of the tree.
    #[param(value_type = Option<String>, example = "330200")]
    pub parent: Option<String>,
}

/// The children of a region, by code.
#[utoipa::path(tag = "regions", params(RegionListQuery), responses(
    (status = 200, description = "Child regions", body = Vec<Region>),
    (status = 404, description = "Unknown parent", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/regions")]
pub async fn list_regions(
    state: web::Data<AppState>,
    _caller: Authenticated,
    query: web::Query<RegionListQuery>,
) -> ApiResult<web::Json<Vec<Region>>> {
    let parent = query
        .into_inner()
        .parent
        .filter(|p| !p.trim().is_empty())
        .map(|code| crate::validate::region_code_param(&code))
        .transpose()?;
    let list = state
        .db
        .run(move |conn| {
            if let Some(parent) = &parent
                && regions::find(conn, parent.as_str())?.is_none()
            {
                return Err(ApiError::not_found());
            }
            let rows = regions::children(conn, parent.as_ref().map(RegionCode::as_str))?;
            Ok(regions::to_api_many(conn, &rows)?)
        })
        .await?;
    Ok(web::Json(list))
}

use actix_web::{get, web};
use diesel::prelude::*;
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::stars::Campaign;

use crate::auth::Authenticated;
use crate::db::schema::star_campaigns;
use crate::error::ApiResult;
use crate::stars::store::CampaignRow;
use crate::stars::view;
use crate::state::AppState;

/// Every campaign, newest year first, with its applications in the caller's regions counted by status.
#[utoipa::path(tag = "stars", responses(
    (status = 200, description = "The campaigns", body = Vec<Campaign>),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/stars/campaigns")]
pub async fn list_campaigns(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> ApiResult<web::Json<Vec<Campaign>>> {
    let campaigns = state
        .db
        .run(move |conn| {
            let rows: Vec<CampaignRow> = star_campaigns::table
                .order((star_campaigns::year.desc(), star_campaigns::kind.asc()))
                .select(CampaignRow::as_select())
                .load(conn)?;
            let scope = caller.scope.paths();
            rows.into_iter()
                .map(|row| view::campaign(conn, row, scope.as_deref()))
                .collect()
        })
        .await?;
    Ok(web::Json(campaigns))
}

use actix_web::{get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::stars::ScoringModelInfo;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::stars::{store, view};
use crate::state::AppState;

/// The installed scoring models, newest first, with their file. The built-in ones (`built_in`) are this project's
/// proposals for cooperatives (RULES.md §2.4) and 产业农合联 (§2.5): no official weights or cut-offs were found.
#[utoipa::path(tag = "stars", responses(
    (status = 200, description = "The models", body = Vec<ScoringModelInfo>),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/stars/models")]
pub async fn list_scoring_models(
    state: web::Data<AppState>,
    _caller: Authenticated,
) -> ApiResult<web::Json<Vec<ScoringModelInfo>>> {
    let models = state
        .db
        .write(move |conn| {
            Ok(store::models(conn)?
                .iter()
                .map(|(row, model)| view::model(row, model))
                .collect())
        })
        .await?;
    Ok(web::Json(models))
}

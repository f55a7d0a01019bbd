use actix_web::{get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::stars::Application;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::stars::view;
use crate::state::AppState;

/// One application: the score per category and indicator with the fields each read, the bonus after its cap, the
/// gates each star passed or failed, the vetoes that hold and why, the star proposed, the level awaited, the manual
/// scores with their notes, every reviewer's decision, and the inputs (approved visit with its heads, registry facts
/// with their sources). Its `version` goes back with scores and decisions.
#[utoipa::path(tag = "stars", params(("id" = Uuid, Path, description = "Application id")), responses(
    (status = 200, description = "The application", body = Application),
    (status = 404, description = "No such application in the caller's regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/stars/applications/{id}")]
pub async fn show_application(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<Application>> {
    let id = path.into_inner().to_string();
    let application = state
        .db
        .run(move |conn| {
            let (row, campaign) = super::visible_application(conn, &caller, &id)?;
            view::application(conn, row, &campaign)
        })
        .await?;
    Ok(web::Json(application))
}

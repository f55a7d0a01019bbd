use actix_web::{get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::users::Me;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::models::{devices, users};
use crate::state::AppState;

/// The caller's account, regions and the device of the current session.
#[utoipa::path(tag = "auth", responses(
    (status = 200, description = "The caller", body = Me),
    (status = 401, description = "Not logged in", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, caller: Authenticated) -> ApiResult<web::Json<Me>> {
    let me = state
        .db
        .run(move |conn| {
            let device = match caller.device_id {
                Some(id) => match devices::find(conn, id)? {
                    Some(row) => Some(devices::load_api(conn, &row)?),
                    None => None,
                },
                None => None,
            };
            Ok(Me {
                user: users::to_api(&caller.user, &caller.regions)?,
                session_id: caller.session_id.uuid(),
                device,
            })
        })
        .await?;
    Ok(web::Json(me))
}

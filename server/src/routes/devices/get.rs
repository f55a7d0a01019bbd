use actix_web::{HttpRequest, HttpResponse, get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::devices::Device;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::id::DeviceId;
use crate::error::ApiResult;
use crate::models::devices;
use crate::state::AppState;

/// One device: the caller's own, or one of a user they manage.
#[utoipa::path(tag = "devices", params(("id" = Uuid, Path, description = "Device id")), responses(
    (status = 200, description = "The device", body = Device, headers(("ETag" = String))),
    (status = 304, description = "Unchanged since the ETag in If-None-Match"),
    (status = 404, description = "No such device, or not visible to the caller", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/devices/{id}")]
pub async fn get_device(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = DeviceId::from(id.into_inner());
    crate::etag::read_and_respond(&req, &state.db, move |conn| {
        let row = super::visible_device(conn, &caller, id)?;
        Ok(devices::load_api(conn, &row)?)
    })
    .await
}

use actix_web::{HttpRequest, HttpResponse};

use crate::console;
use crate::error::{ApiError, ApiResult};

/// A file of the field app, or its page for the app's own routes (`/field/coop/…`). The page and the service worker
/// are checked on every load, so a new build reaches phones.
pub async fn serve_field_app(req: HttpRequest) -> ApiResult<HttpResponse> {
    let path = req
        .path()
        .strip_prefix(console::FIELD_PREFIX)
        .unwrap_or_default();
    let asset = console::field_asset(path).ok_or_else(ApiError::not_found)?;
    Ok(console::respond(
        asset,
        console::field_content_security_policy(),
    ))
}

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use crate::console;
use crate::error::{ApiError, ApiResult};

/// A file of the field app, or its page for the app's own routes (`/field/coop/…`). The page and the service worker
/// are checked on every load, so a new build reaches phones; the hashed files are kept for good.
pub async fn serve_field_app(req: HttpRequest) -> ApiResult<HttpResponse> {
    let path = req
        .path()
        .strip_prefix(console::FIELD_PREFIX)
        .unwrap_or_default();
    let asset = console::field_asset(path).ok_or_else(ApiError::not_found)?;
    let cache = if asset.immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, asset.content_type))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            console::field_content_security_policy(),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .body(asset.bytes))
}

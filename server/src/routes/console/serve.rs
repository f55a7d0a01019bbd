use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::console;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// A file of the console, or its page for the console's own routes (`/console/reviews?…`).
pub async fn serve_console(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let path = req.path().strip_prefix(console::PREFIX).unwrap_or_default();
    let asset = console::asset(path).ok_or_else(ApiError::not_found)?;
    let cache = if asset.immutable {
        "public, max-age=31536000, immutable"
    } else {
        // The page names the current build's files, so it is checked on every load.
        "no-cache"
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, asset.content_type))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            console::content_security_policy(state.config.map_tile_url.as_deref()),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .body(asset.bytes))
}

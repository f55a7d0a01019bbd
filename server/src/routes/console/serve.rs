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
    let policy = console::content_security_policy(state.config.map_tile_url.as_deref());
    Ok(console::respond(asset, policy))
}

use actix_web::{HttpResponse, get, web};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Prometheus metrics in the text exposition format.
#[utoipa::path(tag = "system", responses((status = 200, description = "Metrics", content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let body = state
        .metrics
        .render(state.documents.usage())
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(body))
}

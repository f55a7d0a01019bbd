use actix_web::{HttpRequest, HttpResponse, get, web};
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Prometheus metrics in the text exposition format. With `metrics_token` configured, only a request carrying it as a
/// bearer token is answered.
#[utoipa::path(tag = "system", responses(
    (status = 200, description = "Metrics in the OpenMetrics text format", content_type = "application/openmetrics-text"),
    (status = 401, description = "`metrics_token` is set and the request does not carry it", body = Problem, content_type = "application/problem+json"),
))]
#[get("/metrics")]
pub async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    if let Some(expected) = &state.config.metrics_token {
        let presented = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
            return Err(ApiError::new(ErrorCode::Unauthenticated));
        }
    }
    let body = state
        .metrics
        .render(state.documents.cache.usage())
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(body))
}

/// Compares without stopping at the first difference, so the time taken tells nothing about the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

//! The one middleware every request passes: request id, access log, metrics, and problem documents rendered in the
//! language the client prefers (Chinese unless it asks for English).

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use hezuo_mobile_api::{ErrorCode, Lang};

use crate::error::ApiError;
use crate::metrics::{RequestLabels, RouteLabels};
use crate::state::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, available to handlers through request extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string())
}

fn is_bare_error(response: &ServiceResponse<BoxBody>) -> bool {
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(hezuo_mobile_api::Problem::CONTENT_TYPE));
    let is_docs = response.request().path().starts_with("/docs");
    (response.status().is_client_error() || response.status().is_server_error())
        && !is_problem
        && !is_docs
}

fn code_for_status(status: u16) -> ErrorCode {
    match status {
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::PayloadTooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::Forbidden,
        429 => ErrorCode::RateLimited,
        503 => ErrorCode::ServiceUnavailable,
        500..=599 => ErrorCode::Internal,
        _ => ErrorCode::BadRequest,
    }
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let lang = Lang::from_accept_language(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let id = request_id(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().to_string();
    let path = req.path().to_owned();

    let mut response = match next.call(req).await {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => return Err(error),
    };

    let api_error = response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>());
    if let Some(api_error) = api_error {
        if api_error.code == ErrorCode::Internal || api_error.code == ErrorCode::ServiceUnavailable
        {
            tracing::error!(request_id = %id, code = %api_error.code, error = %api_error, "request failed");
        }
        let rendered = api_error.render(lang, Some(&path));
        response = response.into_response(rendered);
    } else if is_bare_error(&response) {
        // Errors raised by actix itself (body limits, unknown methods) get the same problem shape as ours.
        let rendered =
            ApiError::new(code_for_status(response.status().as_u16())).render(lang, Some(&path));
        response = response.into_response(rendered);
    }

    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }

    let status = response.status().as_u16();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let elapsed = started.elapsed();
    if let Some(state) = state {
        state
            .metrics
            .http_requests
            .get_or_create(&RequestLabels {
                method: method.clone(),
                route: route.clone(),
                status,
            })
            .inc();
        state
            .metrics
            .http_duration
            .get_or_create(&RouteLabels {
                method: method.clone(),
                route,
            })
            .observe(elapsed.as_secs_f64());
    }
    tracing::info!(
        request_id = %id,
        method = %method,
        path = %path,
        status,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    Ok(response)
}

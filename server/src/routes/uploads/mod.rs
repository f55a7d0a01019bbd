//! The tus 1.0 resumable-upload protocol (core, creation, expiration, checksum with sha256, termination) for photos.
//! Each upload belongs to the device that created it; the photo's SHA-256, named by a visit, travels in
//! `Upload-Metadata` and must match the completed bytes.

pub mod create;
pub mod discover;
pub mod offset;
pub mod resume;
pub mod terminate;

use actix_web::http::header::{CACHE_CONTROL, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use chrono::NaiveDateTime;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::photos::tus;

use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult};
use crate::photos::uploads::{self, UploadRow};

/// Refuses a request that does not speak tus 1.0.0.
pub fn check_version(req: &HttpRequest) -> ApiResult<()> {
    match header(req.headers(), tus::RESUMABLE) {
        Some(tus::VERSION) => Ok(()),
        _ => Err(ApiError::new(ErrorCode::TusVersionUnsupported)),
    }
}

pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// A non-negative integer header, or a problem naming it.
pub fn offset_header(headers: &HeaderMap, name: &'static str) -> ApiResult<i64> {
    header(headers, name)
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| *v >= 0)
        .ok_or_else(|| {
            ApiError::new(ErrorCode::BadRequest).with_detail(
                format!("缺少或无效的 {name} 请求头"),
                format!("missing or invalid {name} header"),
            )
        })
}

/// A response carrying the headers every tus answer has.
pub fn tus_response(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder
        .insert_header((tus::RESUMABLE, tus::VERSION))
        .insert_header((CACHE_CONTROL, "no-store"));
    builder
}

pub fn with_upload_headers(builder: &mut HttpResponseBuilder, upload: &UploadRow) {
    builder
        .insert_header((tus::OFFSET, upload.received.to_string()))
        .insert_header((tus::LENGTH, upload.length.to_string()))
        .insert_header((tus::EXPIRES, http_date(upload.expires_at)));
}

/// RFC 9110 date, as `Upload-Expires` carries it.
pub fn http_date(at: NaiveDateTime) -> String {
    at.and_utc().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The caller's upload, alive; a finished upload's offset is its length.
pub fn load(conn: &mut DbConn, caller: &Authenticated, id: &str) -> ApiResult<UploadRow> {
    let device_id = caller
        .device_id
        .ok_or_else(|| ApiError::new(ErrorCode::DeviceRequired))?;
    let upload = uploads::find_for_device(conn, id, device_id)?.ok_or_else(ApiError::not_found)?;
    if upload.is_expired(crate::models::now()) {
        return Err(ApiError::new(ErrorCode::UploadExpired));
    }
    Ok(upload)
}

pub fn no_content() -> HttpResponseBuilder {
    tus_response(HttpResponse::NoContent())
}

use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Duration;
use diesel::prelude::*;
use hezuo_mobile_api::photos::tus;
use hezuo_mobile_api::{API_PREFIX, ErrorCode, Problem};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::id::CooperativeId;
use crate::db::schema::visit_photos;
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::any_in_scope;
use crate::models::now;
use crate::photos::uploads::{self, UploadRow};
use crate::routes::sync::caller_device;
use crate::state::AppState;

/// tus creation: starts the upload of a photo a visit names. `Upload-Metadata` must carry `sha256` (the hash the
/// visit names, lowercase hex); `filename` and `filetype` are kept. A photo this device uploaded before is complete
/// at once (`Upload-Offset` equals `Upload-Length`); bytes another device uploaded must be sent in full, which proves
/// the device holds them; creating again for an unfinished upload of the same photo from the
/// same device returns that upload with its offset, so a phone that lost the answer resumes instead of starting over.
#[utoipa::path(tag = "uploads", params(
    ("Tus-Resumable" = String, Header, description = "1.0.0"),
    ("Upload-Length" = u64, Header, description = "Size of the photo in bytes"),
    ("Upload-Metadata" = String, Header, description = "`sha256 <base64 of the hex digest>`, optionally `filename`, `filetype`"),
), responses(
    (status = 201, description = "Upload created (or already complete)", headers(("Location" = String), ("Upload-Offset" = u64), ("Upload-Expires" = String))),
    (status = 412, description = "Not tus 1.0.0", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "Larger than Tus-Max-Size", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No visit you can see names this photo", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/uploads")]
pub async fn create_upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
) -> ApiResult<HttpResponse> {
    super::check_version(&req)?;
    if req.headers().contains_key("Upload-Defer-Length") {
        return Err(ApiError::new(ErrorCode::BadRequest)
            .with_detail("不支持延后声明长度", "Upload-Defer-Length is not supported"));
    }
    let length = super::offset_header(req.headers(), tus::LENGTH)?;
    if length as u64 > state.config.photo_max_bytes {
        return Err(ApiError::new(ErrorCode::PayloadTooLarge).with_detail(
            format!("照片不能超过 {} 字节", state.config.photo_max_bytes),
            format!(
                "photos may not exceed {} bytes",
                state.config.photo_max_bytes
            ),
        ));
    }
    let metadata = super::header(req.headers(), tus::METADATA)
        .map(tus::decode_metadata)
        .unwrap_or(Some(Vec::new()))
        .ok_or_else(|| {
            ApiError::new(ErrorCode::BadRequest)
                .with_detail("Upload-Metadata 格式错误", "malformed Upload-Metadata")
        })?;
    let sha256 = metadata
        .iter()
        .find(|(key, _)| key == tus::SHA256_KEY)
        .map(|(_, value)| value.to_ascii_lowercase())
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| {
            ApiError::new(ErrorCode::ValidationFailed).with_field(
                "Upload-Metadata.sha256",
                "required",
                "需要照片的 SHA-256（十六进制）",
                "the photo's SHA-256 (hex) is required",
            )
        })?;
    let metadata_json = serde_json::to_string(
        &metadata
            .into_iter()
            .collect::<std::collections::BTreeMap<String, String>>(),
    )
    .map_err(ApiError::internal)?;
    let expiry = Duration::hours(state.config.upload_expiry_hours as i64);
    let upload = state
        .db
        .write(move |conn| {
            let device = caller_device(conn, &caller)?;
            let device_id = device
                .device_id
                .ok_or_else(|| ApiError::new(ErrorCode::DeviceRequired))?;
            uploads::forget_expired(conn)?;
            let naming: Vec<CooperativeId> = visit_photos::table
                .filter(visit_photos::sha256.eq(&sha256))
                .select(visit_photos::cooperative_id)
                .load(conn)?;
            let expected = any_in_scope(conn, &caller.scope, &naming)?;
            if !expected {
                return Err(ApiError::new(ErrorCode::PhotoNotExpected));
            }
            if let Some(unfinished) = uploads::find_unfinished(conn, device_id, &sha256, length)? {
                return Ok(unfinished);
            }
            let at = now();
            // Complete at once only for bytes this device sent before: naming a hash someone else uploaded does not
            // make its photo this device's.
            let known = uploads::uploaded_by(conn, &sha256, device_id)?;
            let upload = UploadRow {
                id: Uuid::now_v7().to_string(),
                device_id,
                user_id: device.user_id,
                sha256,
                length,
                received: if known { length } else { 0 },
                metadata: metadata_json,
                created_at: at,
                expires_at: at + expiry,
                completed_at: known.then_some(at),
            };
            uploads::insert(conn, &upload)?;
            Ok(upload)
        })
        .await?;
    let mut response = super::tus_response(HttpResponse::Created());
    super::with_upload_headers(&mut response, &upload);
    response.insert_header((LOCATION, format!("{API_PREFIX}/uploads/{}", upload.id)));
    Ok(response.finish())
}

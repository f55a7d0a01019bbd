use actix_web::{HttpRequest, HttpResponse, patch, web};
use base64::Engine;
use futures_util::StreamExt;
use hezuo_mobile_api::photos::tus;
use hezuo_mobile_api::{ErrorCode, Problem};
use sha2::{Digest, Sha256};

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::photos::uploads::{self, UploadRow};
use crate::state::AppState;

/// Bytes gathered before they are committed as one piece. A dropped link loses at most the bytes of the piece in
/// progress that were not yet committed — and those too are committed when the server sees the link drop.
const PIECE_BYTES: usize = 64 * 1024;

/// tus: appends bytes at `Upload-Offset`. The body may stop anywhere (a link that drops): every byte that arrived
/// is kept and `HEAD` tells where to resume. With `Upload-Checksum: sha256 <base64>` the body is kept only if it
/// matches (460 otherwise). When the last byte arrives the photo is checked against its SHA-256, decoded under the
/// limits and stored; the answer comes after that.
#[utoipa::path(tag = "uploads", params(
    ("id" = String, Path, description = "Upload id"),
    ("Tus-Resumable" = String, Header, description = "1.0.0"),
    ("Upload-Offset" = u64, Header, description = "Where these bytes start; must equal the server's offset"),
    ("Upload-Checksum" = Option<String>, Header, description = "`sha256 <base64 digest of this body>`"),
), request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"), responses(
    (status = 204, description = "Stored", headers(("Upload-Offset" = u64))),
    (status = 409, description = "Upload-Offset differs from the server's", body = Problem, content_type = "application/problem+json"),
    (status = 410, description = "The upload expired", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "The photo's dimensions or pixels are over the limit (a decompression bomb)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "The bytes do not hash to the declared SHA-256, or are not a JPEG/PNG", body = Problem, content_type = "application/problem+json"),
    (status = 460, description = "Upload-Checksum mismatch; nothing of this body was kept", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[patch("/uploads/{id}")]
pub async fn resume_upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
    mut body: web::Payload,
) -> ApiResult<HttpResponse> {
    super::check_version(&req)?;
    if super::header(req.headers(), "content-type") != Some(tus::CONTENT_TYPE) {
        return Err(ApiError::new(ErrorCode::UnsupportedMediaType).with_detail(
            format!("需要 Content-Type: {}", tus::CONTENT_TYPE),
            format!("Content-Type must be {}", tus::CONTENT_TYPE),
        ));
    }
    let offset = super::offset_header(req.headers(), tus::OFFSET)?;
    let checksum = super::header(req.headers(), tus::CHECKSUM)
        .map(parse_checksum)
        .transpose()?;
    let id = id.into_inner();
    let mut upload = state
        .db
        .run(move |conn| super::load(conn, &caller, &id))
        .await?;
    if offset != upload.received {
        return Err(ApiError::new(ErrorCode::UploadOffsetMismatch).with_detail(
            format!("服务器已有 {} 字节", upload.received),
            format!("the server has {} bytes", upload.received),
        ));
    }
    if upload.awaits_completion() {
        uploads::complete(&state, upload.clone()).await?;
        return Ok(done(&upload));
    }
    if upload.completed_at.is_some() {
        return Ok(done(&upload));
    }

    let remaining = (upload.length - upload.received) as usize;
    let mut buffer: Vec<u8> = Vec::with_capacity(PIECE_BYTES.min(remaining));
    let mut taken = 0usize;
    let mut failure = None;
    while let Some(chunk) = body.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(error) => {
                tracing::info!(upload = upload.id, received = upload.received, buffered = buffer.len(), %error, "upload body interrupted");
                // The link dropped: keep what arrived (unless a checksum has to vouch for the whole body).
                failure = Some(ApiError::new(ErrorCode::BadRequest).with_detail(
                    "上传中断，已保存收到的部分",
                    format!("upload interrupted ({error}); the bytes received are kept"),
                ));
                break;
            }
        };
        if taken + chunk.len() > remaining {
            failure = Some(ApiError::new(ErrorCode::UploadExceedsLength));
            break;
        }
        taken += chunk.len();
        buffer.extend_from_slice(&chunk);
        if checksum.is_none() && buffer.len() >= PIECE_BYTES {
            upload = store(&state, upload, std::mem::take(&mut buffer)).await?;
        }
    }
    let keep = match (&checksum, &failure) {
        (Some(expected), None) => {
            if Sha256::digest(&buffer)[..] != expected[..] {
                return Err(ApiError::new(ErrorCode::ChecksumMismatch));
            }
            true
        }
        (Some(_), Some(_)) => false,
        (None, Some(error)) => error.code != ErrorCode::UploadExceedsLength,
        (None, None) => true,
    };
    if keep && !buffer.is_empty() {
        upload = store(&state, upload, buffer).await?;
    }
    if let Some(error) = failure {
        return Err(error);
    }
    if upload.awaits_completion() {
        uploads::complete(&state, upload.clone()).await?;
    }
    Ok(done(&upload))
}

/// Commits one piece; the upload with its new offset.
async fn store(
    state: &web::Data<AppState>,
    mut upload: UploadRow,
    piece: Vec<u8>,
) -> ApiResult<UploadRow> {
    let (id, start) = (upload.id.clone(), upload.received);
    let length = piece.len() as i64;
    let appended = state
        .db
        .write(move |conn| Ok(uploads::append(conn, &id, start, &piece)?))
        .await?;
    if !appended {
        // Two requests for the same upload at once; the other one moved the offset.
        return Err(ApiError::new(ErrorCode::UploadOffsetMismatch));
    }
    upload.received += length;
    Ok(upload)
}

fn done(upload: &UploadRow) -> HttpResponse {
    let mut response = super::no_content();
    response
        .insert_header((tus::OFFSET, upload.received.to_string()))
        .insert_header((tus::EXPIRES, super::http_date(upload.expires_at)));
    response.finish()
}

/// `sha256 <base64 digest>`; any other algorithm is refused.
fn parse_checksum(value: &str) -> ApiResult<Vec<u8>> {
    let (algorithm, digest) = value.split_once(' ').unwrap_or((value, ""));
    if !algorithm.eq_ignore_ascii_case("sha256") {
        return Err(ApiError::new(ErrorCode::ChecksumAlgorithmUnsupported));
    }
    base64::engine::general_purpose::STANDARD
        .decode(digest.trim())
        .ok()
        .filter(|d| d.len() == 32)
        .ok_or_else(|| {
            ApiError::new(ErrorCode::BadRequest)
                .with_detail("Upload-Checksum 格式错误", "malformed Upload-Checksum")
        })
}

use actix_web::{HttpRequest, HttpResponse, post, web};
use hezuo_mobile_api::sync::{CBOR, SYNC_PROTOCOL, SyncRequest};
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::Authenticated;
use crate::documents::service;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Most documents one request may carry; a phone with more sends several requests.
const MAX_DOCUMENTS: usize = 5_000;
/// The largest request body, after decompression. A phone's changes since its last acknowledged sync are far
/// smaller (each change is at most `trust::MAX_CHANGE_BYTES`); the app-wide limit for imports does not apply here.
pub const MAX_SYNC_BODY_BYTES: usize = 16 * 1024 * 1024;

/// HTTP batch sync: one CBOR body (gzip or zstd `Content-Encoding` welcome) with, for every document the phone holds,
/// either a digest of its heads or an automerge sync message. The reply carries the server's messages for the
/// documents that differ and a status for each one that needs it; documents in sync are left out. Every change the
/// reply acknowledges is already stored. Replaying a request is harmless.
#[utoipa::path(tag = "sync",
    request_body(content = Vec<u8>, description = "CBOR `SyncRequest` (see mobile-api/src/sync.rs)", content_type = "application/cbor"),
    responses(
        (status = 200, description = "CBOR `SyncResponse`", content_type = "application/cbor"),
        (status = 400, description = "Not CBOR, or an unsupported protocol version", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not logged in, or the device was revoked", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The session has no registered device (`device_required`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Over 16 MiB after decompression, or too many documents (`payload_too_large`)", body = Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
#[post("/sync")]
pub async fn sync_batch(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let body = read_limited(&req, payload, MAX_SYNC_BODY_BYTES).await?;
    let request: SyncRequest = ciborium::from_reader(body.as_slice()).map_err(|e| {
        ApiError::new(ErrorCode::BadRequest).with_detail(
            format!("请求体不是有效的CBOR：{e}"),
            format!("the body is not valid CBOR: {e}"),
        )
    })?;
    if request.protocol != SYNC_PROTOCOL {
        return Err(ApiError::new(ErrorCode::UnsupportedProtocol).with_detail(
            format!(
                "服务器使用同步协议{SYNC_PROTOCOL}，客户端为{}",
                request.protocol
            ),
            format!(
                "the server speaks sync protocol {SYNC_PROTOCOL}, the client {}",
                request.protocol
            ),
        ));
    }
    if request.docs.len() > MAX_DOCUMENTS {
        return Err(ApiError::new(ErrorCode::PayloadTooLarge).with_detail(
            format!("一次最多同步{MAX_DOCUMENTS}个文档"),
            format!("at most {MAX_DOCUMENTS} documents per request"),
        ));
    }
    let shared = state.clone();
    let response = state
        .db
        .run(move |conn| {
            let device = super::caller_device(conn, &caller)?;
            service::handle(conn, &shared.documents, &shared.metrics, &device, request)
        })
        .await?;
    let mut body = Vec::new();
    ciborium::into_writer(&response, &mut body).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().content_type(CBOR).body(body))
}

/// Reads a body, decompressed as its `Content-Encoding` says, refusing it as soon as it grows past `limit`: a large or
/// endlessly expanding body never sits whole in memory.
pub async fn read_limited(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> ApiResult<Vec<u8>> {
    use futures_util::StreamExt;
    let mut payload = actix_web::dev::Decompress::from_headers(payload.into_inner(), req.headers());
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(ErrorCode::BadRequest).with_detail(
                format!("请求体读取失败：{e}"),
                format!("cannot read the body: {e}"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::new(ErrorCode::PayloadTooLarge).with_detail(
                format!(
                    "同步请求过大（上限{} MB），请分批同步",
                    limit / (1024 * 1024)
                ),
                format!(
                    "the sync request is over {} MiB; sync in smaller batches",
                    limit / (1024 * 1024)
                ),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

use actix_web::{HttpRequest, HttpResponse, post, web};
use hezuo_mobile_api::sync::{CBOR, SYNC_PROTOCOL, SyncRequest};
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::Authenticated;
use crate::documents::service;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Most documents one request may carry; a phone with more sends several requests.
const MAX_DOCUMENTS: usize = 5_000;

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
        (status = 413, description = "Over `HEZUO_MAX_SYNC_BYTES` (8 MiB) after decompression, or too many documents (`payload_too_large`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is out of reach, or too many large sync bodies at once (`service_unavailable`, with `Retry-After`)", body = Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
#[post("/sync")]
pub async fn sync_batch(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    // The body's share of the sync memory is held until the reply is built.
    let body = state.sync_intake.read(&req, payload).await?;
    let request: SyncRequest = ciborium::from_reader(body.bytes.as_slice()).map_err(|e| {
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

//! Memory for sync messages in flight. Each HTTP sync body and each WebSocket message holds a share of one budget
//! while it is read and handled, so many large bodies at once wait for each other (or get 503) instead of growing the
//! process without bound; a body over the per-request limit is refused (413) as soon as it passes it.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpRequest, web};
use hezuo_mobile_api::ErrorCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{ApiError, ApiResult};

/// The budget is counted in KiB, so a few GiB fit a semaphore's permits.
const UNIT: usize = 1024;
/// A body waits at most this long for its share of the budget before the server answers 503.
const WAIT_FOR_MEMORY: Duration = Duration::from_secs(10);
const RETRY_AFTER_SECS: u64 = 5;

pub struct SyncIntake {
    budget: Arc<Semaphore>,
    /// The most one body or message may hold.
    limit: usize,
}

/// Bytes read and the budget share they hold; the share returns when this is dropped.
pub struct HeldBytes {
    pub bytes: Vec<u8>,
    _share: Share,
}

/// A share of the budget.
#[derive(Default)]
pub struct Share(Option<OwnedSemaphorePermit>);

impl SyncIntake {
    /// `limit` per body or message, `budget` for all at once (at least one whole body).
    pub fn new(limit: usize, budget: usize) -> Self {
        let units = budget.max(limit).div_ceil(UNIT);
        Self {
            budget: Arc::new(Semaphore::new(
                units.min(Semaphore::MAX_PERMITS).min(u32::MAX as usize),
            )),
            limit,
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Takes `bytes` more of the budget into `share`, waiting a while when it is spent.
    pub async fn grow(&self, share: &mut Share, bytes: usize) -> ApiResult<()> {
        let units = u32::try_from(bytes.div_ceil(UNIT)).unwrap_or(u32::MAX);
        if units == 0 {
            return Ok(());
        }
        let permit = tokio::time::timeout(
            WAIT_FOR_MEMORY,
            self.budget.clone().acquire_many_owned(units),
        )
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| {
            ApiError::new(ErrorCode::ServiceUnavailable)
                .with_detail(
                    "同步请求过多，请稍后重试",
                    "too many sync requests at once; retry shortly",
                )
                .with_retry_after(RETRY_AFTER_SECS)
        })?;
        match &mut share.0 {
            Some(held) => held.merge(permit),
            none => *none = Some(permit),
        }
        Ok(())
    }

    /// Reads a request body, decompressed as its `Content-Encoding` says, holding its share of the budget as it
    /// grows and refusing it as soon as it passes the limit: a large or endlessly expanding body never sits whole in
    /// memory.
    pub async fn read(&self, req: &HttpRequest, payload: web::Payload) -> ApiResult<HeldBytes> {
        use futures_util::StreamExt;
        let encoded = req
            .headers()
            .get(actix_web::http::header::CONTENT_ENCODING)
            .is_some_and(|v| v.as_bytes() != b"identity");
        let declared = req
            .headers()
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if !encoded && declared.is_some_and(|length| length > self.limit) {
            return Err(self.too_large());
        }
        let mut payload =
            actix_web::dev::Decompress::from_headers(payload.into_inner(), req.headers());
        let mut share = Share::default();
        let mut body = Vec::new();
        let mut held = 0;
        if let Some(length) = declared.filter(|_| !encoded) {
            self.grow(&mut share, length).await?;
            body.reserve_exact(length);
            held = length;
        }
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::new(ErrorCode::BadRequest).with_detail(
                    format!("请求体读取失败：{e}"),
                    format!("cannot read the body: {e}"),
                )
            })?;
            let length = body.len() + chunk.len();
            if length > self.limit {
                return Err(self.too_large());
            }
            if length > held {
                // Grow by doubling, as the vector would, but never past the limit.
                let target = (held * 2).max(length).min(self.limit);
                self.grow(&mut share, target - held).await?;
                body.reserve_exact(target - body.len());
                held = target;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HeldBytes {
            bytes: body,
            _share: share,
        })
    }

    fn too_large(&self) -> ApiError {
        let mib = self.limit as f64 / (1024.0 * 1024.0);
        ApiError::new(ErrorCode::PayloadTooLarge).with_detail(
            format!("同步请求过大（上限{mib:.1} MB），请分批同步"),
            format!("the sync request is over {mib:.1} MiB; sync in smaller batches"),
        )
    }
}

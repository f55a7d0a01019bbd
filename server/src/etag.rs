//! Strong ETags for single-resource reads: a digest of the JSON representation, so any visible change yields a new
//! tag and `If-None-Match` lets a phone on a slow link skip the body when nothing changed.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};
use hezuo_mobile_api::ErrorCode;

/// The ETag of a representation, quoted as the header carries it.
pub fn of<T: Serialize>(body: &T) -> ApiResult<String> {
    let bytes = serde_json::to_vec(body).map_err(ApiError::internal)?;
    let digest = Sha256::digest(&bytes);
    Ok(format!("\"{}\"", hex::encode(&digest[..16])))
}

/// The entity tags a conditional header lists, or `None` without the header.
fn listed_tags(req: &HttpRequest, name: header::HeaderName) -> Option<Vec<String>> {
    let values: Vec<&HeaderValue> = req.headers().get_all(name).collect();
    if values.is_empty() {
        return None;
    }
    Some(
        values
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|tag| tag.trim().to_owned())
            .filter(|tag| !tag.is_empty())
            .collect(),
    )
}

fn matches(tags: &[String], tag: &str) -> bool {
    tags.iter().any(|candidate| {
        candidate == "*" || candidate == tag || candidate.strip_prefix("W/") == Some(tag)
    })
}

/// The tags of `If-Match`, read before the request moves into a blocking database closure.
pub fn if_match(req: &HttpRequest) -> Option<Vec<String>> {
    listed_tags(req, header::IF_MATCH)
}

/// A 200 with the body and its ETag, or a bodiless 304 when the client's copy is current.
pub fn respond<T: Serialize>(req: &HttpRequest, body: &T) -> ApiResult<HttpResponse> {
    let tag = of(body)?;
    if listed_tags(req, header::IF_NONE_MATCH).is_some_and(|tags| matches(&tags, &tag)) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .json(body))
}

/// Reads one resource on the blocking pool and answers it as [`respond`] does.
pub async fn read_and_respond<T: Serialize + Send + 'static>(
    req: &HttpRequest,
    db: &crate::db::Db,
    read: impl FnOnce(&mut crate::db::DbConn) -> ApiResult<T> + Send + 'static,
) -> ApiResult<HttpResponse> {
    let body = db.run(read).await?;
    respond(req, &body)
}

/// Refuses a write when the client sent `If-Match` and its tag is no longer current.
pub fn check_if_match<T: Serialize>(if_match: Option<&[String]>, current: &T) -> ApiResult<()> {
    match if_match {
        Some(tags) if !matches(tags, &of(current)?) => {
            Err(ApiError::new(ErrorCode::PreconditionFailed))
        }
        _ => Ok(()),
    }
}

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use actix_web::{HttpRequest, HttpResponse, get, web};
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::Authenticated;
use crate::db::id::CooperativeId;
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::any_in_scope;
use crate::photos::blobs::Variant;
use crate::photos::evidence::uploaded_uses;
use crate::state::AppState;

/// A received photo as JPEG without any metadata (no EXIF, no GPS): `small` (320 px), `large` (1280 px) or `full`,
/// upright. Visible to whoever may see a visit that names it and whose author's device uploaded it. The bytes under a hash never change, so the answer may
/// be cached for good.
#[utoipa::path(tag = "photos", params(
    ("sha256" = String, Path, description = "The photo's SHA-256"),
    ("size" = String, Path, description = "`small`, `large` or `full`"),
), responses(
    (status = 200, description = "The image", content_type = "image/jpeg", headers(("ETag" = String), ("Cache-Control" = String))),
    (status = 304, description = "Unchanged (it never changes)"),
    (status = 404, description = "No such photo, not arrived yet, or not in the caller's regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/photos/{sha256}/{size}")]
pub async fn photo_image(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (sha256, size) = path.into_inner();
    let variant = match size.as_str() {
        "small" => Variant::Small,
        "large" => Variant::Large,
        "full" => Variant::Full,
        _ => {
            return Err(ApiError::new(ErrorCode::InvalidQuery).with_detail(
                "尺寸应为 small、large 或 full",
                "size must be small, large or full",
            ));
        }
    };
    let sha256 = sha256.to_ascii_lowercase();
    let etag = format!("\"{sha256}-{size}\"");
    let lookup = sha256.clone();
    state
        .db
        .run(move |conn| {
            // Only visits whose own author device uploaded the bytes: naming a known hash in one's own visit does
            // not open someone else's photo.
            let naming: Vec<CooperativeId> = uploaded_uses(conn, &[&lookup])?
                .into_iter()
                .map(|(_, _, cooperative)| {
                    crate::models::stored_uuid(&cooperative).map(CooperativeId::from)
                })
                .collect::<diesel::QueryResult<_>>()?;
            let found = any_in_scope(conn, &caller.scope, &naming)?;
            found.then_some(()).ok_or_else(ApiError::not_found)
        })
        .await?;
    let cache = "private, max-age=31536000, immutable";
    let unchanged = req
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if unchanged {
        return Ok(HttpResponse::NotModified()
            .insert_header((ETAG, etag))
            .insert_header((CACHE_CONTROL, cache))
            .finish());
    }
    let bytes = state
        .blobs
        .get(&sha256, variant)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(ApiError::not_found)?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "image/jpeg"))
        .insert_header((ETAG, etag))
        .insert_header((CACHE_CONTROL, cache))
        .body(bytes))
}

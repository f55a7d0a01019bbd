use actix_web::{HttpResponse, options, web};
use hezuo_mobile_api::photos::tus;

use crate::state::AppState;

/// tus discovery: the protocol version, the extensions and the largest upload this server takes. No login needed.
#[utoipa::path(tag = "uploads", responses(
    (status = 204, description = "What this tus server supports", headers(
        ("Tus-Version" = String), ("Tus-Extension" = String), ("Tus-Max-Size" = u64), ("Tus-Checksum-Algorithm" = String),
    )),
    (status = 500, description = "Server failure", body = hezuo_mobile_api::Problem, content_type = "application/problem+json"),
))]
#[options("/uploads")]
pub async fn discover_uploads(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((tus::RESUMABLE, tus::VERSION))
        .insert_header((tus::SUPPORTED_VERSIONS, tus::VERSION))
        .insert_header((tus::EXTENSIONS, tus::SERVER_EXTENSIONS))
        .insert_header((tus::MAX_SIZE, state.config.photo_max_bytes.to_string()))
        .insert_header((tus::CHECKSUM_ALGORITHMS, "sha256"))
        .finish()
}

use actix_web::{HttpResponse, get};

/// Liveness: the process answers HTTP.
#[utoipa::path(tag = "system", responses((status = 200, description = "The process is alive")))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

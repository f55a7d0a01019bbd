use actix_web::{HttpResponse, web};

use crate::openapi::OpenApiJson;

/// The OpenAPI 3.1 document (rendered once at start-up; the docs UI at `/docs/` reads it).
pub async fn openapi_json(document: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(document.0.clone())
}

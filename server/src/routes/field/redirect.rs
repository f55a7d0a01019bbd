use actix_web::HttpResponse;
use actix_web::http::header;

use crate::console;

/// `/field` leads to the app (its service worker's scope ends with the slash).
pub async fn to_field_app() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, console::FIELD_PREFIX))
        .finish()
}

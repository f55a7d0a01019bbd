use actix_web::HttpResponse;
use actix_web::http::header;

use crate::console;

/// `/` and `/console` lead to the console.
pub async fn to_console() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, console::PREFIX))
        .finish()
}

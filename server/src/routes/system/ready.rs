use actix_web::{HttpResponse, get, web};
use diesel::connection::SimpleConnection;

use crate::state::AppState;

/// Readiness: the database answers. A load balancer should route traffic only to ready instances.
#[utoipa::path(tag = "system", responses(
    (status = 200, description = "Ready to serve"),
    (status = 503, description = "The database is unreachable"),
))]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let checked = state
        .db
        .run(|conn| conn.batch_execute("SELECT 1").map_err(Into::into))
        .await;
    match checked {
        Ok(()) => {
            HttpResponse::Ok().json(serde_json::json!({ "status": "ready", "database": "ok" }))
        }
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({ "status": "unavailable", "database": "error" }))
        }
    }
}

use actix_web::{put, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::targets::{EnterValue, MetricValue};

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::validate::Checks;

/// Enters the figure of an entered metric (one hezuo cannot count, such as Dianjiang's service centres) for a region
/// of the caller's and a month, with its source (supervisors and administrators). Entering the month again replaces
/// the figure.
#[utoipa::path(tag = "targets", request_body = EnterValue, responses(
    (status = 200, description = "The stored figure", body = MetricValue),
    (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not a supervisor, or the region is outside the caller's", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not an entered metric, a future month, a negative value, no source or an unknown region", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[put("/targets/values")]
pub async fn enter_value(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<EnterValue>,
) -> ApiResult<web::Json<MetricValue>> {
    caller.require_role(crate::routes::cooperatives::EDITORS)?;
    let value = body.into_inner();
    let mut checks = Checks::new();
    checks.text("source", &value.source, 300);
    checks.optional_text("note", value.note.as_deref(), 500);
    checks.finish()?;
    let stored = state
        .db
        .write(move |conn| crate::targets::values::enter(conn, &caller, &value))
        .await?;
    Ok(web::Json(stored))
}

use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::cleanup::{Classification, DecisionRequest};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::cleanup::decision;
use crate::db::id::CooperativeId;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::validate::Checks;

/// Confirms or overrides a cooperative's current classification, with a reason (supervisors and admins; counsellors
/// never decide). The decision is audited (`cleanup.confirmed` / `cleanup.overridden`, with the classification before
/// and after) and reaches the counsellors' phones through the document's `decisions` map, with the re-visit date when
/// the cooperative is dormant. Send the `classification_id` you looked at: if the cooperative was classified again
/// since, the decision is refused with `classification_stale`.
#[utoipa::path(tag = "cleanup", params(("id" = Uuid, Path, description = "Cooperative id")),
    request_body(content = DecisionRequest, examples(
        ("confirm" = (value = json!({"classification_id": "0193…", "decision": "confirm", "reason": "走访核实，情况属实"}))),
        ("override" = (value = json!({"classification_id": "0193…", "decision": "override", "state": "dormant_recoverable", "reason": "受台风影响停产，理事长愿意恢复经营"}))),
    )), responses(
    (status = 200, description = "The classification with the decision", body = Classification),
    (status = 403, description = "The caller does not decide", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such cooperative in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The cooperative has no classification", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "The cooperative was classified again since", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No reason, an unknown decision or state", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/cooperatives/{id}/cleanup/decision")]
pub async fn decide_cleanup(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<Uuid>,
    body: web::Json<DecisionRequest>,
) -> ApiResult<web::Json<Classification>> {
    super::require_decider(&caller)?;
    let id = CooperativeId::from(path.into_inner());
    let request = body.into_inner();
    let mut checks = Checks::new();
    let reason = checks.text("reason", &request.reason, 1000);
    let decided_state = match (request.decision.as_str(), request.state.as_deref()) {
        ("confirm", _) => None,
        ("override", Some(wanted)) => Some(super::parse_state("state", wanted)?),
        ("override", None) => {
            checks.fail(
                "state",
                "required",
                "改判须给出认定的状态",
                "an override names the state decided",
            );
            None
        }
        _ => {
            checks.fail(
                "decision",
                "invalid",
                "认定应为 confirm（确认）或 override（改判）",
                "decision is confirm or override",
            );
            None
        }
    };
    checks.finish()?;
    let expected = request.classification_id.to_string();
    let app = state.clone();
    let decided = state
        .db
        .run(move |conn| {
            decision::decide(conn, &app, &caller, id, &expected, decided_state, &reason)
        })
        .await?;
    Ok(web::Json(decided))
}

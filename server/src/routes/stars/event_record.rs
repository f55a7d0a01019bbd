use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::stars::{EventRecorded, RecordStarEvent};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::id::CooperativeId;
use crate::error::{ApiError, ApiResult};
use crate::stars::subject::Trigger;
use crate::stars::{phone, revocation};
use crate::state::AppState;
use crate::validate::Checks;

/// Records a revocation trigger against a cooperative (supervisors and admins): 违法违规经营 (`illegal_operation`),
/// 重大安全事故 (`major_safety_accident`) or 信贷信用严重逾期 (`serious_credit_overdue`), with the day, what happened
/// and the document it comes from. A star held is revoked at once: the award stays in the history marked revoked,
/// the registry drops the star, re-application is barred for the model's period (1 year by default), and phones
/// learn it in `decisions.star`. Applications under review are scored again, the trigger now a veto. Audited as
/// `star.revoked` (or `star.event_recorded` when no star was held).
#[utoipa::path(tag = "stars", params(("id" = Uuid, Path, description = "Cooperative id")),
    request_body(content = RecordStarEvent, example = json!({"cause": "major_safety_accident", "occurred_on": "2026-10-08", "description": "冷库氨气泄漏致2人受伤", "source": "县应急管理局事故调查报告"})),
    responses(
    (status = 200, description = "Recorded", body = EventRecorded),
    (status = 403, description = "Counsellors and viewers do not record events", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such cooperative in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An unknown cause, a future day, or no description or source", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/cooperatives/{id}/star-events")]
pub async fn record_star_event(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<Uuid>,
    body: web::Json<RecordStarEvent>,
) -> ApiResult<web::Json<EventRecorded>> {
    super::require_reviewer(&caller)?;
    let id = CooperativeId::from(path.into_inner());
    let request = body.into_inner();
    let mut checks = Checks::new();
    let cause = Trigger::parse(&request.cause);
    if cause.is_none() {
        checks.fail(
            "cause",
            "invalid",
            "事由应为 illegal_operation（违法违规经营）、major_safety_accident（重大安全事故）或 serious_credit_overdue（信贷信用严重逾期）",
            "cause is illegal_operation, major_safety_accident or serious_credit_overdue",
        );
    }
    if request.occurred_on > crate::cleanup::store::today() {
        checks.fail(
            "occurred_on",
            "future",
            "发生日期不能晚于今天",
            "the day is not in the future",
        );
    }
    checks.text("description", &request.description, 2000);
    checks.text("source", &request.source, 500);
    checks.finish()?;
    let cause = cause.ok_or_else(|| ApiError::internal(anyhow::anyhow!("checked above")))?;
    let app = state.clone();
    let recorded = state
        .db
        .run(move |conn| {
            // Checked before the write: the document write needs a cooperative the caller may see.
            crate::auth::policy::visible_cooperative(conn, &caller, id)?;
            let recorded = phone::write_with(conn, &app, &caller, id, |conn| {
                // Read again inside the transaction: the write may be retried, and the star held may have changed.
                let cooperative = crate::auth::policy::visible_cooperative(conn, &caller, id)?;
                revocation::record_event(conn, &caller, &cooperative, cause, &request)
            })?;
            let cooperative = crate::auth::policy::visible_cooperative(conn, &caller, id)?;
            let history = revocation::history(conn, &cooperative)?;
            let event = history
                .events
                .iter()
                .find(|e| e.id.to_string() == recorded.event_id)
                .cloned()
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("recorded event missing")))?;
            Ok(EventRecorded {
                event,
                revoked_star: recorded.revoked.and_then(|s| u8::try_from(s).ok()),
                applications_rescored: recorded.rescored as u64,
                history,
            })
        })
        .await?;
    Ok(web::Json(recorded))
}

use actix_web::{post, web};
use hezuo_mobile_api::reviews::{BulkApproval, BulkApprovalResult, BulkOutcome};
use hezuo_mobile_api::{ErrorCode, Lang, Problem};

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::review::actions::{self, Context, Request};
use crate::review::machine::Action;
use crate::state::AppState;

/// The most visits one bulk approval takes.
const MAX_BULK: usize = 200;

/// Approves many visits at the caller's level, each exactly as if approved alone (its own transaction and audit
/// row); the outcome lists, per visit, the new state or why it was not approved. A retried request approves nothing
/// twice.
#[utoipa::path(tag = "review", request_body(content = BulkApproval, examples(
    ("approve three" = (value = json!({"visit_ids": [
        "0193a0b2-6c1e-7d4a-9b2f-1c2d3e4f5a60",
        "0193a0b2-6c1e-7d4a-9b2f-1c2d3e4f5a61",
        "0193a0b2-6c1e-7d4a-9b2f-1c2d3e4f5a62"
    ]}))),
)), responses(
    (status = 200, description = "The outcome per visit", body = BulkApprovalResult),
    (status = 403, description = "The caller does not review", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No visits, or too many", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/reviews/approve")]
pub async fn bulk_approve(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<BulkApproval>,
) -> ApiResult<web::Json<BulkApprovalResult>> {
    let body = body.into_inner();
    if body.visit_ids.is_empty() || body.visit_ids.len() > MAX_BULK {
        return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
            "visit_ids",
            "out_of_range",
            format!("一次批量通过1到{MAX_BULK}条走访记录"),
            format!("approve 1 to {MAX_BULK} visits at a time"),
        ));
    }
    let app = state.clone();
    let result = state
        .db
        .run(move |conn| {
            let context = Context::new(&app, &caller);
            actions::acting_level(&context, body.level)?;
            let mut outcomes = Vec::with_capacity(body.visit_ids.len());
            let mut approved = 0;
            for visit_id in body.visit_ids {
                let request = Request::Decide(Action::Approve);
                match actions::act(
                    conn,
                    &context,
                    &visit_id.to_string(),
                    &request,
                    body.level,
                    None,
                ) {
                    Ok(row) => {
                        approved += 1;
                        outcomes.push(BulkOutcome {
                            visit_id,
                            state: Some(row.state.as_str().to_owned()),
                            error: None,
                            message: None,
                        });
                    }
                    Err(error) if error.code != ErrorCode::Internal => {
                        let problem = error.to_problem(Lang::Zh, None);
                        outcomes.push(BulkOutcome {
                            visit_id,
                            state: None,
                            error: Some(error.code.as_str().to_owned()),
                            message: Some(problem.detail.unwrap_or(problem.title)),
                        });
                    }
                    Err(error) => return Err(error),
                }
            }
            Ok(BulkApprovalResult { approved, outcomes })
        })
        .await?;
    Ok(web::Json(result))
}

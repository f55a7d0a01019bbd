use actix_web::{HttpResponse, post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::cleanup::{ActionPlan, DisposalCase, OpenCase};
use hezuo_sync::model::RecommendedAction;

use crate::auth::Authenticated;
use crate::cleanup::{cases, disposal};
use crate::db::id::CooperativeId;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::validate::Checks;

/// Opens a disposal case on a cooperative's decided classification (supervisors and admins). Without `actions` the
/// case gets the actions RULES.md §1.4 recommends for the decided state (shell: end the sponsorship, remove 农合联
/// membership, push deregistration; dormant: targeted assistance; non-standard: standardisation; fraud risk: referral
/// for investigation), each `planned` and without dates. A re-visit date on an action reaches the counsellors' phones.
/// Audited as `cleanup.case_opened`.
#[utoipa::path(tag = "cleanup", request_body(content = OpenCase, examples(
    ("recommended" = (value = json!({"cooperative_id": "0193…"}))),
    ("planned" = (value = json!({"cooperative_id": "0193…", "actions": [
        {"action": "targeted_assistance", "revisit_on": "2027-03-01", "note": "协助恢复柑橘销售渠道"}
    ]}))),
)), responses(
    (status = 201, description = "The case", body = DisposalCase),
    (status = 403, description = "The caller does not decide", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such cooperative in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "No decided classification, or a case is open already", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An unknown action or invalid field", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/cleanup/cases")]
pub async fn open_case(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<OpenCase>,
) -> ApiResult<HttpResponse> {
    crate::routes::cleanup::require_decider(&caller)?;
    let request = body.into_inner();
    let mut checks = Checks::new();
    let plans: Option<Vec<(RecommendedAction, ActionPlan)>> = request.actions.map(|plans| {
        plans
            .into_iter()
            .enumerate()
            .filter_map(|(index, plan)| {
                let field = format!("actions[{index}].action");
                match RecommendedAction::parse(&plan.action).filter(|a| cases::is_disposal(*a)) {
                    Some(action) => Some((action, plan)),
                    None => {
                        checks.fail(
                            &field,
                            "invalid",
                            "处置措施应为 standardise、targeted_assistance、end_sponsorship、remove_nhl_membership、push_deregistration 或 refer_for_investigation",
                            "an action is standardise, targeted_assistance, end_sponsorship, remove_nhl_membership, push_deregistration or refer_for_investigation",
                        );
                        None
                    }
                }
            })
            .collect()
    });
    if plans.as_ref().is_some_and(Vec::is_empty) {
        checks.fail(
            "actions",
            "required",
            "至少需要一项处置措施",
            "at least one action",
        );
    }
    let plans = plans.map(|plans| {
        plans
            .into_iter()
            .enumerate()
            .map(|(index, (action, plan))| {
                let note = super::check_text(
                    &mut checks,
                    &format!("actions[{index}].note"),
                    plan.note.as_deref(),
                );
                let referred_to = super::check_text(
                    &mut checks,
                    &format!("actions[{index}].referred_to"),
                    plan.referred_to.as_deref(),
                );
                (
                    action,
                    ActionPlan {
                        note,
                        referred_to,
                        ..plan
                    },
                )
            })
            .collect::<Vec<_>>()
    });
    checks.finish()?;
    let id = CooperativeId::from(request.cooperative_id);
    let app = state.clone();
    let case = state
        .db
        .run(move |conn| disposal::open(conn, &app, &caller, id, plans.as_deref()))
        .await?;
    Ok(HttpResponse::Created().json(case))
}

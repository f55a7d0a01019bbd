use actix_web::{HttpResponse, post, web};
use diesel::prelude::*;
use hezuo_mobile_api::cleanup::{ActionPlan, DisposalCase, OpenCase};
use hezuo_mobile_api::{ErrorCode, Problem};
use hezuo_sync::model::{CoopState, RecommendedAction};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::cleanup::cases::{self, CaseRow};
use crate::cleanup::{engine, phone, store};
use crate::db::schema::{disposal_actions, disposal_cases};
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::models::now;
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
    let id = request.cooperative_id.to_string();
    let app = state.clone();
    let case = state
        .db
        .run(move |conn| {
            crate::routes::cleanup::visible_cooperative(conn, &caller, &id)?;
            let case = phone::write_with(conn, &app, &caller, &id, |conn| {
                let classification = store::current(conn, &id)?
                    .ok_or_else(|| ApiError::new(ErrorCode::ClassificationMissing))?;
                if classification.decision.is_none() {
                    return Err(ApiError::new(ErrorCode::ClassificationUndecided));
                }
                let open: i64 = disposal_cases::table
                    .filter(disposal_cases::cooperative_id.eq(&id))
                    .filter(disposal_cases::status.eq("open"))
                    .count()
                    .get_result(conn)?;
                if open > 0 {
                    return Err(ApiError::new(ErrorCode::CaseAlreadyOpen));
                }
                let decided = CoopState::parse(classification.effective_state())
                    .ok_or_else(|| ApiError::internal(anyhow::anyhow!("stored state unknown")))?;
                let actions: Vec<(RecommendedAction, Option<ActionPlan>)> = match &plans {
                    Some(plans) => plans.iter().map(|(a, p)| (*a, Some(p.clone()))).collect(),
                    None => engine::actions_for(decided)
                        .into_iter()
                        .filter(|a| cases::is_disposal(*a))
                        .map(|a| (a, None))
                        .collect(),
                };
                if actions.is_empty() {
                    return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
                        "actions",
                        "required",
                        "该状态无推荐的处置措施，请指定措施",
                        "the state recommends no disposal; name the actions",
                    ));
                }
                for (index, (_, plan)) in actions.iter().enumerate() {
                    super::check_assignee(
                        conn,
                        &format!("actions[{index}].assignee_user_id"),
                        plan.as_ref().and_then(|p| p.assignee_user_id.as_deref()),
                    )?;
                }
                let case_id = Uuid::now_v7().to_string();
                let at = now();
                diesel::insert_into(disposal_cases::table)
                    .values((
                        disposal_cases::id.eq(&case_id),
                        disposal_cases::cooperative_id.eq(&id),
                        disposal_cases::classification_id.eq(&classification.id),
                        disposal_cases::state.eq(decided.as_str()),
                        disposal_cases::status.eq("open"),
                        disposal_cases::opened_by.eq(&caller.user.id),
                        disposal_cases::opened_at.eq(at),
                    ))
                    .execute(conn)?;
                for (action, plan) in &actions {
                    let plan = plan.as_ref();
                    diesel::insert_into(disposal_actions::table)
                        .values((
                            disposal_actions::id.eq(Uuid::now_v7().to_string()),
                            disposal_actions::case_id.eq(&case_id),
                            disposal_actions::action.eq(action.as_str()),
                            disposal_actions::status.eq("planned"),
                            disposal_actions::assignee_user_id
                                .eq(plan.and_then(|p| p.assignee_user_id.clone())),
                            disposal_actions::due_on
                                .eq(plan.and_then(|p| p.due_on).map(|d| d.to_string())),
                            disposal_actions::revisit_on
                                .eq(plan.and_then(|p| p.revisit_on).map(|d| d.to_string())),
                            disposal_actions::referred_to
                                .eq(plan.and_then(|p| p.referred_to.clone())),
                            disposal_actions::note.eq(plan.and_then(|p| p.note.clone())),
                            disposal_actions::updated_by.eq(&caller.user.id),
                            disposal_actions::updated_at.eq(at),
                        ))
                        .execute(conn)?;
                }
                let row: CaseRow = disposal_cases::table
                    .find(&case_id)
                    .select(CaseRow::as_select())
                    .first(conn)?;
                let case = super::load(conn, row)?;
                audit::record(
                    conn,
                    &caller.who(),
                    Entry {
                        action: "cleanup.case_opened",
                        entity_type: "disposal_case",
                        entity_id: &case_id,
                    },
                    audit::NONE,
                    Some(&case),
                )?;
                Ok(case)
            })?;
            Ok(case)
        })
        .await?;
    Ok(HttpResponse::Created().json(case))
}

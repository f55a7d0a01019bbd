use actix_web::{post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::cleanup::ClassifyReport;
use hezuo_mobile_api::users::Role;

use crate::auth::Authenticated;
use crate::cleanup::store;
use crate::error::ApiResult;
use crate::state::AppState;

/// Re-classifies every cooperative under the active rule set (admins). Approvals re-classify their cooperative at
/// once; this catches what time changes (months without business grow) and is what `hezuo classify` runs from cron.
/// A cooperative whose inputs and outcome are unchanged keeps its classification and any decision on it.
#[utoipa::path(tag = "cleanup", responses(
    (status = 200, description = "What changed", body = ClassifyReport),
    (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/cleanup/classify")]
pub async fn classify_all(
    state: web::Data<AppState>,
    caller: Authenticated,
) -> ApiResult<web::Json<ClassifyReport>> {
    caller.require_role(&[Role::Admin])?;
    let report = state
        .db
        .run(move |conn| {
            let (rules, counts) = store::refresh_all(conn)?;
            Ok(report_of(&rules.version, counts))
        })
        .await?;
    Ok(web::Json(report))
}

pub fn report_of(version: &str, counts: store::Refreshed) -> ClassifyReport {
    ClassifyReport {
        rule_set_version: version.to_owned(),
        cooperatives: counts.cooperatives,
        changed: counts.changed,
        unchanged: counts.unchanged,
    }
}

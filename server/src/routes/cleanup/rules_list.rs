use actix_web::{get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::cleanup::RuleSetVersion;

use crate::auth::Authenticated;
use crate::cleanup::rule_sets;
use crate::cleanup::rules::RuleSet;
use crate::error::{ApiError, ApiResult};
use crate::models::to_utc;
use crate::state::AppState;

/// The clean-up rule-set versions, newest first, with their thresholds; one is active. Until a set is installed the
/// built-in defaults (RULES.md) are the active version. `proposals` names the thresholds that are this project's
/// proposals ([P] in RULES.md), not official rules.
#[utoipa::path(tag = "cleanup", responses(
    (status = 200, description = "The versions", body = Vec<RuleSetVersion>),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/cleanup/rules")]
pub async fn list_rule_sets(
    state: web::Data<AppState>,
    _caller: Authenticated,
) -> ApiResult<web::Json<Vec<RuleSetVersion>>> {
    let versions = state
        .db
        .run(move |conn| {
            let rows = rule_sets::list(conn)?;
            if rows.is_empty() {
                let defaults = RuleSet::default();
                return Ok(vec![RuleSetVersion {
                    version: defaults.version.clone(),
                    active: true,
                    rules: serde_json::to_value(&defaults).unwrap_or_default(),
                    rules_toml: defaults.to_toml(),
                    proposals: proposals(),
                    created_at: to_utc(crate::models::now()),
                    created_by: None,
                }]);
            }
            rows.into_iter()
                .map(|row| {
                    let rules: RuleSet = crate::models::stored_json(&row.rules_json)?;
                    Ok(RuleSetVersion {
                        rules_toml: toml::to_string(&rules).map_err(ApiError::internal)?,
                        rules: crate::models::stored_json(&row.rules_json)?,
                        proposals: proposals(),
                        version: row.version,
                        active: row.active,
                        created_at: to_utc(row.created_at),
                        created_by: row.created_by,
                    })
                })
                .collect::<ApiResult<Vec<_>>>()
        })
        .await?;
    Ok(web::Json(versions))
}

fn proposals() -> Vec<String> {
    RuleSet::PROPOSALS.iter().map(|p| (*p).to_owned()).collect()
}

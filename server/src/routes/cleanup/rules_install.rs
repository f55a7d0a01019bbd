use actix_web::{put, web};
use hezuo_mobile_api::cleanup::ClassifyReport;
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::Authenticated;
use crate::cleanup::rule_sets::{self, Installed};
use crate::cleanup::rules::RuleSet;
use crate::cleanup::store;
use crate::db::write_transaction;
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::state::AppState;

/// Installs a clean-up rule set (admins): the body is the TOML file, giving every rule (`GET /cleanup/rules` shows the
/// active set as such a file). A file that leaves a rule out, an empty one included, is refused and changes nothing;
/// unknown keys are refused. Every cooperative is then re-classified under it; classifications made under earlier versions stay,
/// with the decisions made on them. A version name stored with other thresholds is refused: changed rules need a new
/// version. Installing an earlier version again makes it active again. Audited as `cleanup.rules_installed`.
#[utoipa::path(tag = "cleanup", request_body(content = String, content_type = "application/toml",
    example = json!("version = \"ningbo-2027.1\"\ndormant_watch_months = 12\nshell_months = 24\nfarmer_share_min_pct = 80.0\nmember_sample_min = 3\nmember_sample_unaware_pct = 50.0\nrebate_min_pct = 60.0\ndormant_revisit_months = 6\n")), responses(
    (status = 200, description = "Installed and re-classified", body = ClassifyReport),
    (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The version names other rules", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not a valid rule set: not TOML, a rule missing, an unknown rule or a bad value (`rule_set_invalid`)", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[put("/cleanup/rules")]
pub async fn install_rule_set(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Bytes,
) -> ApiResult<web::Json<ClassifyReport>> {
    caller.require_role(&[Role::Admin])?;
    let text = std::str::from_utf8(&body).map_err(|_| {
        ApiError::new(ErrorCode::RuleSetInvalid)
            .with_detail("规则文件须为 UTF-8", "the file must be UTF-8")
    })?;
    let set = RuleSet::from_toml(text).map_err(|e| {
        ApiError::new(ErrorCode::RuleSetInvalid).with_detail(
            format!("规则集无效：{}", e.zh),
            format!("invalid rule set: {}", e.en),
        )
    })?;
    let report = state
        .db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let installed =
                    rule_sets::install(conn, &set, Some(caller.user.id))?.map_err(|taken| {
                        ApiError::new(ErrorCode::RuleSetVersionTaken).with_detail(
                            format!("版本号“{}”已用于不同的规则", taken.0),
                            format!("version {:?} names different rules", taken.0),
                        )
                    })?;
                if installed != Installed::AlreadyActive {
                    audit::record(
                        conn,
                        &caller.who(),
                        Entry {
                            action: crate::models::audit::Action::CleanupRulesInstalled,
                            entity_type: "rule_set",
                            entity_id: &set.version,
                        },
                        audit::NONE,
                        Some(&set),
                    )?;
                }
                Ok::<_, ApiError>(())
            })?;
            let (rules, counts) = store::refresh_all(conn)?;
            Ok(super::classify::report_of(&rules.version, counts))
        })
        .await?;
    Ok(web::Json(report))
}

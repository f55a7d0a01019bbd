use actix_web::{put, web};
use hezuo_mobile_api::targets::MetricInfo;
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::state::AppState;
use crate::targets::catalogue::{self, Catalogue};

/// Installs a metric catalogue as TOML (administrators; the built-in one is `server/src/targets/catalogue.toml`).
/// Every metric keeps its code, Chinese name, unit, quoted source and measure; a metric that counts the founding of
/// new cooperatives is refused (中农发〔2019〕18号), as is a catalogue that drops a metric some target still uses.
#[utoipa::path(tag = "targets",
    request_body(content = String, description = "The catalogue as TOML", content_type = "application/toml"),
    responses(
        (status = 200, description = "The installed catalogue", body = Vec<MetricInfo>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only administrators install catalogues", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a valid catalogue (`validation_failed`, with the reason)", body = Problem, content_type = "application/problem+json"),
    ), security(("bearer" = [])))]
#[put("/targets/metrics")]
pub async fn install_metrics(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Bytes,
) -> ApiResult<web::Json<Vec<MetricInfo>>> {
    caller.require_role(&[Role::Admin])?;
    let invalid = |reason: String| {
        ApiError::new(ErrorCode::ValidationFailed).with_field(
            "catalogue",
            "invalid",
            format!("指标目录无效：{reason}"),
            format!("the catalogue is invalid: {reason}"),
        )
    };
    let text = String::from_utf8(body.to_vec()).map_err(|_| invalid("不是 UTF-8 文本".into()))?;
    let parsed = Catalogue::from_toml(&text).map_err(invalid)?;
    if parsed.metrics.is_empty() {
        return Err(invalid("没有任何指标".into()));
    }
    let installed = state
        .db
        .write(move |conn| {
            let used = crate::targets::metrics_in_use(conn)?;
            if let Some(dropped) = used.iter().find(|code| parsed.find(code).is_none()) {
                return Err(invalid(format!("已有目标使用指标“{dropped}”，不能删除")));
            }
            catalogue::install(conn, &text)?;
            audit::record(
                conn,
                &caller.who(),
                Entry {
                    action: audit::Action::TargetCatalogueInstalled,
                    entity_type: "target_catalogue",
                    entity_id: &"catalogue",
                },
                audit::NONE,
                Some(&parsed),
            )?;
            Ok(parsed)
        })
        .await?;
    Ok(web::Json(
        installed.metrics.iter().map(catalogue::to_api).collect(),
    ))
}

use actix_web::{HttpResponse, put, web};
use hezuo_mobile_api::stars::ScoringModelInfo;
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::stars::model::ScoringModel;
use crate::stars::{store, view};
use crate::state::AppState;

/// Installs a scoring model (admins): the body is the TOML file (start from the built-in one, `GET /stars/models`).
/// Unknown keys, categories whose indicators do not add up, gates or vetoes that score, and review levels outside
/// `review_levels` are refused with the reason. A version stored with another text is refused: a changed model needs
/// a new version; installing the same file again changes nothing. A campaign names the model it scores with when it
/// opens. Audited as `star.model_installed`.
#[utoipa::path(tag = "stars", request_body(content = String, content_type = "application/toml"), responses(
    (status = 200, description = "Already installed", body = ScoringModelInfo),
    (status = 201, description = "Installed", body = ScoringModelInfo),
    (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The version names another model", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not a valid model", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[put("/stars/models")]
pub async fn install_scoring_model(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    caller.require_role(&[Role::Admin])?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| {
            ApiError::new(ErrorCode::StarModelInvalid)
                .with_detail("模型文件须为 UTF-8", "the file must be UTF-8")
        })?
        .to_owned();
    let model = ScoringModel::from_toml(&text).map_err(|e| {
        ApiError::new(ErrorCode::StarModelInvalid)
            .with_detail(format!("评定模型无效：{e}"), format!("invalid model: {e}"))
    })?;
    let (created, info) = state
        .db
        .write(move |conn| {
            let created = store::install(conn, &model, &text, caller.user.id)?;
            if created {
                audit::record(
                    conn,
                    &caller.who(),
                    Entry {
                        action: crate::models::audit::Action::StarModelInstalled,
                        entity_type: "scoring_model",
                        entity_id: &model.version,
                    },
                    audit::NONE,
                    Some(&model),
                )?;
            }
            let row = store::models(conn)?
                .into_iter()
                .find(|(row, _)| row.version == model.version)
                .ok_or_else(|| ApiError::internal(anyhow::anyhow!("installed model missing")))?;
            Ok((created, view::model(&row.0, &row.1)))
        })
        .await?;
    Ok(if created {
        HttpResponse::Created().json(info)
    } else {
        HttpResponse::Ok().json(info)
    })
}

use actix_web::{HttpResponse, post, web};
use diesel::prelude::*;
use hezuo_mobile_api::stars::{Campaign, OpenCampaign};
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{ErrorCode, Problem};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::db::code::Code;
use crate::db::schema::star_campaigns;
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::stars::store::{self, CampaignRow};
use crate::stars::view;
use crate::state::AppState;

/// Opens the year's star-rating campaign for a kind of organisation (admins), scoring with the named model (the
/// built-in one of the kind when none is named). One campaign per year and kind: opening it again answers the open
/// one (200) when the model agrees, `star_campaign_exists` otherwise. Audited as `star.campaign_opened`.
#[utoipa::path(tag = "stars", request_body(content = OpenCampaign, examples(
        ("cooperatives" = (value = json!({"year": 2026, "kind": "cooperative"}))),
        ("federations" = (value = json!({"year": 2026, "kind": "industry_federation", "model_version": "federation-stars-2026.1", "name": "2026年度产业农合联星级评定"}))),
    )), responses(
    (status = 200, description = "Already open with this model", body = Campaign),
    (status = 201, description = "Opened", body = Campaign),
    (status = 403, description = "Admins only", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "This year's campaign of the kind uses another model", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No such model for the kind, or a year out of range", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/stars/campaigns")]
pub async fn open_campaign(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<OpenCampaign>,
) -> ApiResult<HttpResponse> {
    caller.require_role(&[Role::Admin])?;
    let request = body.into_inner();
    if !(2000..=2100).contains(&request.year) {
        return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
            "year",
            "out_of_range",
            "年度应在2000至2100之间",
            "year is between 2000 and 2100",
        ));
    }
    let (created, campaign) = state
        .db
        .write(move |conn| {
            let version = match &request.model_version {
                Some(version) => version.clone(),
                None => store::built_in()
                    .map_err(ApiError::internal)?
                    .iter()
                    .find(|(model, _)| model.kind == request.kind)
                    .map(|(model, _)| model.version.clone())
                    .ok_or_else(|| ApiError::new(ErrorCode::StarModelUnknown))?,
            };
            let model = store::model(conn, &version)?
                .filter(|model| model.kind == request.kind)
                .ok_or_else(|| ApiError::new(ErrorCode::StarModelUnknown))?;
            let existing = |conn: &mut DbConn| -> QueryResult<Option<CampaignRow>> {
                star_campaigns::table
                    .filter(star_campaigns::year.eq(i64::from(request.year)))
                    .filter(star_campaigns::kind.eq(request.kind.as_str()))
                    .select(CampaignRow::as_select())
                    .first(conn)
                    .optional()
            };
            if let Some(existing) = existing(conn)? {
                if existing.model_version != model.version {
                    return Err(ApiError::new(ErrorCode::StarCampaignExists).with_detail(
                        format!("该年度评定已使用模型 {}", existing.model_version),
                        format!("the campaign uses model {}", existing.model_version),
                    ));
                }
                let scope = caller.scope.paths();
                return Ok((false, view::campaign(conn, existing, scope.as_deref())?));
            }
            let name = request
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{}年度{}星级评定", request.year, request.kind.label_zh()));
            let row = CampaignRow {
                id: Uuid::now_v7().to_string(),
                year: i64::from(request.year),
                kind: Code(request.kind),
                model_version: model.version.clone(),
                name,
                status: "open".to_owned(),
                opened_by: caller.user.id.clone(),
                opened_at: crate::models::now(),
                closed_at: None,
            };
            let inserted = crate::with_backend!(conn, |c| diesel::insert_into(star_campaigns::table)
                .values(&row)
                .on_conflict_do_nothing()
                .execute(c))?;
            if inserted == 0 {
                // Opened twice at once and the other got there first: answer with it, as opening again does.
                let campaign = existing(conn)?.ok_or_else(ApiError::not_found)?;
                let scope = caller.scope.paths();
                return Ok((false, view::campaign(conn, campaign, scope.as_deref())?));
            }
            audit::record(
                conn,
                &caller.who(),
                Entry {
                    action: "star.campaign_opened",
                    entity_type: "star_campaign",
                    entity_id: &row.id,
                },
                audit::NONE,
                Some(&serde_json::json!({
                    "year": row.year, "kind": row.kind, "model_version": row.model_version, "name": row.name,
                })),
            )?;
            Ok((true, view::campaign(conn, row, None)?))
        })
        .await?;
    Ok(if created {
        HttpResponse::Created().json(campaign)
    } else {
        HttpResponse::Ok().json(campaign)
    })
}

use actix_web::{HttpResponse, post, web};
use hezuo_mobile_api::stars::{Campaign, OpenCampaign};
use hezuo_mobile_api::users::Role;
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::stars::campaigns;
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
        .write(move |conn| campaigns::open(conn, &caller, &request))
        .await?;
    Ok(if created {
        HttpResponse::Created().json(campaign)
    } else {
        HttpResponse::Ok().json(campaign)
    })
}

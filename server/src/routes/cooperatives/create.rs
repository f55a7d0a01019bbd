use actix_web::{HttpResponse, post, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::cooperatives::{
    Cooperative, CooperativeSource, CreateCooperativeRequest, Verification,
};

use crate::auth::Authenticated;
use crate::db::code::Code;
use crate::error::ApiResult;
use crate::models::audit::{self, Entry};
use crate::models::cooperatives::{self, CooperativeRow, format_date};
use crate::models::now;
use crate::state::AppState;
use crate::validate::{Checks, check_star_level};

/// Adds a cooperative to the registry (supervisors in their regions, admins anywhere).
#[utoipa::path(tag = "cooperatives", request_body = CreateCooperativeRequest, responses(
    (status = 201, description = "Created", body = Cooperative, headers(("ETag" = String), ("Location" = String))),
    (status = 403, description = "Role may not edit the registry, or the region is outside the caller's (`region_out_of_scope`)", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The credit code is registered already (`uscc_duplicate`)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields or unknown region", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/cooperatives")]
pub async fn create_cooperative(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<CreateCooperativeRequest>,
) -> ApiResult<HttpResponse> {
    caller.require_role(super::EDITORS)?;
    let request = body.into_inner();
    let mut checks = Checks::new();
    let name = checks.text("name", &request.name, 200);
    let legal_representative = checks.optional_text(
        "legal_representative",
        request.legal_representative.as_deref(),
        64,
    );
    let address = checks.optional_text("address", request.address.as_deref(), 300);
    check_star_level(&mut checks, "star_level", request.star_level);
    checks.finish()?;

    let cooperative = state
        .db
        .write(move |conn| {
            let region = super::writable_region(conn, &caller, &request.region_code)?;
            if let Some(uscc) = &request.uscc {
                super::ensure_uscc_free(conn, &caller, uscc, None)?;
            }
            cooperatives::check_location(request.location.as_ref())?;
            let created = now();
            let mut row = CooperativeRow {
                id: crate::db::id::CooperativeId::generate(),
                uscc: request.uscc.as_ref().map(|u| u.as_str().to_owned()),
                name,
                legal_representative,
                registration_date: request.registration_date.map(format_date),
                address,
                region_code: request.region_code.as_str().to_owned(),
                region_path: region.path,
                industry: request.industry.map(|i| i.as_str().to_owned()),
                gxs_relation: Code(request.gxs_relation),
                nhl_county: false,
                nhl_township: false,
                nhl_industry: false,
                star_level: request.star_level.map(i64::from),
                annual_report_filed: request.annual_report_filed,
                on_abnormal_list: request.on_abnormal_list,
                member_count: request.member_count.map(i64::from),
                source: Code(CooperativeSource::Manual),
                version: 1,
                created_at: created,
                updated_at: created,
                verification: Code(Verification::Registered),
                claimed_uscc: None,
                latitude: request.location.map(|l| l.latitude),
                longitude: request.location.map(|l| l.longitude),
                coordinate_system: request
                    .location
                    .map(|l| l.coordinate_system.as_str().to_owned()),
                merged_into: None,
                org_kind: Code(request.org_kind),
                guifan_level: request.guifan_level.map(Code),
                demo_level: request.demo_level.map(Code),
                demo_year: request.demo_year.map(i64::from),
            };
            row.set_nhl_memberships(&request.nhl_memberships);
            cooperatives::insert(conn, &row)?;
            let cooperative = cooperatives::to_api_one(conn, &row)?;
            audit::record(
                conn,
                &caller.who(),
                Entry {
                    action: crate::models::audit::Action::CooperativeCreate,
                    entity_type: "cooperative",
                    entity_id: &row.id,
                },
                audit::NONE,
                Some(&cooperative),
            )?;
            Ok(cooperative)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!(
                "{}/cooperatives/{}",
                hezuo_mobile_api::API_PREFIX,
                cooperative.id
            ),
        ))
        .insert_header((
            actix_web::http::header::ETAG,
            crate::etag::of(&cooperative)?,
        ))
        .json(cooperative))
}

use actix_web::{HttpRequest, HttpResponse, patch, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::cooperatives::{Cooperative, UpdateCooperativeRequest};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::code::Code;
use crate::db::id::CooperativeId;
use crate::error::ApiResult;
use crate::models::audit::{self, Entry};
use crate::models::cooperatives::{self, format_date};
use crate::models::now;
use crate::state::AppState;
use crate::validate::{Checks, check_star_level};

/// Changes registry fields of a cooperative of the caller's regions (supervisors and admins). Fields left out stay;
/// nullable fields sent as `null` are cleared. With `If-Match`, the change applies only if nobody changed the entry
/// since that ETag.
#[utoipa::path(tag = "cooperatives", params(("id" = Uuid, Path, description = "Cooperative id")),
    request_body = UpdateCooperativeRequest, responses(
    (status = 200, description = "The updated cooperative", body = Cooperative, headers(("ETag" = String))),
    (status = 403, description = "Role may not edit, or the new region is outside the caller's", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such cooperative in the caller's regions", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The new credit code belongs to another cooperative", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "Changed since the ETag in If-Match", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[patch("/cooperatives/{id}")]
pub async fn update_cooperative(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<UpdateCooperativeRequest>,
) -> ApiResult<HttpResponse> {
    let if_match = crate::etag::if_match(&req);
    let id = CooperativeId::from(id.into_inner());
    let patch = body.into_inner();
    if let Some(location) = &patch.location {
        crate::models::cooperatives::check_location(location.as_ref())?;
    }
    let mut checks = Checks::new();
    let name = patch.name.as_deref().map(|n| checks.text("name", n, 200));
    let legal_representative = patch
        .legal_representative
        .as_ref()
        .map(|v| checks.optional_text("legal_representative", v.as_deref(), 64));
    let address = patch
        .address
        .as_ref()
        .map(|v| checks.optional_text("address", v.as_deref(), 300));
    check_star_level(&mut checks, "star_level", patch.star_level.flatten());
    checks.finish()?;
    let texts = CheckedTexts {
        name,
        legal_representative,
        address,
    };

    let cooperative = state
        .db
        .write(move |conn| {
            let current = crate::auth::policy::visible_cooperative(conn, &caller, id)?;
            // Visibility first (404), then the role (403): a counsellor learns nothing about foreign entries.
            caller.require_role(super::EDITORS)?;
            let before = cooperatives::to_api_one(conn, &current)?;
            crate::etag::check_if_match(if_match.as_deref(), &before)?;

            let mut row = current.clone();
            if let Some(uscc) = &patch.uscc {
                if let Some(code) = uscc {
                    super::ensure_uscc_free(conn, &caller, code, Some(row.id))?;
                }
                row.uscc = uscc.as_ref().map(|u| u.as_str().to_owned());
            }
            if let Some(code) = &patch.region_code {
                let region = super::writable_region(conn, &caller, code)?;
                row.region_code = code.as_str().to_owned();
                row.region_path = region.path;
            }
            apply_fields(&mut row, &patch, texts.clone());
            if row.same_content(&current) {
                return Ok(before);
            }
            row.version = current.version + 1;
            row.updated_at = now();
            cooperatives::save(conn, &row)?;
            let after = cooperatives::to_api_one(conn, &row)?;
            audit::record(
                conn,
                &caller.who(),
                Entry {
                    action: crate::models::audit::Action::CooperativeUpdate,
                    entity_type: "cooperative",
                    entity_id: &row.id,
                },
                Some(&before),
                Some(&after),
            )?;
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::ETAG,
            crate::etag::of(&cooperative)?,
        ))
        .json(cooperative))
}

/// The patch's text fields, checked.
#[derive(Clone)]
struct CheckedTexts {
    name: Option<String>,
    legal_representative: Option<Option<String>>,
    address: Option<Option<String>>,
}

/// Takes the patch's fields that need no lookup into the row; fields not given stay.
fn apply_fields(
    row: &mut crate::models::cooperatives::CooperativeRow,
    patch: &UpdateCooperativeRequest,
    texts: CheckedTexts,
) {
    if let Some(name) = texts.name {
        row.name = name;
    }
    if let Some(value) = texts.legal_representative {
        row.legal_representative = value;
    }
    if let Some(date) = patch.registration_date {
        row.registration_date = date.map(format_date);
    }
    if let Some(value) = texts.address {
        row.address = value;
    }
    if let Some(industry) = patch.industry {
        row.industry = industry.map(|i| i.as_str().to_owned());
    }
    if let Some(relation) = patch.gxs_relation {
        row.gxs_relation = Code(relation);
    }
    if let Some(levels) = &patch.nhl_memberships {
        row.set_nhl_memberships(levels);
    }
    if let Some(star) = patch.star_level {
        row.star_level = star.map(i64::from);
    }
    if let Some(filed) = patch.annual_report_filed {
        row.annual_report_filed = filed;
    }
    if let Some(abnormal) = patch.on_abnormal_list {
        row.on_abnormal_list = abnormal;
    }
    if let Some(members) = patch.member_count {
        row.member_count = members.map(i64::from);
    }
    if let Some(location) = patch.location {
        row.set_registered_location(location);
    }
    if let Some(level) = patch.guifan_level {
        row.guifan_level = level.map(Code);
    }
    if let Some(level) = patch.demo_level {
        row.demo_level = level.map(Code);
    }
    if let Some(year) = patch.demo_year {
        row.demo_year = year.map(i64::from);
    }
}

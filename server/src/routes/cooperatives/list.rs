use actix_web::{get, web};
use hezuo_mobile_api::cooperatives::{Cooperative, CooperativeFilter};
use hezuo_mobile_api::{ErrorCode, Page, Problem};

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::{self, ListQuery};
use crate::models::regions;
use crate::pagination;
use crate::state::AppState;
use crate::validate::{Checks, check_star_level};

/// Lists and searches the cooperatives of the caller's regions, by creation order.
///
/// A `region` filter narrows the caller's regions to that subtree; one that does not overlap them at all is refused
/// with `region_out_of_scope` rather than silently answering with nothing.
#[utoipa::path(tag = "cooperatives", params(CooperativeFilter), responses(
    (status = 200, description = "A page of cooperatives", body = Page<Cooperative>),
    (status = 400, description = "Invalid filter, cursor or limit", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "The region filter lies outside the caller's regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/cooperatives")]
pub async fn list_cooperatives(
    state: web::Data<AppState>,
    caller: Authenticated,
    filter: web::Query<CooperativeFilter>,
) -> ApiResult<web::Json<Page<Cooperative>>> {
    let filter = filter.into_inner();
    let limit = pagination::page_size(filter.limit)?;
    let after = pagination::decode_cursor(filter.cursor.as_deref())?;
    let mut checks = Checks::new();
    check_star_level(&mut checks, "star_level", filter.star_level);
    check_star_level(&mut checks, "star_min", filter.star_min);
    checks.finish().map_err(|mut e| {
        e.code = ErrorCode::InvalidQuery;
        e
    })?;
    let region = filter
        .region
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .map(crate::validate::region_code_param)
        .transpose()?;

    let page = state
        .db
        .run(move |conn| {
            let within_path = match region {
                Some(code) => {
                    let row = regions::find(conn, code.as_str())?
                        .ok_or_else(|| ApiError::new(ErrorCode::RegionUnknown))?;
                    if !caller.scope.overlaps(&row.path) {
                        return Err(ApiError::new(ErrorCode::RegionOutOfScope));
                    }
                    Some(row.path)
                }
                None => None,
            };
            let query = ListQuery {
                scope_paths: caller.scope.paths(),
                within_path,
                industry: filter.industry,
                gxs_relation: filter.gxs_relation,
                nhl_member: filter.nhl_member,
                nhl_level: filter.nhl_level,
                star_level: filter.star_level.map(i64::from),
                star_min: filter.star_min.map(i64::from),
                annual_report_filed: filter.annual_report_filed,
                on_abnormal_list: filter.on_abnormal_list,
                verification: filter.verification,
                text: filter
                    .q
                    .map(|q| q.trim().to_owned())
                    .filter(|q| !q.is_empty()),
                after_id: after,
                limit,
            };
            let (rows, more) = cooperatives::list(conn, query)?;
            let next_cursor = more
                .then(|| rows.last().map(|row| pagination::encode_cursor(row.id)))
                .flatten();
            Ok(Page {
                items: cooperatives::to_api_many(conn, &rows)?,
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}

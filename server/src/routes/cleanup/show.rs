use actix_web::{get, web};
use diesel::prelude::*;
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::cleanup::CleanupRecord;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::cleanup::cases::{self, CaseRow};
use crate::cleanup::store::{self, ClassificationRow};
use crate::cleanup::view;
use crate::db::id::CooperativeId;
use crate::db::schema::{classifications, disposal_cases};
use crate::error::ApiResult;
use crate::state::AppState;

/// A cooperative's clean-up record: the current classification with the evidence behind every flag and gap (which
/// approved visit, which field, which photos, which registry fact or complaint, from which source and date), the
/// recommended actions, the person's decision, the earlier classifications on the rule-set versions they used, and the
/// disposal cases.
#[utoipa::path(tag = "cleanup", params(("id" = Uuid, Path, description = "Cooperative id")), responses(
    (status = 200, description = "The clean-up record", body = CleanupRecord),
    (status = 404, description = "No such cooperative in the caller's regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/cooperatives/{id}/cleanup")]
pub async fn show_cleanup(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<Uuid>,
) -> ApiResult<web::Json<CleanupRecord>> {
    let cooperative_id = path.into_inner();
    let id = CooperativeId::from(cooperative_id);
    let record = state
        .db
        .run(move |conn| {
            let cooperative = crate::auth::policy::visible_cooperative(conn, &caller, id)?;
            let rows: Vec<ClassificationRow> = classifications::table
                .filter(classifications::cooperative_id.eq(&id))
                .order(classifications::classified_at.desc())
                .then_order_by(classifications::id.desc())
                .select(ClassificationRow::as_select())
                .load(conn)?;
            let deciders: Vec<String> = rows.iter().filter_map(|r| r.decided_by.clone()).collect();
            let names = crate::review::names_of(conn, &deciders)?;
            let (current, history): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.current);
            let case_rows: Vec<CaseRow> = disposal_cases::table
                .filter(disposal_cases::cooperative_id.eq(&id))
                .order(disposal_cases::opened_at.desc())
                .select(CaseRow::as_select())
                .load(conn)?;
            Ok(CleanupRecord {
                cooperative_id,
                cooperative_name: cooperative.name,
                current: current
                    .into_iter()
                    .next()
                    .map(|row| view::classification(row, &names))
                    .transpose()?,
                history: history
                    .into_iter()
                    .map(|row| view::classification(row, &names))
                    .collect::<diesel::QueryResult<_>>()?,
                cases: cases::with_actions(conn, case_rows, store::today())?,
            })
        })
        .await?;
    Ok(web::Json(record))
}

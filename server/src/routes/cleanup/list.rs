use std::collections::HashMap;

use actix_web::{get, web};
use diesel::prelude::*;
use hezuo_mobile_api::cleanup::{CleanupItem, CleanupQuery};
use hezuo_mobile_api::{ErrorCode, Page, Problem};

use crate::auth::Authenticated;
use crate::cleanup::status::CaseStatus;
use crate::cleanup::store::ClassificationRow;
use crate::db::DbConn;
use crate::db::schema::{classifications, cooperatives, disposal_cases};
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::cooperative_in_scope;
use crate::models::to_utc;
use crate::pagination;
use crate::state::AppState;

/// The clean-up view of the caller's regions: every classified cooperative with its state (the decided one when a
/// person decided), the S1–S6 flags raised, the recommended actions and the engine's explanation, by cooperative id.
/// Filter by region, state, flag and whether a person decided. A cooperative's evidence is at
/// `GET /cooperatives/{id}/cleanup`.
#[utoipa::path(tag = "cleanup", params(CleanupQuery), responses(
    (status = 200, description = "A page of classified cooperatives", body = Page<CleanupItem>),
    (status = 400, description = "An unknown state or flag", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An unknown region", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/cleanup/cooperatives")]
pub async fn list_cleanup(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<CleanupQuery>,
) -> ApiResult<web::Json<Page<CleanupItem>>> {
    let query = query.into_inner();
    let limit = pagination::page_size(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref())?;
    if let Some(wanted) = &query.state
        && hezuo_sync::model::CoopState::parse(wanted).is_none()
    {
        return Err(ApiError::new(ErrorCode::InvalidQuery).with_field(
            "state",
            "invalid",
            "状态应为 active_standard、active_nonstandard、dormant_recoverable、shell 或 fraud_risk",
            "state is active_standard, active_nonstandard, dormant_recoverable, shell or fraud_risk",
        ));
    }
    if let Some(flag) = &query.flag
        && hezuo_sync::model::ShellFlag::parse(flag).is_none()
    {
        return Err(ApiError::new(ErrorCode::InvalidQuery).with_field(
            "flag",
            "invalid",
            "标记应为 s1 至 s6",
            "flag is s1 to s6",
        ));
    }
    let page = state
        .db
        .run(move |conn| {
            let region = super::region_path(conn, query.region.as_deref())?;
            let rows = select(conn, &caller, region, &query, after, limit + 1)?;
            let (rows, next_cursor) = pagination::cut(rows, limit, |r| r.cooperative_id.clone());
            Ok(Page {
                items: items(conn, rows)?,
                next_cursor,
            })
        })
        .await?;
    Ok(web::Json(page))
}

/// Current classifications matching the query, by cooperative id.
pub fn select(
    conn: &mut DbConn,
    caller: &Authenticated,
    region_path: Option<String>,
    query: &CleanupQuery,
    after: Option<String>,
    limit: i64,
) -> ApiResult<Vec<ClassificationRow>> {
    let mut sql = classifications::table
        .filter(classifications::current.eq(true))
        .select(ClassificationRow::as_select())
        .order(classifications::cooperative_id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(paths) = caller.scope.paths() {
        sql = sql.filter(cooperative_in_scope("cooperative_id", &paths));
    }
    if let Some(path) = region_path {
        sql = sql.filter(cooperative_in_scope("cooperative_id", &[path]));
    }
    if let Some(wanted) = query.state.clone() {
        sql = sql.filter(
            classifications::decided_state
                .eq(wanted.clone())
                .or(classifications::decided_state
                    .is_null()
                    .and(classifications::state.eq(wanted))),
        );
    }
    if let Some(flag) = &query.flag {
        // Codes are s1…s6: no code is a prefix of another.
        sql = sql.filter(classifications::flags.like(format!("%{flag}%")));
    }
    match query.decided {
        Some(true) => sql = sql.filter(classifications::decision.is_not_null()),
        Some(false) => sql = sql.filter(classifications::decision.is_null()),
        None => {}
    }
    if let Some(after) = after {
        sql = sql.filter(classifications::cooperative_id.gt(after));
    }
    Ok(sql.load(conn)?)
}

/// Rows as the view shows them, with names, regions and open cases.
pub fn items(conn: &mut DbConn, rows: Vec<ClassificationRow>) -> ApiResult<Vec<CleanupItem>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.cooperative_id.as_str()).collect();
    let registry: HashMap<String, (String, Option<String>, String)> = cooperatives::table
        .filter(cooperatives::id.eq_any(&ids))
        .select((
            cooperatives::id,
            cooperatives::name,
            cooperatives::uscc,
            cooperatives::region_code,
        ))
        .load::<(String, String, Option<String>, String)>(conn)?
        .into_iter()
        .map(|(id, name, uscc, region)| (id, (name, uscc, region)))
        .collect();
    let open_cases: HashMap<String, String> = disposal_cases::table
        .filter(disposal_cases::cooperative_id.eq_any(&ids))
        .filter(disposal_cases::status.eq(CaseStatus::Open.as_str()))
        .select((disposal_cases::cooperative_id, disposal_cases::id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    rows.into_iter()
        .map(|row| {
            let (name, uscc, region) = registry
                .get(&row.cooperative_id)
                .cloned()
                .unwrap_or_default();
            Ok(CleanupItem {
                cooperative_id: crate::models::stored_uuid(&row.cooperative_id)?,
                cooperative_name: name,
                uscc,
                region_code: region,
                classification_id: crate::models::stored_uuid(&row.id)?,
                effective_state: row.effective_state().as_str().to_owned(),
                flags: row.flag_codes(),
                actions: row.actions()?,
                open_case_id: open_cases
                    .get(&row.cooperative_id)
                    .and_then(|id| id.parse().ok()),
                revisit_due: row
                    .revisit_due
                    .as_deref()
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
                classified_at: to_utc(row.classified_at),
                state: row.state.as_str().to_owned(),
                explanation_zh: row.explanation_zh,
                rule_set_version: row.rule_set_version,
                decision: row.decision,
            })
        })
        .collect()
}

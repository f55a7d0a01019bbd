use std::collections::{BTreeMap, HashMap};

use actix_web::{get, web};
use diesel::prelude::*;
use hezuo_mobile_api::reviews::{ApprovalTree, RegionApproval};
use hezuo_mobile_api::{ErrorCode, Problem, RegionLevel};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{Authenticated, Scope};
use crate::db::code::Code;
use crate::db::schema::{cooperatives, visit_reviews};
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::cooperative_in_scope;
use crate::models::regions::{self, RegionRow};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApprovalTreeQuery {
    /// Show the regions below this one; without it, the caller's own regions (the top of the tree for admins).
    pub parent: Option<String>,
}

/// Approval status by region (DHIS2's approval tree): for each region below `parent`, how many visits wait for the
/// caller's level, are still with a level below, were approved by the caller's level and wait above, are approved,
/// returned or rejected, and how many pending visits wait for each level.
#[utoipa::path(tag = "review", params(ApprovalTreeQuery), responses(
    (status = 200, description = "The regions and their counts", body = ApprovalTree),
    (status = 404, description = "No such region in the caller's regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/reviews/regions")]
pub async fn approval_tree(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ApprovalTreeQuery>,
) -> ApiResult<web::Json<ApprovalTree>> {
    let parent = query.into_inner().parent.filter(|p| !p.is_empty());
    let my_level = state.review_levels.of(&caller);
    let order: HashMap<RegionLevel, usize> = state
        .review_levels
        .all()
        .iter()
        .enumerate()
        .map(|(i, level)| (*level, i))
        .collect();
    let tree = state
        .db
        .run(move |conn| {
            let rows = match &parent {
                Some(code) => {
                    let region = regions::find(conn, code)?
                        .filter(|r| caller.scope.overlaps(&r.path))
                        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
                    regions::children(conn, Some(&region.code))?
                        .into_iter()
                        .filter(|child| caller.scope.overlaps(&child.path))
                        .collect()
                }
                None => own_regions(conn, &caller.scope)?,
            };
            let codes: Vec<String> = rows.iter().map(|r| r.code.clone()).collect();
            let child_counts = regions::count_children(conn, &codes)?;
            let paths: Vec<String> = rows.iter().map(|r| r.path.clone()).collect();
            let mut reviews = visit_reviews::table
                .filter(cooperative_in_scope("cooperative_id", &paths))
                .select((
                    visit_reviews::cooperative_id,
                    visit_reviews::state,
                    visit_reviews::awaiting_level,
                ))
                .into_boxed();
            if let Some(scope) = caller.scope.paths() {
                reviews = reviews.filter(cooperative_in_scope("cooperative_id", &scope));
            }
            let reviews: Vec<(String, String, Option<Code<RegionLevel>>)> = reviews.load(conn)?;
            let cooperative_paths: HashMap<String, String> = cooperatives::table
                .filter(cooperative_in_scope("id", &paths))
                .select((cooperatives::id, cooperatives::region_path))
                .load::<(String, String)>(conn)?
                .into_iter()
                .collect();

            let mine = my_level.and_then(|l| order.get(&l).copied());
            let mut out: Vec<RegionApproval> = rows
                .iter()
                .map(|row| RegionApproval {
                    code: row.code.clone(),
                    name: row.name.clone(),
                    level: *row.level,
                    has_children: child_counts.get(&row.code).copied().unwrap_or(0) > 0,
                    ready_for_me: 0,
                    waiting_below: 0,
                    waiting_above: 0,
                    approved: 0,
                    returned: 0,
                    rejected: 0,
                    pending_by_level: BTreeMap::new(),
                })
                .collect();
            for (cooperative, review_state, awaiting) in reviews {
                let Some(path) = cooperative_paths.get(&cooperative) else {
                    continue;
                };
                if let Some(index) = rows.iter().position(|r| path.starts_with(&r.path)) {
                    count(&mut out[index], &review_state, awaiting, mine, &order);
                }
            }
            Ok(ApprovalTree {
                my_level,
                parent,
                regions: out,
            })
        })
        .await?;
    Ok(web::Json(tree))
}

/// The caller's assigned regions, or the top of the tree for an unrestricted scope.
fn own_regions(conn: &mut crate::db::DbConn, scope: &Scope) -> ApiResult<Vec<RegionRow>> {
    match scope {
        Scope::All => Ok(regions::children(conn, None)?),
        Scope::Subtrees(roots) => {
            let mut rows = Vec::new();
            for root in roots {
                if let Some(row) = regions::find(conn, &root.code)? {
                    rows.push(row);
                }
            }
            Ok(rows)
        }
    }
}

/// Counts one visit's review in its region: by final state, or, while pending, by the level it awaits and where that
/// level stands against the caller's (`mine`, an index into the configured `order`).
fn count(
    entry: &mut RegionApproval,
    review_state: &str,
    awaiting: Option<Code<RegionLevel>>,
    mine: Option<usize>,
    order: &HashMap<RegionLevel, usize>,
) {
    match review_state {
        "approved" => entry.approved += 1,
        "returned" => entry.returned += 1,
        "rejected" => entry.rejected += 1,
        _ => {
            let level = awaiting.map(|level| *level);
            if let Some(level) = level {
                *entry
                    .pending_by_level
                    .entry(level.as_str().to_owned())
                    .or_insert(0) += 1;
            }
            match (mine, level.and_then(|l| order.get(&l).copied())) {
                (Some(mine), Some(at)) if at == mine => entry.ready_for_me += 1,
                (Some(mine), Some(at)) if at < mine => entry.waiting_below += 1,
                (Some(_), Some(_)) => entry.waiting_above += 1,
                _ => {}
            }
        }
    }
}

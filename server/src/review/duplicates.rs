//! Cooperatives entered twice (the same credit code created offline by two phones): the pairs, dismissing a pair that
//! is two cooperatives after all, and merging a duplicate into its survivor.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::reviews::{DuplicateCandidate, MergeResult};
use hezuo_sync::server_edit;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::db::id::{CooperativeId, UserId};
use crate::db::schema::{
    approved_visits, conflicts, cooperative_profiles, cooperatives, duplicate_candidates,
    evidence_flags, review_events, visit_photos, visit_reviews, visits,
};
use crate::documents::{Documents, store};
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::any_in_scope;
use crate::models::{audit, now, stored_uuid, to_utc};

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = duplicate_candidates)]
pub struct DuplicateRow {
    pub id: String,
    pub uscc: String,
    pub cooperative_id: CooperativeId,
    pub duplicate_of: CooperativeId,
    pub detected_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<UserId>,
    pub outcome: Option<String>,
}

pub fn find(conn: &mut DbConn, id: &str) -> crate::error::ApiResult<DuplicateRow> {
    duplicate_candidates::table
        .find(id)
        .select(DuplicateRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(crate::error::ApiError::not_found)
}

pub fn to_api(conn: &mut DbConn, rows: Vec<DuplicateRow>) -> QueryResult<Vec<DuplicateCandidate>> {
    let ids: Vec<CooperativeId> = rows
        .iter()
        .flat_map(|r| [r.cooperative_id, r.duplicate_of])
        .collect();
    let names: std::collections::HashMap<CooperativeId, String> = cooperatives::table
        .filter(cooperatives::id.eq_any(&ids))
        .select((cooperatives::id, cooperatives::name))
        .load(conn)?
        .into_iter()
        .collect();
    let name = |id: &CooperativeId| names.get(id).cloned().unwrap_or_default();
    rows.into_iter()
        .map(|row| {
            Ok(DuplicateCandidate {
                id: stored_uuid(&row.id)?,
                cooperative_name: name(&row.cooperative_id),
                duplicate_of_name: name(&row.duplicate_of),
                cooperative_id: row.cooperative_id.uuid(),
                duplicate_of: row.duplicate_of.uuid(),
                uscc: row.uscc,
                detected_at: to_utc(row.detected_at),
                resolved_at: row.resolved_at.map(to_utc),
                outcome: row.outcome,
            })
        })
        .collect()
}

/// An unresolved pair whose two cooperatives both lie in the caller's regions; 404 otherwise (as if it did not
/// exist), 409 once resolved.
fn open_pair(conn: &mut DbConn, caller: &Authenticated, id: &str) -> ApiResult<DuplicateRow> {
    let pair = find(conn, id)?;
    for cooperative in [&pair.cooperative_id, &pair.duplicate_of] {
        if !any_in_scope(conn, &caller.scope, std::slice::from_ref(cooperative))? {
            return Err(ApiError::not_found());
        }
    }
    if pair.resolved_at.is_some() {
        return Err(ApiError::new(ErrorCode::DuplicateResolved));
    }
    Ok(pair)
}

/// Marks the pair resolved with `outcome`, by the caller.
fn resolve(conn: &mut DbConn, caller: &Authenticated, id: &str, outcome: &str) -> QueryResult<()> {
    diesel::update(duplicate_candidates::table.find(id))
        .set((
            duplicate_candidates::resolved_at.eq(Some(now())),
            duplicate_candidates::resolved_by.eq(Some(&caller.user.id)),
            duplicate_candidates::outcome.eq(Some(outcome)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records that a flagged pair are two different cooperatives after all: both stay, and the pair leaves the list.
pub fn dismiss(
    conn: &mut DbConn,
    caller: &Authenticated,
    id: &str,
) -> ApiResult<DuplicateCandidate> {
    let before = open_pair(conn, caller, id)?;
    resolve(conn, caller, id, "dismissed")?;
    let after = find(conn, id)?;
    audit::record(
        conn,
        &caller.who(),
        audit::Entry {
            action: crate::models::audit::Action::CooperativeDuplicateDismiss,
            entity_type: "duplicate",
            entity_id: &id,
        },
        Some(&before),
        Some(&after),
    )?;
    to_api(conn, vec![after])?
        .pop()
        .ok_or_else(ApiError::not_found)
}

/// Merges a pair: the survivor (by default the cooperative that was there first) keeps its id and receives the
/// other's visits, with their reviews, as a server change that reaches every phone; the other stays in the registry as
/// a redirect (`merged_into`).
pub fn merge(
    conn: &mut DbConn,
    documents: &Documents,
    caller: &Authenticated,
    id: &str,
    survivor_wanted: Option<Uuid>,
) -> ApiResult<MergeResult> {
    let pair = open_pair(conn, caller, id)?;
    let (survivor, merged) = survivor_of(&pair, survivor_wanted)?;
    let moved = documents.write(conn, survivor.uuid(), &caller.who(), |conn, doc| {
        if find(conn, id)?.resolved_at.is_some() {
            return Err(ApiError::new(ErrorCode::DuplicateResolved));
        }
        let source = store::load(conn, &documents.cache, merged.uuid())?.doc;
        let moved =
            server_edit::carry_over_visits(&source, doc, now().and_utc().timestamp_millis())
                .map_err(ApiError::internal)?;
        move_reviews(conn, merged, survivor)?;
        // The approved visits moved: the clean-up and the survivor's open star applications follow.
        documents.approved_evidence_changed(conn, &[survivor, merged])?;
        retire(conn, merged, survivor)?;
        resolve(conn, caller, id, "merged")?;
        audit::record(
            conn,
            &caller.who(),
            audit::Entry {
                action: crate::models::audit::Action::CooperativeMerge,
                entity_type: "cooperative",
                entity_id: &merged,
            },
            Some(&pair),
            Some(&serde_json::json!({ "merged_into": survivor, "visits_moved": moved })),
        )?;
        Ok(moved)
    })?;
    Ok(MergeResult {
        survivor: survivor.uuid(),
        merged: merged.uuid(),
        visits_moved: moved
            .iter()
            .map(|visit| Uuid::parse_str(visit).map_err(ApiError::internal))
            .collect::<ApiResult<_>>()?,
    })
}

/// (survivor, merged): the survivor asked for, which must be one of the pair, or the cooperative there first.
fn survivor_of(
    pair: &DuplicateRow,
    wanted: Option<Uuid>,
) -> ApiResult<(CooperativeId, CooperativeId)> {
    let survivor = wanted.map_or(pair.duplicate_of, CooperativeId::from);
    if survivor == pair.duplicate_of {
        Ok((survivor, pair.cooperative_id))
    } else if survivor == pair.cooperative_id {
        Ok((survivor, pair.duplicate_of))
    } else {
        Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
            "survivor",
            "not_in_pair",
            "保留的合作社须是这两条之一",
            "the survivor must be one of the pair",
        ))
    }
}

/// The visits' review, activity and approved data go with them to the survivor.
fn move_reviews(
    conn: &mut DbConn,
    merged: CooperativeId,
    survivor: CooperativeId,
) -> QueryResult<()> {
    diesel::update(visit_reviews::table.filter(visit_reviews::cooperative_id.eq(merged)))
        .set(visit_reviews::cooperative_id.eq(survivor))
        .execute(conn)?;
    diesel::update(review_events::table.filter(review_events::cooperative_id.eq(merged)))
        .set(review_events::cooperative_id.eq(survivor))
        .execute(conn)?;
    diesel::update(approved_visits::table.filter(approved_visits::cooperative_id.eq(merged)))
        .set(approved_visits::cooperative_id.eq(survivor))
        .execute(conn)?;
    Ok(())
}

/// The duplicate's projections go away and its registry entry becomes a redirect to the survivor.
fn retire(conn: &mut DbConn, merged: CooperativeId, survivor: CooperativeId) -> QueryResult<()> {
    diesel::delete(visits::table.filter(visits::cooperative_id.eq(merged))).execute(conn)?;
    diesel::delete(visit_photos::table.filter(visit_photos::cooperative_id.eq(merged)))
        .execute(conn)?;
    diesel::delete(evidence_flags::table.filter(evidence_flags::cooperative_id.eq(merged)))
        .execute(conn)?;
    diesel::delete(conflicts::table.filter(conflicts::cooperative_id.eq(merged))).execute(conn)?;
    diesel::delete(cooperative_profiles::table.find(merged)).execute(conn)?;
    diesel::update(cooperatives::table.find(merged))
        .set(cooperatives::merged_into.eq(Some(survivor)))
        .execute(conn)?;
    Ok(())
}

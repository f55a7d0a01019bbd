//! Relational projections of a document — the observed profile, the visits, their photos and evidence flags, the
//! open conflicts — rebuilt after every accepted merge. Queries, rules, reports and exports read these; they can
//! always be rebuilt from the documents.

use std::collections::{BTreeSet, HashMap};

use automerge::{Automerge, ObjId as ExId, ROOT, ReadDoc};
use chrono::DateTime;
use diesel::prelude::*;
use hezuo_sync::model::{CooperativeDoc, Visit};
use hezuo_sync::trust::Touched;
use hezuo_sync::{conflicts, document};
use uuid::Uuid;

use crate::db::DbConn;
use crate::db::id::{DeviceId, UserId};
use crate::db::schema::{conflicts as conflict_rows, cooperative_profiles, visits};
use crate::models::now;
use crate::photos::flags::Thresholds;

use super::store::encode_heads;

/// Reads a document for the projections (and review); an unreadable one is a database-level error.
pub fn read(doc: &Automerge) -> QueryResult<CooperativeDoc> {
    document::read(doc).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
}

/// Which visits to project again.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every visit: after the server's own changes, and when rebuilding.
    Everything,
    /// The visits a phone's changes wrote to. The rows of the others already say what their parts of the document
    /// say (changes to one visit cannot alter another's). A change to a photo entry may move the photo between
    /// visits, so it projects everything.
    Touched(&'a Touched),
}

impl<'a> Scope<'a> {
    /// The visits to project again, or `None` for all of them.
    fn visits(self) -> Option<&'a BTreeSet<String>> {
        match self {
            Scope::Touched(touched) if touched.photos.is_empty() => Some(&touched.visits),
            _ => None,
        }
    }
}

/// Rewrites the projection rows of one cooperative from its document (`typed` is the document as read; the caller
/// has usually read it already): the profile, the conflicts, and the visits in `scope` with their photos and
/// evidence.
pub fn rebuild(
    conn: &mut DbConn,
    id: Uuid,
    doc: &Automerge,
    typed: &CooperativeDoc,
    scope: Scope<'_>,
    evidence: &Thresholds,
) -> QueryResult<()> {
    let key = id.to_string();
    let at = now();

    diesel::delete(cooperative_profiles::table.find(&key)).execute(conn)?;
    diesel::insert_into(cooperative_profiles::table)
        .values((
            cooperative_profiles::cooperative_id.eq(&key),
            cooperative_profiles::data.eq(json(&typed.profile)),
            cooperative_profiles::operating_status
                .eq(typed.profile.operating_status.map(|s| s.as_str())),
            cooperative_profiles::heads.eq(encode_heads(&doc.get_heads())),
            cooperative_profiles::updated_at.eq(at),
        ))
        .execute(conn)?;

    let only = scope.visits();
    let projected: Vec<(&String, &Visit)> = typed
        .visits
        .iter()
        .filter(|(visit_id, _)| only.is_none_or(|only| only.contains(*visit_id)))
        .collect();
    let authors = visit_authors(conn, doc, projected.iter().map(|(id, _)| *id))?;
    match only {
        None => {
            diesel::delete(visits::table.filter(visits::cooperative_id.eq(&key))).execute(conn)?
        }
        Some(only) => diesel::delete(
            visits::table
                .filter(visits::cooperative_id.eq(&key))
                .filter(visits::id.eq_any(only)),
        )
        .execute(conn)?,
    };
    for (visit_id, visit) in projected {
        // The device that created the visit, by its actor; the fields only for visits the server itself wrote
        // (carried over from a merged duplicate).
        let (author_user, author_device) = match authors.get(visit_id) {
            Some((device, user)) => (Some(user.to_string()), Some(device.to_string())),
            None => (visit.author_user_id.clone(), visit.author_device_id.clone()),
        };
        let timestamp = |ms: Option<i64>| {
            ms.and_then(DateTime::from_timestamp_millis)
                .map(|t| t.naive_utc())
        };
        let meta = visit.meta.as_ref();
        diesel::insert_into(visits::table)
            .values((
                visits::id.eq(visit_id),
                visits::cooperative_id.eq(&key),
                visits::author_user_id.eq(author_user),
                visits::author_device_id.eq(author_device),
                visits::status.eq(visit.status.map(|s| s.as_str()).unwrap_or("draft")),
                visits::visit_type.eq(meta.and_then(|m| m.visit_type).map(|t| t.as_str())),
                visits::visit_date.eq(meta.and_then(|m| m.visit_date.as_ref()).map(|d| d.as_str())),
                visits::device_created_at.eq(timestamp(visit.created_at)),
                visits::submitted_at.eq(timestamp(visit.submitted_at)),
                visits::data.eq(json(visit)),
                visits::updated_at.eq(at),
            ))
            .execute(conn)?;
    }

    crate::photos::evidence::project_cooperative(conn, &key, typed, only, evidence)?;
    record_conflicts(conn, &key, doc)
}

/// Visit id → (device, user) bound to the actor whose change created the visit. Authorship comes from the binding,
/// never from what a document claims.
fn visit_authors<'a>(
    conn: &mut DbConn,
    doc: &Automerge,
    visit_ids: impl Iterator<Item = &'a String>,
) -> QueryResult<HashMap<String, (DeviceId, UserId)>> {
    let Ok(Some((_, visits_obj))) = doc.get(ROOT, "visits") else {
        return Ok(HashMap::new());
    };
    let mut creators: HashMap<String, String> = HashMap::new();
    for visit_id in visit_ids {
        if let Ok(Some((_, object))) = doc.get(&visits_obj, visit_id.as_str())
            && let ExId::Id(_, actor, _) = object
        {
            creators.insert(visit_id.clone(), actor.to_hex_string());
        }
    }
    let mut actors: Vec<&String> = creators.values().collect();
    actors.sort();
    actors.dedup();
    let actors: Vec<String> = actors.into_iter().cloned().collect();
    let bound = crate::models::devices::actor_authors(conn, &actors)?;
    Ok(creators
        .into_iter()
        .filter_map(|(visit, actor)| bound.get(&actor).map(|b| (visit, *b)))
        .collect())
}

/// Opens a row for each newly conflicted field, refreshes the ones still open, and closes those a later change settled.
fn record_conflicts(conn: &mut DbConn, key: &str, doc: &Automerge) -> QueryResult<()> {
    let found = conflicts::find(doc);
    let actors: Vec<String> = found
        .iter()
        .flat_map(|c| {
            c.candidates
                .iter()
                .filter_map(|v| v.actor.as_ref().map(|a| a.to_hex_string()))
        })
        .collect();
    let bound = crate::models::devices::actor_authors(conn, &actors)?;
    let open: HashMap<String, String> = conflict_rows::table
        .filter(conflict_rows::cooperative_id.eq(key))
        .filter(conflict_rows::resolved_at.is_null())
        .select((conflict_rows::path, conflict_rows::id))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let at = now();
    let mut still_open = Vec::new();
    for conflict in &found {
        let path = conflict.path.join(".");
        let candidates: Vec<serde_json::Value> = conflict
            .candidates
            .iter()
            .map(|candidate| {
                let actor = candidate.actor.as_ref().map(|a| a.to_hex_string());
                let binding = actor.as_ref().and_then(|a| bound.get(a));
                serde_json::json!({
                    "value": candidate.value,
                    "actor": actor,
                    "device_id": binding.map(|b| &b.0),
                    "user_id": binding.map(|b| &b.1),
                    "change": candidate.change.map(|h| h.to_string()),
                    "claimed_at_ms": candidate.time_ms,
                })
            })
            .collect();
        let candidates = serde_json::Value::Array(candidates).to_string();
        match open.get(&path) {
            Some(id) => {
                diesel::update(conflict_rows::table.find(id))
                    .set(conflict_rows::candidates.eq(&candidates))
                    .execute(conn)?;
            }
            None => {
                diesel::insert_into(conflict_rows::table)
                    .values((
                        conflict_rows::id.eq(Uuid::now_v7().to_string()),
                        conflict_rows::cooperative_id.eq(key),
                        conflict_rows::path.eq(&path),
                        conflict_rows::candidates.eq(&candidates),
                        conflict_rows::detected_at.eq(at),
                    ))
                    .execute(conn)?;
            }
        }
        still_open.push(path);
    }
    let settled: Vec<&String> = open
        .iter()
        .filter(|(path, _)| !still_open.contains(path))
        .map(|(_, id)| id)
        .collect();
    if !settled.is_empty() {
        diesel::update(conflict_rows::table.filter(conflict_rows::id.eq_any(settled)))
            .set(conflict_rows::resolved_at.eq(Some(at)))
            .execute(conn)?;
    }
    Ok(())
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

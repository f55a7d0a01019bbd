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
use crate::db::schema::{conflicts as conflict_rows, cooperative_profiles, visit_photos, visits};
use crate::models::now;
use crate::photos::flags::Thresholds;

use super::store::encode_heads;

/// Reads a document for the projections (and review); an unreadable one is a database-level error.
pub fn read(doc: &Automerge) -> QueryResult<CooperativeDoc> {
    document::read(doc).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
}

/// Which parts of a document to project again.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Every visit: after the server's own changes, and when rebuilding.
    Everything,
    /// The parts a phone's changes wrote to (see [`parts_to_project`]). The rows of the rest already say what their
    /// parts of the document say: changes to one visit cannot alter another's.
    Parts(&'a Parts),
}

impl<'a> Scope<'a> {
    /// The visits to project again, or `None` for all of them.
    pub fn visits(self) -> Option<&'a BTreeSet<String>> {
        match self {
            Scope::Parts(parts) => Some(&parts.visits),
            Scope::Everything => None,
        }
    }
}

/// The parts of a document a commit projects again.
#[derive(Debug, Clone, Default)]
pub struct Parts {
    /// Visits whose rows are rewritten.
    pub visits: BTreeSet<String>,
    /// Photo entries the changes wrote to: their conflicts are looked for again.
    pub photos: BTreeSet<String>,
}

/// What a phone's changes oblige the projections to read again: the visits they wrote to, and for each photo entry
/// they wrote to, the visits it names now (in the document) and those whose rows name it (in the database), for
/// its details show in their rows. Returned with the document's parts as read: the profile, those visits with their
/// review records, and the photos their rows need.
pub fn parts_to_project(
    conn: &mut DbConn,
    id: Uuid,
    doc: &Automerge,
    touched: &Touched,
) -> QueryResult<(Parts, CooperativeDoc)> {
    let key = id.to_string();
    let mut parts = Parts {
        visits: touched.visits.clone(),
        photos: touched.photos.clone(),
    };
    if !touched.photos.is_empty() {
        parts.visits.extend(
            touched
                .photos
                .iter()
                .filter_map(|hash| document::photo_visit(doc, hash)),
        );
        parts.visits.extend(
            visit_photos::table
                .filter(visit_photos::cooperative_id.eq(&key))
                .filter(visit_photos::sha256.eq_any(&touched.photos))
                .select(visit_photos::visit_id)
                .load::<String>(conn)?,
        );
    }
    // The photos linked to these visits by their entries: the visits' rows show the entries' details. (Photos the
    // visits name themselves are read with them.)
    let linked: BTreeSet<String> = if parts.visits.is_empty() {
        BTreeSet::new()
    } else {
        visit_photos::table
            .filter(visit_photos::cooperative_id.eq(&key))
            .filter(visit_photos::visit_id.eq_any(&parts.visits))
            .select(visit_photos::sha256)
            .load::<String>(conn)?
            .into_iter()
            .chain(touched.photos.iter().cloned())
            .collect()
    };
    let typed = document::read_parts(doc, &parts.visits, &linked)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;
    Ok((parts, typed))
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
    record_conflicts(conn, &key, doc, scope)
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
fn record_conflicts(
    conn: &mut DbConn,
    key: &str,
    doc: &Automerge,
    scope: Scope<'_>,
) -> QueryResult<()> {
    let (found, looked_in) = match scope {
        Scope::Everything => (conflicts::find(doc), None),
        Scope::Parts(parts) => {
            let looked_in: Vec<(&str, Option<&str>)> = std::iter::once(("profile", None))
                .chain(parts.visits.iter().map(|v| ("visits", Some(v.as_str()))))
                .chain(parts.photos.iter().map(|h| ("photos", Some(h.as_str()))))
                .collect();
            (
                conflicts::find_in(doc, looked_in.iter().copied()),
                Some(looked_in),
            )
        }
    };
    // Only the open rows of the parts looked at can have been settled.
    let was_looked_at = |path: &str| {
        looked_in.as_ref().is_none_or(|parts| {
            parts.iter().any(|(top, key)| {
                let part = match key {
                    Some(key) => format!("{top}.{key}"),
                    None => (*top).to_owned(),
                };
                path == part
                    || path
                        .strip_prefix(&part)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
        })
    };
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
        .filter(|(path, _)| !still_open.contains(path) && was_looked_at(path))
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

//! Changes only the server makes, under its own actor: review results in the server-only `review` map, a
//! supervisor's resolution of a conflicted field, and the visits carried over when two duplicate documents are merged.
//! Phones receive them like any other change; the trust boundary keeps devices from making them.

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{
    ActorId, Automerge, ChangeHash, ObjId, ObjType, Prop, ROOT, ReadDoc, ScalarValue, Value,
};

use crate::document::{self, EditError};
use crate::model::{DecisionRecord, ReviewRecord};

/// The server's actor: 12 bytes, so it never equals a device's (16) or a genesis actor (24).
pub fn server_actor() -> ActorId {
    ActorId::from(b"hezuo:server".to_vec())
}

/// Writes review records (by visit id) as one server change; `None` when every one was already so.
pub fn put_reviews(
    doc: &mut Automerge,
    records: &[(String, ReviewRecord)],
    time_ms: i64,
) -> Result<Option<ChangeHash>, EditError> {
    put_server_records(doc, "review", records, time_ms)
}

/// Writes engine decisions (by kind: `cleanup`, `star`) as one server change; `None` when every one was already so.
pub fn put_decisions(
    doc: &mut Automerge,
    records: &[(String, DecisionRecord)],
    time_ms: i64,
) -> Result<Option<ChangeHash>, EditError> {
    put_server_records(doc, "decisions", records, time_ms)
}

fn put_server_records<T: autosurgeon::Reconcile>(
    doc: &mut Automerge,
    container: &str,
    records: &[(String, T)],
    time_ms: i64,
) -> Result<Option<ChangeHash>, EditError> {
    doc.set_actor(server_actor());
    let mut tx = doc.transaction();
    let map = match tx.get(ROOT, container)? {
        Some((Value::Object(ObjType::Map), id)) => id,
        _ => return Err(EditError::NotACooperativeDocument),
    };
    for (key, record) in records {
        autosurgeon::reconcile_prop(&mut tx, &map, key.as_str(), record)?;
    }
    Ok(tx
        .commit_with(CommitOptions::default().with_time(time_ms))
        .0)
}

/// How a supervisor settles a conflicted field.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// Keep one of the concurrent values, by its position in the conflict's candidates.
    Candidate(usize),
    /// Enter a new value (plain fields only), stored with the type the field already has.
    Value(serde_json::Value),
}

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error("the document has no field {0}")]
    NoSuchField(String),
    #[error("the field has {0} values; there is no candidate {1}")]
    NoSuchCandidate(usize, usize),
    #[error("a new value can only be entered for a plain field, not for {0}")]
    NotAPlainField(String),
    #[error("the value does not fit the field: {0}")]
    Unfit(String),
    #[error(transparent)]
    Edit(#[from] EditError),
}

impl From<automerge::AutomergeError> for ResolveError {
    fn from(error: automerge::AutomergeError) -> Self {
        ResolveError::Edit(error.into())
    }
}

/// Settles the field at `path` (as [`crate::conflicts::find`] reports it) with one server change whose dependencies
/// include every concurrent value, so one value remains everywhere. The document must still fit the schema after;
/// otherwise the caller's copy is left changed and must be dropped.
pub fn resolve_conflict(
    doc: &mut Automerge,
    path: &[String],
    choice: &Choice,
    time_ms: i64,
) -> Result<Option<ChangeHash>, ResolveError> {
    let shown = path.join(".");
    let (parents, last) = path
        .split_last()
        .map(|(last, parents)| (parents, last))
        .ok_or_else(|| ResolveError::NoSuchField(shown.clone()))?;
    doc.set_actor(server_actor());
    let mut tx = doc.transaction();
    let mut obj = ROOT;
    for segment in parents {
        obj = match tx.get(&obj, prop_of(segment))? {
            Some((Value::Object(_), id)) => id,
            _ => return Err(ResolveError::NoSuchField(shown)),
        };
    }
    let prop = prop_of(last);
    let candidates: Vec<(Value<'static>, ObjId)> = tx
        .get_all(&obj, prop.clone())?
        .into_iter()
        .map(|(value, id)| (value.to_owned(), id))
        .collect();
    let Some((winner, _)) = candidates.last() else {
        return Err(ResolveError::NoSuchField(shown));
    };
    match choice {
        Choice::Candidate(index) => {
            let (value, source) = candidates
                .get(*index)
                .ok_or(ResolveError::NoSuchCandidate(candidates.len(), *index))?;
            match value {
                Value::Scalar(scalar) => put_scalar(&mut tx, &obj, prop, scalar.as_ref().clone())?,
                Value::Object(kind) => {
                    let copy = put_object(&mut tx, &obj, prop, *kind)?;
                    copy_into(&mut tx, source, &copy, *kind)?;
                }
            }
        }
        Choice::Value(json) => {
            let Value::Scalar(current) = winner else {
                return Err(ResolveError::NotAPlainField(shown));
            };
            let scalar = scalar_like(current, json).ok_or_else(|| {
                ResolveError::Unfit(format!("{json} is not a {}", kind_of(current)))
            })?;
            put_scalar(&mut tx, &obj, prop, scalar)?;
        }
    }
    let hash = tx
        .commit_with(CommitOptions::default().with_time(time_ms))
        .0;
    document::check_schema(doc).map_err(|e| ResolveError::Unfit(e.to_string()))?;
    Ok(hash)
}

/// Copies every visit (and the photo metadata its visits name) of `from` that `to` lacks or has differently, as
/// one server change to `to`. Returns the visit ids carried over.
pub fn carry_over_visits(
    from: &Automerge,
    to: &mut Automerge,
    time_ms: i64,
) -> Result<Vec<String>, EditError> {
    let source = document::read(from)?;
    let target = document::read(to)?;
    let moved: Vec<String> = source
        .visits
        .iter()
        .filter(|(id, visit)| target.visits.get(*id) != Some(visit))
        .map(|(id, _)| id.clone())
        .collect();
    if moved.is_empty() {
        return Ok(moved);
    }
    to.set_actor(server_actor());
    let mut tx = to.transaction();
    let (visits, photos) = match (tx.get(ROOT, "visits")?, tx.get(ROOT, "photos")?) {
        (
            Some((Value::Object(ObjType::Map), visits)),
            Some((Value::Object(ObjType::Map), photos)),
        ) => (visits, photos),
        _ => return Err(EditError::NotACooperativeDocument),
    };
    for id in &moved {
        let visit = &source.visits[id];
        for hash in visit.named_photos().keys() {
            if let Some(meta) = source.photos.get(hash)
                && target.photos.get(hash) != Some(meta)
            {
                autosurgeon::reconcile_prop(&mut tx, &photos, hash.as_str(), meta)?;
            }
        }
        autosurgeon::reconcile_prop(&mut tx, &visits, id.as_str(), visit)?;
    }
    tx.commit_with(CommitOptions::default().with_time(time_ms));
    Ok(moved)
}

fn prop_of(segment: &str) -> Prop {
    match segment
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .and_then(|s| s.parse().ok())
    {
        Some(index) => Prop::Seq(index),
        None => Prop::Map(segment.to_owned()),
    }
}

fn put_scalar(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    prop: Prop,
    value: ScalarValue,
) -> Result<(), automerge::AutomergeError> {
    match prop {
        Prop::Map(key) => tx.put(obj, key, value),
        Prop::Seq(index) => tx.put(obj, index, value),
    }
}

fn put_object(
    tx: &mut Transaction<'_>,
    obj: &ObjId,
    prop: Prop,
    kind: ObjType,
) -> Result<ObjId, automerge::AutomergeError> {
    match prop {
        Prop::Map(key) => tx.put_object(obj, key, kind),
        Prop::Seq(index) => tx.put_object(obj, index, kind),
    }
}

/// Copies the content of `source` into the empty object `target`, keeping every scalar's type.
fn copy_into(
    tx: &mut Transaction<'_>,
    source: &ObjId,
    target: &ObjId,
    kind: ObjType,
) -> Result<(), automerge::AutomergeError> {
    match kind {
        ObjType::Map | ObjType::Table => {
            let keys: Vec<String> = tx.keys(source).collect();
            for key in keys {
                if let Some((value, id)) = tx.get(source, key.as_str())? {
                    match value {
                        Value::Scalar(scalar) => {
                            tx.put(target, key.as_str(), scalar.into_owned())?;
                        }
                        Value::Object(child) => {
                            let copy = tx.put_object(target, key.as_str(), child)?;
                            copy_into(tx, &id, &copy, child)?;
                        }
                    }
                }
            }
        }
        ObjType::List => {
            for index in 0..tx.length(source) {
                if let Some((value, id)) = tx.get(source, index)? {
                    match value {
                        Value::Scalar(scalar) => {
                            tx.insert(target, index, scalar.into_owned())?;
                        }
                        Value::Object(child) => {
                            let copy = tx.insert_object(target, index, child)?;
                            copy_into(tx, &id, &copy, child)?;
                        }
                    }
                }
            }
        }
        ObjType::Text => {
            let text = tx.text(source)?;
            tx.splice_text(target, 0, 0, &text)?;
        }
    }
    Ok(())
}

/// A JSON value as a scalar of the same kind as `current`, or `None` when it does not fit.
fn scalar_like(current: &ScalarValue, json: &serde_json::Value) -> Option<ScalarValue> {
    match current {
        ScalarValue::Str(_) => json.as_str().map(|s| ScalarValue::Str(s.into())),
        ScalarValue::Uint(_) => json.as_u64().map(ScalarValue::Uint),
        ScalarValue::Int(_) => json.as_i64().map(ScalarValue::Int),
        ScalarValue::F64(_) => json.as_f64().map(ScalarValue::F64),
        ScalarValue::Boolean(_) => json.as_bool().map(ScalarValue::Boolean),
        ScalarValue::Timestamp(_) => json.as_i64().map(ScalarValue::Timestamp),
        _ => None,
    }
}

fn kind_of(value: &ScalarValue) -> &'static str {
    match value {
        ScalarValue::Str(_) => "text",
        ScalarValue::Uint(_) | ScalarValue::Int(_) => "whole number",
        ScalarValue::F64(_) => "number",
        ScalarValue::Boolean(_) => "true/false",
        _ => "value of this kind",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conflicts;
    use crate::document::{genesis, put_profile, put_visit};
    use crate::model::{GeoPoint, Profile, ReviewState, Visit, VisitStatus};
    use uuid::Uuid;

    fn conflicted() -> Automerge {
        let id = Uuid::from_u128(5);
        let mut first = genesis(id).with_actor(ActorId::random());
        let mut second = genesis(id).with_actor(ActorId::random());
        let profile = |count, lat| Profile {
            member_count: Some(count),
            location: Some(GeoPoint {
                lat: Some(lat),
                ..Default::default()
            }),
            ..Default::default()
        };
        put_profile(&mut first, &profile(80, 29.8), 1).expect("save");
        put_profile(&mut second, &profile(95, 29.9), 2).expect("save");
        first.merge(&mut second).expect("merge");
        first
    }

    fn path(text: &str) -> Vec<String> {
        text.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn choosing_a_value_settles_the_conflict_and_keeps_its_type() {
        let mut doc = conflicted();
        assert_eq!(conflicts::find(&doc).len(), 2);
        let found = conflicts::find(&doc);
        let members = found
            .iter()
            .find(|c| c.path == path("profile.member_count"))
            .expect("conflict");
        let index = members
            .candidates
            .iter()
            .position(|c| c.value == serde_json::json!(80))
            .expect("80");
        resolve_conflict(
            &mut doc,
            &path("profile.member_count"),
            &Choice::Candidate(index),
            9,
        )
        .expect("resolve");
        resolve_conflict(
            &mut doc,
            &path("profile.location"),
            &Choice::Candidate(0),
            10,
        )
        .expect("resolve an object");
        assert!(conflicts::find(&doc).is_empty());
        let profile = document::read(&doc).expect("reads").profile;
        assert_eq!(profile.member_count, Some(80));
        assert!(profile.location.and_then(|l| l.lat).is_some());
    }

    #[test]
    fn a_new_value_must_fit_the_field() {
        let mut doc = conflicted();
        resolve_conflict(
            &mut doc,
            &path("profile.member_count"),
            &Choice::Value(serde_json::json!(101)),
            9,
        )
        .expect("resolve");
        assert_eq!(
            document::read(&doc).expect("reads").profile.member_count,
            Some(101)
        );

        let mut doc = conflicted();
        let error = resolve_conflict(
            &mut doc,
            &path("profile.member_count"),
            &Choice::Value(serde_json::json!("很多")),
            9,
        )
        .expect_err("text for a number");
        assert!(matches!(error, ResolveError::Unfit(_)), "{error}");
        let error = resolve_conflict(
            &mut doc,
            &path("profile.location"),
            &Choice::Value(serde_json::json!(1)),
            9,
        )
        .expect_err("object");
        assert!(matches!(error, ResolveError::NotAPlainField(_)), "{error}");
    }

    #[test]
    fn reviews_and_carried_visits_are_written_by_the_server_actor() {
        let mut doc = genesis(Uuid::from_u128(6)).with_actor(ActorId::random());
        let visit_id = Uuid::from_u128(7);
        put_visit(
            &mut doc,
            visit_id,
            &Visit {
                status: Some(VisitStatus::Submitted),
                ..Default::default()
            },
            1,
        )
        .expect("save");
        let record = ReviewRecord {
            state: Some(ReviewState::Returned),
            note: Some("请补拍账本照片".into()),
            ..Default::default()
        };
        let hash = put_reviews(&mut doc, &[(visit_id.to_string(), record.clone())], 2)
            .expect("review")
            .expect("a change");
        let change = doc.get_change_by_hash(&hash).expect("change");
        assert_eq!(change.actor_id(), &server_actor());
        assert_eq!(
            document::check_schema(&doc).expect("valid").review[&visit_id.to_string()],
            record
        );

        let mut survivor = genesis(Uuid::from_u128(8));
        let moved = carry_over_visits(&doc, &mut survivor, 3).expect("carry");
        assert_eq!(moved, vec![visit_id.to_string()]);
        assert!(
            carry_over_visits(&doc, &mut survivor, 4)
                .expect("again")
                .is_empty()
        );
        assert!(
            document::read(&survivor)
                .expect("reads")
                .visits
                .contains_key(&visit_id.to_string())
        );
    }
}

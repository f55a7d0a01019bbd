//! Finding fields with concurrent values. Automerge keeps every concurrent value (`get_all`); one wins for reading,
//! the others are kept. Here they become data for the review queue: the field, each value and the actor who wrote it.

use automerge::{ActorId, Automerge, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct FieldConflict {
    /// From the root, e.g. `["profile", "member_count"]`.
    pub path: Vec<String>,
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub value: serde_json::Value,
    /// Who wrote this value (the operation's actor); `None` for values the server cannot attribute.
    pub actor: Option<ActorId>,
    /// The change that wrote it, and the writer's clock then (milliseconds since the epoch).
    pub change: Option<automerge::ChangeHash>,
    pub time_ms: Option<i64>,
    /// The operation's counter within its actor, to find its change.
    op_counter: u64,
}

/// Every conflicted field in the counsellor-written parts of the document (`profile`, `visits`, `photos`).
pub fn find(doc: &Automerge) -> Vec<FieldConflict> {
    find_in(doc, ["profile", "visits", "photos"].map(|top| (top, None)))
}

/// The conflicted fields in some parts of the document, found as [`find`] finds them everywhere. A part is a root
/// container with, optionally, one key of it (`("visits", Some(visit_id))`), the key's own concurrent values
/// included. A commit looks only where its changes wrote: elsewhere nothing changed.
pub fn find_in<'a>(
    doc: &Automerge,
    parts: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> Vec<FieldConflict> {
    let mut found = Vec::new();
    for (top, key) in parts {
        let Ok(Some((Value::Object(kind), container))) = doc.get(ROOT, top) else {
            continue;
        };
        let mut path = vec![top.to_owned()];
        let Some(key) = key else {
            walk(doc, &container, kind, &mut path, &mut found);
            continue;
        };
        path.push(key.to_owned());
        record_conflict(
            doc,
            &container,
            automerge::Prop::Map(key.to_owned()),
            &path,
            &mut found,
        );
        if let Ok(Some((Value::Object(kind), id))) = doc.get(&container, key) {
            walk(doc, &id, kind, &mut path, &mut found);
        }
    }
    if !found.is_empty() {
        attribute_changes(doc, &mut found);
    }
    found
}

/// Finds the change (and its time) that made each candidate's operation: the actor's change whose operation counters
/// cover it.
fn attribute_changes(doc: &Automerge, found: &mut [FieldConflict]) {
    let changes = doc.get_changes(&[]);
    for candidate in found.iter_mut().flat_map(|c| c.candidates.iter_mut()) {
        let Some(actor) = &candidate.actor else {
            continue;
        };
        let made_it = changes.iter().find(|change| {
            let start = change.start_op().get();
            change.actor_id() == actor
                && (start..start + change.len() as u64).contains(&candidate.op_counter)
        });
        if let Some(change) = made_it {
            candidate.change = Some(change.hash());
            candidate.time_ms = Some(change.timestamp());
        }
    }
}

/// One key or index of an object: the prop, how the path shows it, the winner when it is an object, and whether
/// concurrent values exist.
type Entry = (automerge::Prop, String, Option<(ObjType, ObjId)>, bool);

/// Scans each object once: `map_range` and `list_range` flag the keys with concurrent values, and only those are
/// asked for every value (a key-by-key walk would seek through the document once per key).
fn walk(
    doc: &Automerge,
    obj: &ObjId,
    kind: ObjType,
    path: &mut Vec<String>,
    found: &mut Vec<FieldConflict>,
) {
    let entries: Vec<Entry> = match kind {
        ObjType::Map | ObjType::Table => doc
            .map_range(obj, ..)
            .map(|item| {
                let object = object_of(&item.value, item.id());
                let key = item.key.into_owned();
                (
                    automerge::Prop::Map(key.clone()),
                    key,
                    object,
                    item.conflict,
                )
            })
            .collect(),
        ObjType::List => doc
            .list_range(obj, ..)
            .map(|item| {
                let object = object_of(&item.value, item.id());
                let index = item.index;
                (
                    automerge::Prop::Seq(index),
                    format!("[{index}]"),
                    object,
                    item.conflict,
                )
            })
            .collect(),
        ObjType::Text => Vec::new(),
    };
    for (prop, shown, winner, conflict) in entries {
        path.push(shown);
        if conflict {
            record_conflict(doc, obj, prop, path, found);
        }
        // Descend into the winning value only: the losing objects are reported as whole values above.
        if let Some((kind, id)) = winner {
            walk(doc, &id, kind, path, found);
        }
        path.pop();
    }
}

fn object_of(value: &automerge::ValueRef<'_>, id: ObjId) -> Option<(ObjType, ObjId)> {
    match value {
        automerge::ValueRef::Object(kind) => Some((*kind, id)),
        automerge::ValueRef::Scalar(_) => None,
    }
}

fn record_conflict(
    doc: &Automerge,
    obj: &ObjId,
    prop: automerge::Prop,
    path: &[String],
    found: &mut Vec<FieldConflict>,
) {
    let Ok(values) = doc.get_all(obj, prop) else {
        return;
    };
    if values.len() > 1 {
        found.push(FieldConflict {
            path: path.to_vec(),
            candidates: values
                .iter()
                .map(|(value, id)| {
                    let (actor, op_counter) = match id {
                        automerge::ObjId::Id(counter, actor, _) => (Some(actor.clone()), *counter),
                        automerge::ObjId::Root => (None, 0),
                    };
                    Candidate {
                        value: to_json(value),
                        actor,
                        change: None,
                        time_ms: None,
                        op_counter,
                    }
                })
                .collect(),
        });
    }
}

fn to_json(value: &Value<'_>) -> serde_json::Value {
    match value {
        Value::Object(kind) => serde_json::json!({ "object": format!("{kind:?}").to_lowercase() }),
        Value::Scalar(scalar) => match scalar.as_ref() {
            ScalarValue::Str(s) => serde_json::Value::String(s.to_string()),
            ScalarValue::Int(i) => serde_json::json!(i),
            ScalarValue::Uint(u) => serde_json::json!(u),
            ScalarValue::F64(f) => serde_json::json!(f),
            ScalarValue::Boolean(b) => serde_json::json!(b),
            ScalarValue::Null => serde_json::Value::Null,
            ScalarValue::Timestamp(t) => serde_json::json!(t),
            other => serde_json::Value::String(other.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{genesis, put_profile};
    use crate::model::Profile;
    use uuid::Uuid;

    #[test]
    fn concurrent_values_of_one_field_are_reported_with_their_actors() {
        let id = Uuid::from_u128(42);
        let first_actor = ActorId::random();
        let second_actor = ActorId::random();
        let mut first = genesis(id).with_actor(first_actor.clone());
        let mut second = genesis(id).with_actor(second_actor.clone());
        put_profile(
            &mut first,
            &Profile {
                member_count: Some(80),
                name: Some("甲".into()),
                ..Default::default()
            },
            1,
        )
        .expect("save");
        put_profile(
            &mut second,
            &Profile {
                member_count: Some(95),
                ..Default::default()
            },
            2,
        )
        .expect("save");
        first.merge(&mut second).expect("merge");
        let conflicts = find(&first);
        assert_eq!(conflicts.len(), 1, "{conflicts:?}");
        assert_eq!(conflicts[0].path, vec!["profile", "member_count"]);
        let mut values: Vec<_> = conflicts[0]
            .candidates
            .iter()
            .map(|c| c.value.clone())
            .collect();
        values.sort_by_key(|v| v.to_string());
        assert_eq!(values, vec![serde_json::json!(80), serde_json::json!(95)]);
        let actors: Vec<_> = conflicts[0]
            .candidates
            .iter()
            .filter_map(|c| c.actor.clone())
            .collect();
        assert!(actors.contains(&first_actor) && actors.contains(&second_actor));
        let times: Vec<_> = conflicts[0].candidates.iter().map(|c| c.time_ms).collect();
        assert!(
            times.contains(&Some(1)) && times.contains(&Some(2)),
            "{times:?}"
        );
        assert!(conflicts[0].candidates.iter().all(|c| c.change.is_some()));
    }

    #[test]
    fn concurrent_values_in_a_list_and_below_the_winner_are_found() {
        use automerge::transaction::Transactable;
        let mut first = genesis(Uuid::from_u128(43)).with_actor(ActorId::random());
        let (list, inner) = {
            let mut tx = first.transaction();
            let (_, profile) = tx.get(ROOT, "profile").expect("get").expect("profile");
            let list = tx
                .put_object(&profile, "tags", ObjType::List)
                .expect("list");
            tx.insert(&list, 0, "甲").expect("insert");
            let inner = tx
                .put_object(&profile, "nested", ObjType::Map)
                .expect("map");
            tx.commit();
            (list, inner)
        };
        let mut second = first.fork().with_actor(ActorId::random());
        for (doc, value) in [(&mut first, "乙"), (&mut second, "丙")] {
            let mut tx = doc.transaction();
            tx.put(&list, 0, value).expect("put");
            tx.put(&inner, "depth", value).expect("put");
            tx.commit();
        }
        first.merge(&mut second).expect("merge");
        let paths: Vec<String> = find(&first).iter().map(|c| c.path.join(".")).collect();
        assert_eq!(paths, vec!["profile.nested.depth", "profile.tags.[0]"]);
    }

    #[test]
    fn a_search_in_parts_finds_what_the_whole_search_finds_there() {
        use automerge::transaction::Transactable;
        let mut first = genesis(Uuid::from_u128(44)).with_actor(ActorId::random());
        let mut second = first.fork().with_actor(ActorId::random());
        // Both phones write visit "a" as a whole (a conflict on the key itself) and a field of the shared visit "b".
        let shared = {
            let mut tx = first.transaction();
            let (_, visits) = tx.get(ROOT, "visits").expect("get").expect("visits");
            let shared = tx.put_object(&visits, "b", ObjType::Map).expect("visit");
            tx.commit();
            shared
        };
        second.merge(&mut first).expect("merge");
        for (doc, value) in [(&mut first, "甲"), (&mut second, "乙")] {
            let mut tx = doc.transaction();
            let (_, visits) = tx.get(ROOT, "visits").expect("get").expect("visits");
            let own = tx.put_object(&visits, "a", ObjType::Map).expect("visit");
            tx.put(&own, "notes", value).expect("put");
            tx.put(&shared, "notes", value).expect("put");
            tx.commit();
        }
        first.merge(&mut second).expect("merge");
        let paths = |found: Vec<FieldConflict>| -> Vec<String> {
            found.iter().map(|c| c.path.join(".")).collect()
        };
        assert_eq!(paths(find(&first)), vec!["visits.a", "visits.b.notes"]);
        assert_eq!(
            paths(find_in(&first, [("visits", Some("a"))])),
            vec!["visits.a"]
        );
        assert_eq!(
            paths(find_in(&first, [("visits", Some("b")), ("profile", None)])),
            vec!["visits.b.notes"]
        );
        assert!(find_in(&first, [("visits", Some("c"))]).is_empty());
    }
}

//! Version history from the automerge change graph: which paths each change wrote, and a field-level diff between any
//! two versions with the changes that made each difference. Who a change's actor is (device, user) and when the
//! server received it are the server's records; here a change is its hash, actor and claimed time.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{ActorId, Automerge, ChangeHash, ReadDoc};

use crate::trust::PathCache;

/// One change of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeSummary {
    pub hash: ChangeHash,
    pub actor: ActorId,
    /// Milliseconds since the epoch by the writer's clock (0 for the genesis).
    pub time_ms: i64,
    pub deps: Vec<ChangeHash>,
    /// Dotted paths the change wrote, e.g. `visits.<id>.membership.members_total`; list elements as `[i]`.
    pub paths: BTreeSet<String>,
}

impl ChangeSummary {
    /// Whether the change wrote at or below `prefix` (a dotted path).
    pub fn touches(&self, prefix: &str) -> bool {
        self.paths.iter().any(|path| at_or_below(path, prefix))
    }

    /// Whether the change wrote at or above `path` (replacing or removing what held it).
    fn wrote_above(&self, path: &str) -> bool {
        self.paths.iter().any(|written| at_or_below(path, written))
    }
}

/// Every change in causal order.
pub fn changes(doc: &Automerge) -> Vec<ChangeSummary> {
    let mut cache = PathCache::default();
    doc.get_changes(&[])
        .into_iter()
        .map(|change| summarise(doc, &mut cache, &change))
        .collect()
}

fn summarise(doc: &Automerge, cache: &mut PathCache, change: &automerge::Change) -> ChangeSummary {
    let mut paths = BTreeSet::new();
    for op in change.decode().operations {
        // Objects that a later change replaced have no path any more; the change that replaced them is reported.
        let Ok(mut path) = cache.path_of(doc, &op.obj.to_string()) else {
            continue;
        };
        if let automerge::legacy::Key::Map(key) = &op.key {
            path.push(key.to_string());
        }
        paths.insert(path.join("."));
    }
    ChangeSummary {
        hash: change.hash(),
        actor: change.actor_id().clone(),
        time_ms: change.timestamp(),
        deps: change.deps().to_vec(),
        paths,
    }
}

/// Pairs of changes by different actors, made concurrently (neither saw the other), that wrote different fields at or
/// below `prefix`: "parallel updates". They merge without a conflict, but a reviewer may want to know that two
/// devices edited the same record at once. Pairs that wrote a common field are conflicts and are reported as such.
pub fn parallel_updates(doc: &Automerge, prefix: &str) -> Vec<(ChangeSummary, ChangeSummary)> {
    let all = changes(doc);
    let position: std::collections::HashMap<ChangeHash, usize> =
        all.iter().enumerate().map(|(i, c)| (c.hash, i)).collect();
    // Ancestors of each change as a bit set over positions (changes come in causal order).
    let words = all.len().div_ceil(64);
    let mut ancestors: Vec<Vec<u64>> = Vec::with_capacity(all.len());
    for change in &all {
        let mut set = vec![0u64; words];
        for dep in &change.deps {
            if let Some(&d) = position.get(dep) {
                set[d / 64] |= 1 << (d % 64);
                for (word, inherited) in set.iter_mut().zip(&ancestors[d]) {
                    *word |= inherited;
                }
            }
        }
        ancestors.push(set);
    }
    let is_ancestor = |a: usize, b: usize| ancestors[b][a / 64] & (1 << (a % 64)) != 0;
    let fields = |change: &ChangeSummary| -> BTreeSet<String> {
        change
            .paths
            .iter()
            .filter(|p| at_or_below(p, prefix) && p.as_str() != prefix)
            .cloned()
            .collect()
    };
    let touching: Vec<(usize, BTreeSet<String>)> = all
        .iter()
        .enumerate()
        .map(|(i, c)| (i, fields(c)))
        .filter(|(_, f)| !f.is_empty())
        .collect();
    let mut pairs = Vec::new();
    for (n, (a, fields_a)) in touching.iter().enumerate() {
        for (b, fields_b) in &touching[n + 1..] {
            let concurrent = !is_ancestor(*a, *b) && !is_ancestor(*b, *a);
            let overlapping = fields_a.iter().any(|x| {
                fields_b
                    .iter()
                    .any(|y| at_or_below(x, y) || at_or_below(y, x))
            });
            if concurrent && all[*a].actor != all[*b].actor && !overlapping {
                pairs.push((all[*a].clone(), all[*b].clone()));
            }
        }
    }
    pairs
}

/// One field that differs between two versions.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDiff {
    /// Dotted, relative to the diffed part (lists are compared whole).
    pub path: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    /// The changes on the way from `from` to `to` that wrote this field.
    pub changed_by: Vec<ChangeHash>,
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("the document has no version {0}")]
    UnknownVersion(String),
    #[error("the version cannot be read: {0}")]
    Unreadable(String),
}

/// The fields under `under` (a dotted path such as `visits.<id>`, or empty for the whole document) that differ
/// between the versions at heads `from` (empty: before anything) and `to`.
pub fn diff(
    doc: &Automerge,
    from: &[ChangeHash],
    to: &[ChangeHash],
    under: &str,
) -> Result<Vec<FieldDiff>, HistoryError> {
    for hash in from.iter().chain(to) {
        if doc.get_change_by_hash(hash).is_none() {
            return Err(HistoryError::UnknownVersion(hash.to_string()));
        }
    }
    let before_doc = doc
        .fork_at(from)
        .map_err(|e| HistoryError::Unreadable(e.to_string()))?;
    let after_doc = doc
        .fork_at(to)
        .map_err(|e| HistoryError::Unreadable(e.to_string()))?;
    let before = flatten_under(&before_doc, under)?;
    let after = flatten_under(&after_doc, under)?;
    let mut cache = PathCache::default();
    let between: Vec<ChangeSummary> = after_doc
        .get_changes(from)
        .into_iter()
        .map(|change| summarise(&after_doc, &mut cache, &change))
        .collect();
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let prefix = if under.is_empty() {
        String::new()
    } else {
        format!("{under}.")
    };
    Ok(keys
        .into_iter()
        .filter(|key| before.get(*key) != after.get(*key))
        .map(|key| {
            let full = format!("{prefix}{key}");
            let removed = !after.contains_key(key);
            FieldDiff {
                path: key.clone(),
                before: before.get(key).cloned(),
                after: after.get(key).cloned(),
                changed_by: between
                    .iter()
                    .filter(|change| {
                        change.touches(&full) || (removed && change.wrote_above(&full))
                    })
                    .map(|change| change.hash)
                    .collect(),
            }
        })
        .collect())
}

/// The leaves (scalars and whole lists) of the part of the document at `under`, by dotted path relative to it.
fn flatten_under(
    doc: &Automerge,
    under: &str,
) -> Result<BTreeMap<String, serde_json::Value>, HistoryError> {
    let json = crate::reading::to_json(doc);
    let mut node = &json;
    for segment in under.split('.').filter(|s| !s.is_empty()) {
        match node.get(segment) {
            Some(child) => node = child,
            None => return Ok(BTreeMap::new()),
        }
    }
    let mut leaves = BTreeMap::new();
    flatten(node, &mut String::new(), &mut leaves);
    Ok(leaves)
}

fn flatten(
    value: &serde_json::Value,
    path: &mut String,
    out: &mut BTreeMap<String, serde_json::Value>,
) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                flatten(child, path, out);
                path.truncate(len);
            }
        }
        leaf => {
            out.insert(path.clone(), leaf.clone());
        }
    }
}

/// Whether the dotted `path` is `prefix` or lies under it.
fn at_or_below(path: &str, prefix: &str) -> bool {
    prefix.is_empty()
        || path == prefix
        || (path.starts_with(prefix) && path[prefix.len()..].starts_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{genesis, put_profile, put_visit};
    use crate::model::{Membership, Profile, Visit, VisitStatus};
    use uuid::Uuid;

    #[test]
    fn a_diff_names_the_fields_and_the_changes_that_wrote_them() {
        let id = Uuid::from_u128(9);
        let visit_id = Uuid::from_u128(10);
        let mut doc = genesis(id).with_actor(ActorId::random());
        let mut visit = Visit {
            status: Some(VisitStatus::Draft),
            membership: Some(Membership {
                members_total: Some(100),
                ..Default::default()
            }),
            ..Default::default()
        };
        let first = put_visit(&mut doc, visit_id, &visit, 1)
            .expect("save")
            .expect("change");
        put_profile(
            &mut doc,
            &Profile {
                member_count: Some(7),
                ..Default::default()
            },
            2,
        )
        .expect("save");
        visit.status = Some(VisitStatus::Submitted);
        visit.membership = Some(Membership {
            members_total: Some(120),
            ..Default::default()
        });
        let second = put_visit(&mut doc, visit_id, &visit, 3)
            .expect("save")
            .expect("change");

        let under = format!("visits.{visit_id}");
        let diffs = diff(&doc, &[first], &doc.get_heads(), &under).expect("diff");
        let paths: Vec<&str> = diffs.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, vec!["membership.members_total", "status"]);
        assert_eq!(diffs[0].before, Some(serde_json::json!(100)));
        assert_eq!(diffs[0].after, Some(serde_json::json!(120)));
        assert_eq!(
            diffs[0].changed_by,
            vec![second],
            "the profile change is not blamed"
        );

        let all = diff(&doc, &[], &[first], &under).expect("diff from nothing");
        assert!(
            all.iter()
                .all(|d| d.before.is_none() && d.changed_by == vec![first])
        );

        let history = changes(&doc);
        assert_eq!(history.len(), 4, "genesis and three edits");
        assert!(history[1].touches(&under) && !history[2].touches(&under));
        assert!(history[2].touches("profile.member_count"));
    }

    #[test]
    fn concurrent_edits_of_different_fields_are_parallel_updates() {
        let id = Uuid::from_u128(12);
        let mut first = genesis(id).with_actor(ActorId::random());
        let mut second = genesis(id).with_actor(ActorId::random());
        let edit = |count, name: Option<&str>| Profile {
            member_count: count,
            name: name.map(str::to_owned),
            ..Default::default()
        };
        put_profile(&mut first, &edit(Some(80), None), 1).expect("save");
        put_profile(&mut second, &edit(None, Some("甲")), 2).expect("save");
        first.merge(&mut second).expect("merge");
        let pairs = parallel_updates(&first, "profile");
        assert_eq!(pairs.len(), 1);
        // Once one side has seen the other, a later change is not parallel to it.
        put_profile(&mut first, &edit(Some(81), Some("甲")), 3).expect("save");
        assert_eq!(parallel_updates(&first, "profile").len(), 1);
        // The same field written concurrently is a conflict, not a parallel update.
        let mut third = genesis(id).with_actor(ActorId::random());
        put_profile(&mut third, &edit(Some(99), None), 4).expect("save");
        let mut fourth = genesis(id).with_actor(ActorId::random());
        put_profile(&mut fourth, &edit(Some(98), None), 5).expect("save");
        third.merge(&mut fourth).expect("merge");
        assert!(parallel_updates(&third, "profile").is_empty());
    }

    #[test]
    fn an_unknown_version_is_refused() {
        let doc = genesis(Uuid::from_u128(11));
        let error = diff(&doc, &[ChangeHash([7; 32])], &doc.get_heads(), "").expect_err("unknown");
        assert!(matches!(error, HistoryError::UnknownVersion(_)));
    }
}

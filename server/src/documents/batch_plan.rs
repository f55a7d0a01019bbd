//! The batch sync protocol's decisions, apart from the database: which documents of a request are answered with an
//! error, merged, sent to the phone or already in step; which heads a phone's digest names; whether its summary of the
//! documents it did not name still holds. [`super::service::handle`] loads what these need, calls them and stores.

use std::collections::{HashMap, HashSet};

use automerge::ChangeHash;
use hezuo_mobile_api::sync::{DocEntry, DocError, DocErrorCode, Summary};
use hezuo_sync::document::{self, heads_digest};
use uuid::Uuid;

use crate::auth::Scope;

/// What the server knows of the documents a request names.
#[derive(Debug, Default)]
pub struct Known {
    /// Region paths of registered cooperatives.
    pub region_paths: HashMap<Uuid, String>,
    /// Duplicates merged into another cooperative: id → the survivor's id.
    pub merged_into: HashMap<Uuid, Uuid>,
    /// Active holds on this account's devices: cooperative id → (code, reason in Chinese, reason in English).
    pub quarantined: HashMap<Uuid, (String, String, String)>,
}

impl Known {
    pub fn is_registered(&self, id: Uuid) -> bool {
        self.region_paths.contains_key(&id)
    }
}

pub fn doc_error(
    code: DocErrorCode,
    retryable: bool,
    zh: impl Into<String>,
    en: impl Into<String>,
) -> DocError {
    DocError {
        code,
        retryable,
        message_zh: zh.into(),
        message_en: en.into(),
        survivor: None,
    }
}

/// The answer for a cooperative outside the caller's regions, and equally for an id no cooperative has (unless the
/// caller is creating it), so that the answer never tells whether an id exists.
pub fn out_of_scope() -> DocError {
    doc_error(
        DocErrorCode::OutOfScope,
        false,
        "该合作社不在您的负责范围内",
        "this cooperative is outside your regions",
    )
}

/// Why a document cannot be synced by this caller at all, if it cannot.
pub fn access_error(known: &Known, scope: &Scope, id: Uuid) -> Option<DocError> {
    if let Some(path) = known.region_paths.get(&id)
        && !scope.covers_path(path)
    {
        return Some(out_of_scope());
    }
    known.merged_into.get(&id).map(|survivor| DocError {
        survivor: Some(survivor.as_bytes().to_vec()),
        ..doc_error(
            DocErrorCode::Merged,
            false,
            format!("该合作社与另一条记录重复，已合并到合作社 {survivor}；请重新拉取（hf pull）"),
            format!("this cooperative was a duplicate and was merged into {survivor}; pull again"),
        )
    })
}

/// Why this caller's changes to a document are on hold, if they are. A hold stops writes, not reads: the device still
/// receives the document.
pub fn write_hold(known: &Known, id: Uuid) -> Option<DocError> {
    known.quarantined.get(&id).map(|(code, zh, en)| {
        doc_error(
            DocErrorCode::Quarantined,
            false,
            format!("本设备对该合作社的修改已被暂停（{code}）：{zh}。请联系管理员。"),
            format!("changes from this device to this cooperative are on hold ({code}): {en}. Ask an administrator."),
        )
    })
}

pub fn busy() -> DocError {
    doc_error(
        DocErrorCode::Busy,
        true,
        "该合作社正被频繁修改，请稍后再同步",
        "the document is busy; sync again shortly",
    )
}

/// A request's entries by document id, in order, the first of any repeated id kept; `None` when an id is not 16 bytes.
pub fn entries(docs: Vec<DocEntry>) -> Option<Vec<(Uuid, DocEntry)>> {
    let mut seen = HashSet::new();
    let mut entries = Vec::with_capacity(docs.len());
    for entry in docs {
        let id = <[u8; 16]>::try_from(entry.id.as_slice())
            .map(Uuid::from_bytes)
            .ok()?;
        if seen.insert(id) {
            entries.push((id, entry));
        }
    }
    Some(entries)
}

/// What to do with one entry of a request.
#[derive(Debug, PartialEq)]
pub enum Step {
    /// Answer with this error and nothing else.
    Refuse(DocError),
    /// Merge the phone's message. With a hold, its changes are set aside and only what it lacks is answered.
    Merge {
        message: Vec<u8>,
        registered: bool,
        hold: Option<DocError>,
    },
    /// The phone's digest differs from the server's heads: send it what it lacks, from this stored version.
    Send { version: i64 },
    /// The phone holds exactly the server's heads.
    InStep,
}

/// Decides one entry. `current` is the server's heads and version of the document, when it has stored one.
pub fn step(
    id: Uuid,
    entry: DocEntry,
    known: &Known,
    scope: &Scope,
    current: Option<&(Vec<ChangeHash>, i64)>,
) -> Step {
    if let Some(error) = access_error(known, scope, id) {
        return Step::Refuse(error);
    }
    let registered = known.is_registered(id);
    match entry.message {
        Some(message) => Step::Merge {
            message,
            registered,
            hold: write_hold(known, id),
        },
        None if !registered => Step::Refuse(out_of_scope()),
        None => {
            let (heads, version) = current
                .cloned()
                .unwrap_or_else(|| (vec![document::genesis_hash(id)], 0));
            if entry.heads_digest.as_deref() == Some(heads_digest(&heads).as_slice()) {
                Step::InStep
            } else {
                Step::Send { version }
            }
        }
    }
}

/// The heads a phone's digest names, among those the server can tell: what it last acknowledged, what it was last
/// sent, or the genesis every document starts from. Where the digest names one of them, everything the phone lacks
/// can go out at once.
pub fn heads_named(
    id: Uuid,
    digest: Option<&[u8]>,
    acknowledged: Vec<ChangeHash>,
    offered: Vec<ChangeHash>,
) -> Option<Vec<ChangeHash>> {
    let digest = digest?;
    [acknowledged, offered, vec![document::genesis_hash(id)]]
        .into_iter()
        .find(|heads| !heads.is_empty() && digest == heads_digest(heads).as_slice())
}

/// Whether the phone's summary equals the server's heads for the documents the device holds that the request did not
/// name. `current` gives the server's heads of a stored document.
pub fn summary_matches(
    held: &[Uuid],
    named: &HashSet<Uuid>,
    current: &HashMap<Uuid, Vec<ChangeHash>>,
    summary: &Summary,
) -> bool {
    let unnamed: Vec<Uuid> = held
        .iter()
        .filter(|id| !named.contains(id))
        .copied()
        .collect();
    if unnamed.len() != summary.count as usize {
        return false;
    }
    let heads: Vec<(Uuid, Vec<ChangeHash>)> = unnamed
        .iter()
        .map(|id| {
            let heads = current
                .get(id)
                .cloned()
                .unwrap_or_else(|| vec![document::genesis_hash(*id)]);
            (*id, heads)
        })
        .collect();
    let digest = document::summary_digest(heads.iter().map(|(id, heads)| (*id, heads.as_slice())));
    digest.as_slice() == summary.digest.as_slice()
}

/// How the reply to a merged document ends.
#[derive(Debug, PartialEq, Eq)]
pub enum Close {
    /// Both sides hold the same heads, on HTTP: a short acknowledgement (the digest) replaces a message that would only
    /// say so.
    Acknowledge(Vec<u8>),
    /// Send the sync message; `more` when the phone still lacks something or has something the server lacks.
    Message { more: bool },
}

/// How to close the exchange once the server holds `heads` and the phone has said it holds `their_heads`.
pub fn close(
    heads: &[ChangeHash],
    their_heads: Option<&Vec<ChangeHash>>,
    acknowledge: bool,
) -> Close {
    let in_step = their_heads.is_some_and(|theirs| theirs.as_slice() == heads);
    if in_step && acknowledge {
        Close::Acknowledge(heads_digest(heads).to_vec())
    } else {
        Close::Message { more: !in_step }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::scope::ScopeRoot;

    const HAISHU: &str = "/330000/330200/330203/";
    const YINZHOU: &str = "/330000/330200/330212/";

    fn id(n: u8) -> Uuid {
        Uuid::from_bytes([n; 16])
    }

    fn hash(n: u8) -> ChangeHash {
        ChangeHash([n; 32])
    }

    fn scope() -> Scope {
        Scope::Subtrees(vec![ScopeRoot {
            code: "330203".to_owned(),
            path: HAISHU.to_owned(),
        }])
    }

    fn entry(n: u8, digest: Option<&[ChangeHash]>, message: Option<&[u8]>) -> DocEntry {
        DocEntry {
            id: id(n).as_bytes().to_vec(),
            heads_digest: digest.map(|heads| heads_digest(heads).to_vec()),
            message: message.map(<[u8]>::to_vec),
        }
    }

    fn known() -> Known {
        let mut known = Known::default();
        known
            .region_paths
            .insert(id(1), format!("{HAISHU}330203001/"));
        known
            .region_paths
            .insert(id(2), format!("{YINZHOU}330212001/"));
        known
            .region_paths
            .insert(id(3), format!("{HAISHU}330203001/"));
        known.merged_into.insert(id(3), id(1));
        known
            .region_paths
            .insert(id(4), format!("{HAISHU}330203002/"));
        known.quarantined.insert(
            id(4),
            (
                "server_only".into(),
                "写了只读字段".into(),
                "wrote review".into(),
            ),
        );
        known
    }

    #[test]
    fn entries_keep_the_first_of_a_repeated_id_and_refuse_a_short_one() {
        let first = entry(1, None, Some(b"first"));
        let again = entry(1, None, Some(b"again"));
        let other = entry(2, None, None);
        let entries = entries(vec![first.clone(), again, other.clone()]).expect("ids");
        assert_eq!(entries, vec![(id(1), first), (id(2), other)]);
        let short = DocEntry {
            id: vec![1; 15],
            ..DocEntry::default()
        };
        assert_eq!(super::entries(vec![short]), None);
    }

    #[test]
    fn another_region_and_an_unknown_id_get_the_same_answer() {
        let known = known();
        let outside = step(id(2), entry(2, None, Some(b"m")), &known, &scope(), None);
        let unknown_read = step(id(9), entry(9, None, None), &known, &scope(), None);
        assert_eq!(outside, Step::Refuse(out_of_scope()));
        assert_eq!(unknown_read, Step::Refuse(out_of_scope()));
    }

    #[test]
    fn a_message_for_an_unknown_id_is_merged_as_a_new_cooperative() {
        let step = step(id(9), entry(9, None, Some(b"m")), &known(), &scope(), None);
        assert_eq!(
            step,
            Step::Merge {
                message: b"m".to_vec(),
                registered: false,
                hold: None
            }
        );
    }

    #[test]
    fn a_merged_duplicate_names_its_survivor() {
        let Step::Refuse(error) = step(id(3), entry(3, None, None), &known(), &scope(), None)
        else {
            panic!("refused");
        };
        assert_eq!(error.code, DocErrorCode::Merged);
        assert_eq!(error.merged_into(), Some(id(1)));
        assert!(error.message_zh.contains(&id(1).to_string()));
    }

    #[test]
    fn a_held_device_still_merges_to_read() {
        let Step::Merge {
            hold, registered, ..
        } = step(id(4), entry(4, None, Some(b"m")), &known(), &scope(), None)
        else {
            panic!("merged");
        };
        assert!(registered);
        let hold = hold.expect("held");
        assert_eq!(hold.code, DocErrorCode::Quarantined);
        assert!(hold.message_zh.contains("server_only"));
    }

    #[test]
    fn a_digest_of_the_servers_heads_is_in_step_and_any_other_is_sent_from_the_stored_version() {
        let current = (vec![hash(7)], 12);
        let same = step(
            id(1),
            entry(1, Some(&[hash(7)]), None),
            &known(),
            &scope(),
            Some(&current),
        );
        assert_eq!(same, Step::InStep);
        let behind = step(
            id(1),
            entry(1, Some(&[hash(6)]), None),
            &known(),
            &scope(),
            Some(&current),
        );
        assert_eq!(behind, Step::Send { version: 12 });
        let no_digest = step(
            id(1),
            entry(1, None, None),
            &known(),
            &scope(),
            Some(&current),
        );
        assert_eq!(no_digest, Step::Send { version: 12 });
    }

    #[test]
    fn a_document_never_stored_is_at_its_genesis() {
        let genesis = [document::genesis_hash(id(1))];
        let step = step(
            id(1),
            entry(1, Some(&genesis), None),
            &known(),
            &scope(),
            None,
        );
        assert_eq!(step, Step::InStep);
    }

    #[test]
    fn the_digest_names_the_acknowledged_the_offered_or_the_genesis_heads() {
        let acknowledged = vec![hash(1)];
        let offered = vec![hash(2), hash(3)];
        let named = |heads: &[ChangeHash]| {
            heads_named(
                id(1),
                Some(heads_digest(heads).as_slice()),
                acknowledged.clone(),
                offered.clone(),
            )
        };
        assert_eq!(named(&acknowledged), Some(acknowledged.clone()));
        assert_eq!(named(&offered), Some(offered.clone()));
        let genesis = vec![document::genesis_hash(id(1))];
        assert_eq!(named(&genesis), Some(genesis));
        assert_eq!(named(&[hash(9)]), None);
        assert_eq!(heads_named(id(1), None, acknowledged, offered), None);
    }

    #[test]
    fn an_empty_acknowledgement_never_matches() {
        let empty: Vec<ChangeHash> = Vec::new();
        let digest = heads_digest(&empty);
        assert_eq!(
            heads_named(id(1), Some(digest.as_slice()), Vec::new(), Vec::new()),
            None
        );
    }

    #[test]
    fn the_summary_covers_exactly_the_held_documents_the_request_did_not_name() {
        let held = [id(1), id(2), id(3)];
        let named: HashSet<Uuid> = [id(3)].into();
        let current: HashMap<Uuid, Vec<ChangeHash>> = [(id(1), vec![hash(1)])].into();
        let genesis_2 = vec![document::genesis_hash(id(2))];
        let digest = document::summary_digest(
            [(id(1), vec![hash(1)]), (id(2), genesis_2)]
                .iter()
                .map(|(id, heads)| (*id, heads.as_slice())),
        );
        let summary = Summary {
            count: 2,
            digest: digest.to_vec(),
        };
        assert!(summary_matches(&held, &named, &current, &summary));
        let moved: HashMap<Uuid, Vec<ChangeHash>> = [(id(1), vec![hash(4)])].into();
        assert!(!summary_matches(&held, &named, &moved, &summary));
        let fewer = Summary {
            count: 3,
            ..summary.clone()
        };
        assert!(!summary_matches(&held, &named, &current, &fewer));
    }

    #[test]
    fn heads_both_sides_hold_are_acknowledged_on_http_and_messaged_on_a_socket() {
        let heads = vec![hash(5)];
        assert_eq!(
            close(&heads, Some(&heads), true),
            Close::Acknowledge(heads_digest(&heads).to_vec())
        );
        assert_eq!(
            close(&heads, Some(&heads), false),
            Close::Message { more: false }
        );
        assert_eq!(
            close(&heads, Some(&vec![hash(6)]), true),
            Close::Message { more: true }
        );
        assert_eq!(close(&heads, None, true), Close::Message { more: true });
    }
}

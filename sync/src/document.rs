//! Creating, reading, checking and editing cooperative documents.

use automerge::transaction::{CommitOptions, Transactable};
use std::collections::BTreeSet;

use automerge::{ActorId, Automerge, AutomergeError, ChangeHash, ObjId, ObjType, ROOT, ReadDoc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::model::{CooperativeDoc, PhotoMeta, Profile, Visit};
use crate::reading::ScannedDoc;
use crate::trust::Touched;

/// The schema version new documents are written with.
pub const SCHEMA_VERSION: u64 = 1;

/// The root keys only the genesis change writes.
pub const CONTAINERS: [&str; 5] = ["profile", "visits", "photos", "review", "decisions"];

/// The actor of a document's genesis change: `genesis:` followed by the cooperative's UUID (24 bytes, so it can never
/// equal a 16-byte device actor).
pub fn genesis_actor(cooperative_id: Uuid) -> ActorId {
    let mut bytes = b"genesis:".to_vec();
    bytes.extend_from_slice(cooperative_id.as_bytes());
    ActorId::from(bytes)
}

/// The first change of every cooperative document. It is a pure function of the cooperative id (fixed actor, time 0,
/// fixed operations), so every phone and every server instance creates the very same change: nobody ever creates a
/// competing `visits` map whose contents a merge would hide.
pub fn genesis(cooperative_id: Uuid) -> Automerge {
    let mut doc = Automerge::new().with_actor(genesis_actor(cooperative_id));
    let mut tx = doc.transaction();
    let written: Result<(), AutomergeError> = (|| {
        tx.put(ROOT, "schema_version", SCHEMA_VERSION)?;
        tx.put(ROOT, "cooperative_id", cooperative_id.to_string())?;
        for container in CONTAINERS {
            tx.put_object(ROOT, container, ObjType::Map)?;
        }
        Ok(())
    })();
    written.expect("putting values into a fresh document cannot fail");
    tx.commit_with(CommitOptions::default().with_time(0));
    doc
}

/// The hash of [`genesis`]'s only change. Remembered per id: a sync compares it for every document a phone holds.
pub fn genesis_hash(cooperative_id: Uuid) -> ChangeHash {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    /// Bounds the memo (about 50 bytes an entry); it is simply emptied when full.
    const REMEMBERED: usize = 200_000;
    static KNOWN: OnceLock<Mutex<HashMap<Uuid, ChangeHash>>> = OnceLock::new();
    let known = KNOWN.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(hash) = known
        .lock()
        .ok()
        .and_then(|map| map.get(&cooperative_id).copied())
    {
        return hash;
    }
    let hash = genesis(cooperative_id).get_heads()[0];
    if let Ok(mut map) = known.lock() {
        if map.len() >= REMEMBERED {
            map.clear();
        }
        map.insert(cooperative_id, hash);
    }
    hash
}

/// Saves a document without the changes that wait for a missing dependency. automerge keeps such changes in a queue
/// and by default writes them into a save; they were never checked, so no snapshot may hold them.
pub fn save(doc: &Automerge) -> Vec<u8> {
    doc.save_with_options(automerge::SaveOptions {
        deflate: true,
        retain_orphans: false,
    })
}

/// Whether the document holds changes waiting for a missing dependency (which it would apply, unchecked, once the
/// dependency arrived).
pub fn has_orphans(doc: &Automerge) -> bool {
    !doc.get_missing_deps(&[]).is_empty()
}

/// The document without its waiting changes: saved without them and loaded again.
pub fn without_orphans(doc: Automerge) -> Result<Automerge, AutomergeError> {
    if has_orphans(&doc) {
        Automerge::load(&save(&doc))
    } else {
        Ok(doc)
    }
}

/// An 8-byte digest of a set of heads: what a phone sends for a document it believes unchanged.
pub fn heads_digest(heads: &[ChangeHash]) -> [u8; 8] {
    let mut sorted: Vec<&ChangeHash> = heads.iter().collect();
    sorted.sort();
    let mut hasher = Sha256::new();
    for head in sorted {
        hasher.update(head.0);
    }
    let digest = hasher.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&digest[..8]);
    out
}

/// The summary digest over many documents: SHA-256 over (id, heads digest) sorted by id, cut to 8 bytes. Phone and
/// server compute it alike, so equal summaries mean equal heads everywhere (but for a 2^-64 chance).
pub fn summary_digest<'a>(docs: impl IntoIterator<Item = (Uuid, &'a [ChangeHash])>) -> [u8; 8] {
    let mut entries: Vec<(Uuid, [u8; 8])> = docs
        .into_iter()
        .map(|(id, heads)| (id, heads_digest(heads)))
        .collect();
    entries.sort();
    let mut hasher = Sha256::new();
    for (id, digest) in entries {
        hasher.update(id.as_bytes());
        hasher.update(digest);
    }
    let digest = hasher.finalize();
    let mut out = [0u8; 8];
    out.copy_from_slice(&digest[..8]);
    out
}

/// Why a document does not fit the schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct SchemaError {
    /// Where in the document, e.g. `visits.<id>.membership.members_total`.
    pub path: String,
    pub message: String,
}

/// Reads the document leniently: missing fields are absent, values that do not fit are an error.
pub fn read(doc: &Automerge) -> Result<CooperativeDoc, autosurgeon::HydrateError> {
    autosurgeon::hydrate(&ScannedDoc::new(doc))
}

/// The longest text a field may hold, in characters: free-text fields a few paragraphs, every other text (names,
/// codes, phone numbers, list items) a line. [P]
pub fn max_text_chars(field: &str) -> usize {
    match field {
        "notes"
        | "illegal_finance_notes"
        | "business_scope"
        | "abnormal_reason"
        | "override_reason"
        | "main_products"
        | "caption"
        | "note" => 2_000,
        _ => 200,
    }
}

/// The strict check the trust boundary applies: no unknown fields, every code from its vocabulary, every value of its
/// type and range, keys of the right form. Returns the document as the projections read it, so they need not read
/// it again.
pub fn check_schema(doc: &Automerge) -> Result<CooperativeDoc, SchemaError> {
    let json = crate::reading::to_json(doc);
    let typed: CooperativeDoc =
        serde_path_to_error::deserialize(json).map_err(|e| SchemaError {
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })?;
    // The projections read with autosurgeon, which is stricter about numbers than serde (an integer where a float is
    // expected): what the check accepts must also read there.
    let read_back = read(doc).map_err(|e| SchemaError {
        path: String::new(),
        message: e.to_string(),
    })?;
    for id in typed.visits.keys() {
        if Uuid::parse_str(id).is_err() {
            return Err(SchemaError {
                path: format!("visits.{id}"),
                message: "visit keys are UUIDs".to_owned(),
            });
        }
    }
    for hash in typed.photos.keys() {
        if crate::model::PhotoHash::parse(hash).is_none() {
            return Err(SchemaError {
                path: format!("photos.{hash}"),
                message: "photo keys are SHA-256 hex digests".to_owned(),
            });
        }
    }
    Ok(read_back)
}

/// The strict check of [`check_schema`], applied to the parts of a document that changes wrote to: the profile when
/// touched, and each touched visit and photo entry. What no change touched was checked when it was written, so this
/// costs what the changes wrote, not what the document holds.
pub fn check_parts(doc: &Automerge, touched: &Touched) -> Result<(), SchemaError> {
    let scanned = ScannedDoc::new(doc);
    if touched.profile {
        check_part::<Profile>(doc, &scanned, &ROOT, "profile", "profile")?;
    }
    if let Some(visits) = container(doc, "visits").filter(|_| !touched.visits.is_empty()) {
        for id in &touched.visits {
            let path = format!("visits.{id}");
            if Uuid::parse_str(id).is_err() {
                return Err(SchemaError {
                    path,
                    message: "visit keys are UUIDs".to_owned(),
                });
            }
            check_part::<Visit>(doc, &scanned, &visits, id, &path)?;
        }
    }
    if let Some(photos) = container(doc, "photos").filter(|_| !touched.photos.is_empty()) {
        for hash in &touched.photos {
            let path = format!("photos.{hash}");
            if crate::model::PhotoHash::parse(hash).is_none() {
                return Err(SchemaError {
                    path,
                    message: "photo keys are SHA-256 hex digests".to_owned(),
                });
            }
            check_part::<PhotoMeta>(doc, &scanned, &photos, hash, &path)?;
        }
    }
    Ok(())
}

/// Checks the value at `key` of `obj` as [`check_schema`] checks the whole document: it deserialises strictly, and
/// it reads with autosurgeon as the projections will. An absent key has nothing to check.
fn check_part<T: serde::de::DeserializeOwned + autosurgeon::Hydrate>(
    doc: &Automerge,
    scanned: &ScannedDoc<'_>,
    obj: &ObjId,
    key: &str,
    path: &str,
) -> Result<(), SchemaError> {
    let Some(json) = crate::reading::key_json(doc, obj, key) else {
        return Ok(());
    };
    serde_path_to_error::deserialize::<_, T>(json).map_err(|e| {
        let inner = e.path().to_string();
        let path = match inner.as_str() {
            "." => path.to_owned(),
            index if index.starts_with('[') => format!("{path}{index}"),
            field => format!("{path}.{field}"),
        };
        SchemaError {
            path,
            message: e.inner().to_string(),
        }
    })?;
    hydrate_key::<T>(doc, scanned, obj, key).map_err(|e| SchemaError {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    Ok(())
}

/// The map a root key holds, if it holds one.
fn container(doc: &Automerge, key: &str) -> Option<ObjId> {
    match doc.get(ROOT, key) {
        Ok(Some((automerge::Value::Object(ObjType::Map), id))) => Some(id),
        _ => None,
    }
}

/// Reads part of a document: its ids and profile, the visits in `visits` with their review records, and the photo
/// entries in `photos` together with those the visits name. Everything else in the result is empty. A commit reads
/// this much, not the whole document, so that its cost follows what changed.
pub fn read_parts(
    doc: &Automerge,
    visits: &BTreeSet<String>,
    photos: &BTreeSet<String>,
) -> Result<CooperativeDoc, autosurgeon::HydrateError> {
    let scanned = ScannedDoc::new(doc);
    let mut read = CooperativeDoc {
        schema_version: hydrate_key(doc, &scanned, &ROOT, "schema_version")?.flatten(),
        cooperative_id: hydrate_key(doc, &scanned, &ROOT, "cooperative_id")?.flatten(),
        profile: hydrate_key(doc, &scanned, &ROOT, "profile")?.unwrap_or_default(),
        ..CooperativeDoc::default()
    };
    if let Some(visit_map) = container(doc, "visits") {
        for id in visits {
            if let Some(visit) = hydrate_key(doc, &scanned, &visit_map, id)? {
                read.visits.insert(id.clone(), visit);
            }
        }
    }
    if let Some(review_map) = container(doc, "review") {
        for id in read.visits.keys() {
            if let Some(record) = hydrate_key(doc, &scanned, &review_map, id)? {
                read.review.insert(id.clone(), record);
            }
        }
    }
    if let Some(photo_map) = container(doc, "photos") {
        let named: BTreeSet<String> = read
            .visits
            .values()
            .flat_map(|visit| visit.named_photos().into_keys())
            .chain(photos.iter().cloned())
            .collect();
        for hash in named {
            if let Some(meta) = hydrate_key(doc, &scanned, &photo_map, &hash)? {
                read.photos.insert(hash, meta);
            }
        }
    }
    Ok(read)
}

/// Reads the value at `key` of `obj`, or `None` when the key is absent (as the whole document's reader treats a
/// missing field). The key is found with one seek: the scanned view would scan the whole map (every visit of the
/// cooperative) to answer for one key; the value's own maps are read through it.
fn hydrate_key<T: autosurgeon::Hydrate>(
    doc: &Automerge,
    scanned: &ScannedDoc<'_>,
    obj: &ObjId,
    key: &str,
) -> Result<Option<T>, autosurgeon::HydrateError> {
    match doc.get(obj, key)? {
        None => Ok(None),
        Some((automerge::Value::Object(ObjType::Map), id)) => {
            T::hydrate_map(scanned, &id).map(Some)
        }
        // Anything else is read as the whole document's reader reads it, which says what does not fit.
        Some(_) => autosurgeon::hydrate_prop(scanned, obj, key).map(Some),
    }
}

/// The visit a photo entry names, if the entry exists and names one.
pub fn photo_visit(doc: &Automerge, hash: &str) -> Option<String> {
    let photos = container(doc, "photos")?;
    let (_, entry) = doc.get(&photos, hash).ok()??;
    doc.get(&entry, "visit_id")
        .ok()
        .flatten()
        .and_then(|(value, _)| value.into_string().ok())
}

/// Saves a visit as one commit by the document's actor; returns the change, or `None` when nothing differed.
pub fn put_visit(
    doc: &mut Automerge,
    visit_id: Uuid,
    visit: &Visit,
    time_ms: i64,
) -> Result<Option<ChangeHash>, EditError> {
    let mut tx = doc.transaction();
    let visits = match tx.get(ROOT, "visits")? {
        Some((automerge::Value::Object(ObjType::Map), id)) => id,
        _ => return Err(EditError::NotACooperativeDocument),
    };
    autosurgeon::reconcile_prop(&mut tx, &visits, visit_id.to_string().as_str(), visit)?;
    Ok(tx
        .commit_with(CommitOptions::default().with_time(time_ms))
        .0)
}

/// Attaches photos to a visit in one commit: their metadata under `photos` and their hashes in the visit's
/// `expected_photos`, so the visit syncs at once and the server knows which photos to expect.
pub fn attach_photos(
    doc: &mut Automerge,
    visit_id: Uuid,
    visit: &Visit,
    photos: &[(crate::model::PhotoHash, crate::model::PhotoMeta)],
    time_ms: i64,
) -> Result<Option<ChangeHash>, EditError> {
    let mut tx = doc.transaction();
    let (visits, photo_map) = match (tx.get(ROOT, "visits")?, tx.get(ROOT, "photos")?) {
        (
            Some((automerge::Value::Object(ObjType::Map), visits)),
            Some((automerge::Value::Object(ObjType::Map), photo_map)),
        ) => (visits, photo_map),
        _ => return Err(EditError::NotACooperativeDocument),
    };
    for (hash, meta) in photos {
        autosurgeon::reconcile_prop(&mut tx, &photo_map, hash.as_str(), meta)?;
    }
    autosurgeon::reconcile_prop(&mut tx, &visits, visit_id.to_string().as_str(), visit)?;
    Ok(tx
        .commit_with(CommitOptions::default().with_time(time_ms))
        .0)
}

/// Saves the observed profile as one commit.
pub fn put_profile(
    doc: &mut Automerge,
    profile: &Profile,
    time_ms: i64,
) -> Result<Option<ChangeHash>, EditError> {
    let mut tx = doc.transaction();
    if !matches!(
        tx.get(ROOT, "profile")?,
        Some((automerge::Value::Object(ObjType::Map), _))
    ) {
        return Err(EditError::NotACooperativeDocument);
    }
    autosurgeon::reconcile_prop(&mut tx, ROOT, "profile", profile)?;
    Ok(tx
        .commit_with(CommitOptions::default().with_time(time_ms))
        .0)
}

/// Why an edit could not be applied. The causes are boxed: edits return this through every layer of the phone SDK.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("not a cooperative document (no genesis)")]
    NotACooperativeDocument,
    #[error(transparent)]
    Automerge(Box<AutomergeError>),
    #[error(transparent)]
    Reconcile(Box<autosurgeon::ReconcileError>),
    #[error("the document does not read: {0}")]
    Unreadable(Box<autosurgeon::HydrateError>),
}

impl From<autosurgeon::HydrateError> for EditError {
    fn from(error: autosurgeon::HydrateError) -> Self {
        EditError::Unreadable(Box::new(error))
    }
}

impl From<AutomergeError> for EditError {
    fn from(error: AutomergeError) -> Self {
        EditError::Automerge(Box::new(error))
    }
}

impl From<autosurgeon::ReconcileError> for EditError {
    fn from(error: autosurgeon::ReconcileError) -> Self {
        EditError::Reconcile(Box::new(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Membership, VisitMeta, VisitStatus, VisitType};

    fn id() -> Uuid {
        Uuid::from_u128(0x0192_f0a4_7c5e_7a3b_9c1d_2e3f_4a5b_6c7d)
    }

    #[test]
    fn genesis_is_the_same_everywhere() {
        let a = genesis(id());
        let b = genesis(id());
        assert_eq!(a.get_heads(), b.get_heads());
        assert_eq!(a.save(), b.save());
        assert_ne!(genesis(Uuid::from_u128(7)).get_heads(), a.get_heads());
        let read = read(&a).expect("reads");
        assert_eq!(read.schema_version, Some(SCHEMA_VERSION));
        assert_eq!(read.cooperative_id, Some(id().to_string()));
        assert!(read.visits.is_empty());
    }

    #[test]
    fn visits_written_by_two_phones_both_survive_a_merge() {
        let mut first = genesis(id()).with_actor(ActorId::random());
        let mut second = genesis(id()).with_actor(ActorId::random());
        let visit = |kind| Visit {
            status: Some(VisitStatus::Draft),
            meta: Some(VisitMeta {
                visit_type: Some(kind),
                ..Default::default()
            }),
            ..Default::default()
        };
        put_visit(
            &mut first,
            Uuid::from_u128(1),
            &visit(VisitType::Baseline),
            1,
        )
        .expect("save");
        put_visit(
            &mut second,
            Uuid::from_u128(2),
            &visit(VisitType::Routine),
            2,
        )
        .expect("save");
        first.merge(&mut second).expect("merge");
        let doc = check_schema(&first).expect("valid");
        assert_eq!(doc.visits.len(), 2);
    }

    #[test]
    fn absent_fields_are_not_written() {
        let mut doc = genesis(id()).with_actor(ActorId::random());
        let before = doc.save().len();
        let visit = Visit {
            status: Some(VisitStatus::Draft),
            membership: Some(Membership {
                members_total: Some(120),
                ..Default::default()
            }),
            ..Default::default()
        };
        put_visit(&mut doc, Uuid::from_u128(3), &visit, 3).expect("save");
        let stored = read(&doc).expect("reads").visits[&Uuid::from_u128(3).to_string()].clone();
        assert_eq!(stored, visit);
        // Two fields and two maps; no nulls for the dozens of absent fields.
        assert!(
            doc.save().len() - before < 300,
            "{} bytes",
            doc.save().len() - before
        );
        // Saving the same visit again changes nothing.
        assert_eq!(
            put_visit(&mut doc, Uuid::from_u128(3), &visit, 4).expect("save"),
            None
        );
    }

    #[test]
    fn the_strict_check_refuses_unknown_fields_and_codes() {
        let mut doc = genesis(id()).with_actor(ActorId::random());
        {
            let mut tx = doc.transaction();
            let (_, profile) = tx.get(ROOT, "profile").expect("get").expect("profile");
            tx.put(&profile, "favourite_colour", "red").expect("put");
            tx.commit();
        }
        let error = check_schema(&doc).expect_err("unknown field");
        assert!(error.message.contains("favourite_colour"), "{error}");

        let mut doc = genesis(id()).with_actor(ActorId::random());
        {
            let mut tx = doc.transaction();
            let (_, profile) = tx.get(ROOT, "profile").expect("get").expect("profile");
            tx.put(&profile, "operating_status", "thriving")
                .expect("put");
            tx.commit();
        }
        let error = check_schema(&doc).expect_err("unknown code");
        assert_eq!(error.path, "profile.operating_status");
    }

    #[test]
    fn parts_read_and_check_as_the_whole_document_does_there() {
        use crate::model::{PhotoHash, PhotoMeta};
        let mut doc = genesis(id()).with_actor(ActorId::random());
        let hash = |c: &str| PhotoHash::parse(&c.repeat(64)).expect("hash");
        let visit = |named: Vec<PhotoHash>| Visit {
            status: Some(VisitStatus::Draft),
            expected_photos: named,
            membership: Some(Membership {
                members_total: Some(12),
                ..Default::default()
            }),
            ..Default::default()
        };
        let meta = |visit: u128| PhotoMeta {
            visit_id: Some(Uuid::from_u128(visit).to_string()),
            caption: Some("门牌".into()),
            ..Default::default()
        };
        attach_photos(
            &mut doc,
            Uuid::from_u128(1),
            &visit(vec![hash("a")]),
            &[(hash("a"), meta(1)), (hash("b"), meta(2))],
            1,
        )
        .expect("attach");
        put_visit(&mut doc, Uuid::from_u128(2), &visit(Vec::new()), 2).expect("save");
        put_profile(
            &mut doc,
            &Profile {
                member_count: Some(30),
                ..Default::default()
            },
            3,
        )
        .expect("save");
        let record = |note: &str| crate::model::ReviewRecord {
            note: Some(note.to_owned()),
            ..Default::default()
        };
        let records = [1, 2].map(|n| (Uuid::from_u128(n).to_string(), record("审核")));
        crate::server_edit::put_reviews(&mut doc, &records, 4).expect("review");
        let whole = read(&doc).expect("reads");

        let wanted: BTreeSet<String> = [Uuid::from_u128(1).to_string()].into();
        let parts = read_parts(&doc, &wanted, &[hash("b").to_string()].into()).expect("reads");
        assert_eq!(parts.profile, whole.profile);
        assert_eq!(parts.cooperative_id, whole.cooperative_id);
        assert_eq!(parts.schema_version, whole.schema_version);
        assert_eq!(parts.visits.len(), 1);
        assert_eq!(
            parts.visits[&wanted.iter().next().cloned().unwrap_or_default()],
            whole.visits[&Uuid::from_u128(1).to_string()]
        );
        assert_eq!(
            parts.review.keys().collect::<Vec<_>>(),
            vec![&Uuid::from_u128(1).to_string()],
            "the review record of the visit read"
        );
        assert_eq!(
            parts.review.values().next(),
            whole.review.get(&Uuid::from_u128(1).to_string())
        );
        assert_eq!(
            parts.photos, whole.photos,
            "the photo the visit names, and the one asked for"
        );
        let nothing = read_parts(
            &doc,
            &[Uuid::from_u128(9).to_string()].into(),
            &BTreeSet::new(),
        )
        .expect("reads");
        assert!(nothing.visits.is_empty() && nothing.photos.is_empty());

        let touched = Touched {
            profile: true,
            visits: wanted.clone(),
            photos: [hash("b").to_string()].into(),
        };
        check_parts(&doc, &touched).expect("fits");
        {
            let mut tx = doc.transaction();
            let (_, visits) = tx.get(ROOT, "visits").expect("get").expect("visits");
            let (_, first) = tx
                .get(&visits, Uuid::from_u128(1).to_string())
                .expect("get")
                .expect("visit");
            let (_, membership) = tx
                .get(&first, "membership")
                .expect("get")
                .expect("membership");
            tx.put(&membership, "members_total", "many").expect("put");
            tx.commit();
        }
        let error = check_parts(&doc, &touched).expect_err("a text where a number belongs");
        assert_eq!(
            error,
            check_schema(&doc).expect_err("the whole check agrees")
        );
        let untouched = Touched {
            visits: [Uuid::from_u128(2).to_string()].into(),
            ..Default::default()
        };
        check_parts(&doc, &untouched).expect("the other visit is not looked at");
    }

    #[test]
    fn digests_ignore_head_order() {
        let a = ChangeHash([1; 32]);
        let b = ChangeHash([2; 32]);
        assert_eq!(heads_digest(&[a, b]), heads_digest(&[b, a]));
        assert_ne!(heads_digest(&[a]), heads_digest(&[b]));
    }
}

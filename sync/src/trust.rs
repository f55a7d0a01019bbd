//! The trust boundary: which changes a device may make to a cooperative document (ARCHITECTURE.md §4).
//!
//! The check runs on the operations of the new changes, not on the merged state, so an operation hidden by a
//! concurrent conflict is judged like any other. The server runs it on a fork before merging; the phone runs the same
//! check before committing locally, so an honest phone never meets a refusal.

use std::collections::{BTreeSet, HashMap, HashSet};

use automerge::{ActorId, Automerge, Change, ChangeHash, ObjId, Prop, ROOT, ReadDoc};
use uuid::Uuid;

use crate::document::{self, SchemaError};

/// Who wrote the new changes, as the server's device binding says.
#[derive(Debug, Clone)]
pub struct Writer {
    /// The actor the server assigned to the device.
    pub actor: ActorId,
    /// The device's other actors: those bound to it since, and those no device has used yet, which the server binds
    /// to it when it stores the changes (stock automerge clients pick their own actors).
    pub other_actors: HashSet<ActorId>,
    pub user_id: String,
    pub device_id: String,
    /// Counsellors and admins write; supervisors and viewers only read.
    pub may_write: bool,
}

impl Writer {
    /// Whether changes by `actor` are this device's.
    pub fn owns(&self, actor: &ActorId) -> bool {
        actor == &self.actor || self.other_actors.contains(actor)
    }
}

/// Why changes were refused. The `code` is stable; the messages are for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message_en}")]
pub struct Refusal {
    pub code: RefusalCode,
    /// The document path concerned, e.g. `review.<visit>`.
    pub path: Option<String>,
    pub message_zh: String,
    pub message_en: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalCode {
    /// The device's role may read but not write.
    ReadOnly,
    /// A change by an actor that is not this device's.
    ForeignActor,
    /// A write to `review`, `decisions` or the document's identity.
    ServerOnly,
    /// An edit of a visit someone else wrote.
    NotAuthor,
    /// Deleting a visit or a container.
    Delete,
    /// A path the schema does not have.
    UnknownPath,
    /// The merged document does not fit the schema.
    Schema,
    /// A genesis change that is not the document's.
    BadGenesis,
    /// Rewriting who wrote a visit.
    Authorship,
    /// A change, or a text in it, longer than allowed.
    TooLarge,
}

impl std::fmt::Display for RefusalCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        f.write_str(&text)
    }
}

fn refuse(
    code: RefusalCode,
    path: Option<String>,
    zh: impl Into<String>,
    en: impl Into<String>,
) -> Refusal {
    Refusal {
        code,
        path,
        message_zh: zh.into(),
        message_en: en.into(),
    }
}

/// The parts of a document that accepted changes wrote to: what the projections of it must read again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    pub profile: bool,
    /// Visit ids.
    pub visits: BTreeSet<String>,
    /// Photo hashes.
    pub photos: BTreeSet<String>,
}

impl Touched {
    fn note(&mut self, path: &[String]) {
        match (path.first().map(String::as_str), path.get(1)) {
            (Some("profile"), _) => self.profile = true,
            (Some("visits"), Some(visit)) => {
                self.visits.insert(visit.clone());
            }
            (Some("photos"), Some(hash)) => {
                self.photos.insert(hash.clone());
            }
            _ => {}
        }
    }
}

/// Changes that passed the trust boundary.
#[derive(Debug, Clone)]
pub struct Checked {
    /// What they wrote to: all that the schema check read, and all that the projections need to read again.
    pub touched: Touched,
}

/// Checks the changes that turned `before` into `after` (a fork with them applied). `new_changes` are the changes
/// `after` has and `before` has not.
pub fn check_changes(
    cooperative_id: Uuid,
    before: &Automerge,
    after: &Automerge,
    new_changes: &[Change],
    writer: &Writer,
) -> Result<Checked, Refusal> {
    let mut touched = Touched::default();
    let mut paths = PathCache::default();
    let mut authors = VisitAuthors::default();
    // Text objects edited, by object id, with their path: their length is judged once all edits are in.
    let mut texts: HashMap<String, Vec<String>> = HashMap::new();
    for change in new_changes {
        if check_actor(cooperative_id, change, writer)? == Origin::Genesis {
            continue;
        }
        check_size(change)?;
        for op in change.decode().operations {
            let object_path = paths.path_of(after, &op.obj.to_string())?;
            let mut path = object_path.clone();
            let is_map_key = match &op.key {
                automerge::legacy::Key::Map(key) => {
                    path.push(key.to_string());
                    true
                }
                automerge::legacy::Key::Seq(_) => false,
            };
            if !is_map_key && !texts.contains_key(&op.obj.to_string()) {
                texts.insert(op.obj.to_string(), object_path.clone());
            }
            let is_delete = matches!(op.action, automerge::legacy::OpType::Delete);
            let deletes_key = is_map_key && is_delete;
            check_path(before, after, &path, deletes_key, writer, &mut authors)?;
            touched.note(&path);
            if let automerge::legacy::OpType::Put(automerge::ScalarValue::Str(text)) = &op.action {
                check_text(&path, text)?;
            }
        }
    }
    for (object, path) in &texts {
        if let Ok((id, automerge::ObjType::Text)) = after.import(object)
            && let Ok(text) = after.text(&id)
        {
            check_text(path, &text)?;
        }
    }
    document::check_parts(after, &touched).map_err(|SchemaError { path, message }| {
        refuse(
            RefusalCode::Schema,
            Some(path.clone()),
            format!("文档不符合数据规范（{path}）：{message}"),
            format!("the document does not fit the schema at {path}: {message}"),
        )
    })?;
    Ok(Checked { touched })
}

/// The largest change a device may send, in bytes. A visit with every section filled is a few kilobytes; this leaves
/// room for a day's edits in one change, not for a payload smuggled into a field.
pub const MAX_CHANGE_BYTES: usize = 256 * 1024;

/// Refuses a change over [`MAX_CHANGE_BYTES`].
pub fn check_size(change: &Change) -> Result<(), Refusal> {
    let bytes = change.raw_bytes().len();
    if bytes > MAX_CHANGE_BYTES {
        return Err(refuse(
            RefusalCode::TooLarge,
            None,
            format!(
                "单次修改过大（{} KB，上限 {} KB）",
                bytes / 1024,
                MAX_CHANGE_BYTES / 1024
            ),
            format!("a change of {bytes} bytes is over the limit of {MAX_CHANGE_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// Refuses a text longer than its field allows (see [`document::max_text_chars`]). Items of a list of texts are
/// judged by the list's field name.
fn check_text(path: &[String], text: &str) -> Result<(), Refusal> {
    let field = path
        .iter()
        .rev()
        .find(|part| !part.starts_with('['))
        .map(String::as_str)
        .unwrap_or_default();
    let limit = document::max_text_chars(field);
    let length = text.chars().count();
    if length > limit {
        let shown = path.join(".");
        return Err(refuse(
            RefusalCode::TooLarge,
            Some(shown.clone()),
            format!("“{field}”最多{limit}个字，现有{length}个字"),
            format!("{shown} holds at most {limit} characters, not {length}"),
        ));
    }
    Ok(())
}

/// Whose a change is, once [`check_actor`] accepted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The document's own genesis change.
    Genesis,
    /// The writer's device.
    Writer,
}

/// A change must be the document's genesis or made by the writer's own actor, and the writer must be allowed to
/// write. This holds for every change a device sends, whether or not it can be applied yet: a change kept for later
/// would otherwise be applied under another device's name once its dependency arrived.
pub fn check_actor(
    cooperative_id: Uuid,
    change: &Change,
    writer: &Writer,
) -> Result<Origin, Refusal> {
    if change.actor_id() == &document::genesis_actor(cooperative_id) {
        if change.hash() != document::genesis_hash(cooperative_id) {
            return Err(refuse(
                RefusalCode::BadGenesis,
                None,
                "文档的初始变更与该合作社不符",
                "the genesis change does not belong to this cooperative",
            ));
        }
        return Ok(Origin::Genesis);
    }
    if !writer.owns(change.actor_id()) {
        return Err(refuse(
            RefusalCode::ForeignActor,
            None,
            format!("变更的作者 {} 不是本设备", change.actor_id()),
            format!(
                "change by actor {} which is not this device's",
                change.actor_id()
            ),
        ));
    }
    if !writer.may_write {
        return Err(refuse(
            RefusalCode::ReadOnly,
            None,
            "该账户只能查看，不能修改合作社文档",
            "this account may read but not change cooperative documents",
        ));
    }
    Ok(Origin::Writer)
}

/// Applies the path rules to one operation at `path` (root first).
fn check_path(
    before: &Automerge,
    after: &Automerge,
    path: &[String],
    deletes_key: bool,
    writer: &Writer,
    authors: &mut VisitAuthors,
) -> Result<(), Refusal> {
    let shown = path.join(".");
    let Some(first) = path.first() else {
        return Err(refuse(
            RefusalCode::UnknownPath,
            None,
            "不允许修改文档根",
            "the document root cannot be changed",
        ));
    };
    match (first.as_str(), path.len()) {
        ("review" | "decisions" | "schema_version" | "cooperative_id", _) => Err(refuse(
            RefusalCode::ServerOnly,
            Some(shown.clone()),
            format!("“{first}”只能由服务器写入"),
            format!("only the server writes {first}"),
        )),
        ("profile" | "visits" | "photos", 1) => Err(refuse(
            RefusalCode::Delete,
            Some(shown),
            format!("不能替换或删除“{first}”"),
            format!("{first} cannot be replaced or deleted"),
        )),
        ("profile", _) => Ok(()),
        ("photos", _) => {
            check_photo_owner(before, after, &path[1], writer, authors).map_err(|mut refusal| {
                refusal.path = Some(shown);
                refusal
            })
        }
        ("visits", _) => {
            let visit_id = &path[1];
            if path.len() == 2 && deletes_key {
                return Err(refuse(
                    RefusalCode::Delete,
                    Some(shown),
                    "走访记录不能删除，可标记为作废",
                    "visits cannot be deleted; mark them discarded instead",
                ));
            }
            let existed = authors.before(before, visit_id).is_some();
            if existed && path.len() == 3 && AUTHOR_FIELDS.contains(&path[2].as_str()) {
                return Err(refuse(
                    RefusalCode::Authorship,
                    Some(shown),
                    "走访记录的填写人不能更改",
                    "the author of a visit cannot be changed",
                ));
            }
            check_visit_author(before, after, visit_id, writer, authors).map_err(|mut refusal| {
                refusal.path = Some(shown);
                refusal
            })
        }
        _ => Err(refuse(
            RefusalCode::UnknownPath,
            Some(shown.clone()),
            format!("文档中没有“{shown}”"),
            format!("the document has no {shown}"),
        )),
    }
}

/// A photo's metadata belongs to the device whose actor created its entry: nobody else may edit or delete it. The
/// entry may name only a visit of the writer's own.
fn check_photo_owner(
    before: &Automerge,
    after: &Automerge,
    hash: &str,
    writer: &Writer,
    authors: &mut VisitAuthors,
) -> Result<(), Refusal> {
    if let Some(owner) = photo_entry_actor(before, hash)
        && !writer.owns(&owner)
    {
        return Err(refuse(
            RefusalCode::NotAuthor,
            None,
            "只能修改本设备添加的照片信息",
            "only the device that added a photo may change its details",
        ));
    }
    let named_visit = document::photo_visit(after, hash);
    if let Some(visit_id) = named_visit {
        let author = authors.after(after, &visit_id).and_then(|(user, _)| user);
        if author.as_deref() != Some(writer.user_id.as_str()) {
            return Err(refuse(
                RefusalCode::NotAuthor,
                None,
                "照片只能关联到自己的走访记录",
                "a photo may only be attached to one's own visit",
            ));
        }
    }
    Ok(())
}

/// The actor whose change created `photos.<hash>`, if the entry exists.
fn photo_entry_actor(doc: &Automerge, hash: &str) -> Option<ActorId> {
    let (_, photos) = doc.get(ROOT, "photos").ok()??;
    match doc.get(&photos, hash).ok()?? {
        (_, ObjId::Id(_, actor, _)) => Some(actor),
        (_, ObjId::Root) => None,
    }
}

/// The fields that name a visit's author: written once, with the visit.
const AUTHOR_FIELDS: [&str; 2] = ["author_user_id", "author_device_id"];

/// A visit may be written by its author only: the author recorded before the change, or, for a new visit, the author
/// it names, which must be this device's account and device.
fn check_visit_author(
    before: &Automerge,
    after: &Automerge,
    visit_id: &str,
    writer: &Writer,
    authors: &mut VisitAuthors,
) -> Result<(), Refusal> {
    let existing = authors.before(before, visit_id);
    let existed = existing.is_some();
    let (author_user, author_device) = match existing {
        Some(author) => author,
        None => authors.after(after, visit_id).unwrap_or_default(),
    };
    let new_visit_claims_this_device =
        existed || author_device.as_deref() == Some(writer.device_id.as_str());
    if author_user.as_deref() == Some(writer.user_id.as_str()) && new_visit_claims_this_device {
        Ok(())
    } else {
        Err(refuse(
            RefusalCode::NotAuthor,
            None,
            "只能修改自己填写的走访记录",
            "only the author of a visit may change it",
        ))
    }
}

/// A visit's author: the account and the device it names.
type Author = (Option<String>, Option<String>);

/// Visit authors before and after the changes, looked up once per visit: a new visit is a hundred operations or
/// more, and every one of them is checked against its visit's author.
#[derive(Default)]
struct VisitAuthors {
    before: HashMap<String, Option<Author>>,
    after: HashMap<String, Option<Author>>,
}

impl VisitAuthors {
    fn before(&mut self, doc: &Automerge, visit_id: &str) -> Option<Author> {
        Self::look_up(&mut self.before, doc, visit_id)
    }

    fn after(&mut self, doc: &Automerge, visit_id: &str) -> Option<Author> {
        Self::look_up(&mut self.after, doc, visit_id)
    }

    fn look_up(
        known: &mut HashMap<String, Option<Author>>,
        doc: &Automerge,
        visit_id: &str,
    ) -> Option<Author> {
        known
            .entry(visit_id.to_owned())
            .or_insert_with(|| visit_author(doc, visit_id))
            .clone()
    }
}

fn visit_author(doc: &Automerge, visit_id: &str) -> Option<Author> {
    let (_, visits) = doc.get(ROOT, "visits").ok()??;
    let (_, visit) = doc.get(&visits, visit_id).ok()??;
    let text = |key: &str| {
        doc.get(&visit, key)
            .ok()
            .flatten()
            .and_then(|(value, _)| value.into_string().ok())
    };
    Some((text("author_user_id"), text("author_device_id")))
}

/// Resolves object ids to their path from the root, remembering what it resolved.
#[derive(Default)]
pub(crate) struct PathCache {
    known: HashMap<String, Vec<String>>,
}

impl PathCache {
    pub(crate) fn path_of(
        &mut self,
        doc: &Automerge,
        object: &str,
    ) -> Result<Vec<String>, Refusal> {
        if object == "_root" {
            return Ok(Vec::new());
        }
        if let Some(path) = self.known.get(object) {
            return Ok(path.clone());
        }
        let unknown = || {
            refuse(
                RefusalCode::UnknownPath,
                None,
                "变更指向未知对象",
                "a change refers to an unknown object",
            )
        };
        let (id, _) = doc.import(object).map_err(|_| unknown())?;
        let path = object_path(doc, &id).ok_or_else(unknown)?;
        self.known.insert(object.to_owned(), path.clone());
        Ok(path)
    }
}

fn object_path(doc: &Automerge, id: &ObjId) -> Option<Vec<String>> {
    let parents = doc.parents(id).ok()?;
    let mut path: Vec<String> = parents
        .map(|parent| match parent.prop {
            Prop::Map(key) => key,
            Prop::Seq(index) => format!("[{index}]"),
        })
        .collect();
    path.reverse();
    Some(path)
}

/// The changes `after` has that `before` has not.
pub fn new_changes(before: &Automerge, after: &Automerge) -> Vec<Change> {
    after.get_changes(&before.get_heads())
}

/// Heads as hex strings, for storage and logs.
pub fn heads_hex(heads: &[ChangeHash]) -> Vec<String> {
    heads.iter().map(|h| h.to_string()).collect()
}

//! Reading a whole document in one pass per object. automerge 0.12 finds one key of a map by seeking through the
//! document's operation columns, so reading a record key by key (as autosurgeon's derived readers and
//! `automerge::AutoSerde` do, present fields and absent ones alike) costs a seek per field, each longer as the
//! document grows. A map's `map_range` visits every key in one scan; here each map is scanned once and its keys are
//! answered from memory.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::RangeBounds;
use std::rc::Rc;

use automerge::{Automerge, AutomergeError, ObjId, ObjType, Prop, ROOT, ReadDoc, Value};

/// A map's visible entries: key → (winning value, its id), as `get` answers them.
type Entries = HashMap<String, (Value<'static>, ObjId)>;

/// A read-only view of a document for autosurgeon that answers `get` on a map from one scan of that map.
pub struct ScannedDoc<'a> {
    doc: &'a Automerge,
    /// Scanned maps; `None` for objects that are not maps (their reads go to the document).
    maps: RefCell<HashMap<ObjId, Option<Rc<Entries>>>>,
}

impl<'a> ScannedDoc<'a> {
    pub fn new(doc: &'a Automerge) -> Self {
        Self {
            doc,
            maps: RefCell::new(HashMap::new()),
        }
    }

    fn entries(&self, obj: &ObjId) -> Option<Rc<Entries>> {
        if let Some(known) = self.maps.borrow().get(obj) {
            return known.clone();
        }
        let scanned = match self.doc.object_type(obj) {
            Ok(ObjType::Map | ObjType::Table) => Some(Rc::new(
                self.doc
                    .map_range(obj, ..)
                    .map(|item| {
                        let id = item.id();
                        (item.key.into_owned(), (item.value.into_value(), id))
                    })
                    .collect(),
            )),
            _ => None,
        };
        self.maps.borrow_mut().insert(obj.clone(), scanned.clone());
        scanned
    }
}

impl autosurgeon::ReadDoc for ScannedDoc<'_> {
    type Parents<'b>
        = automerge::Parents<'b>
    where
        Self: 'b;

    fn get_heads(&self) -> Vec<automerge::ChangeHash> {
        self.doc.get_heads()
    }

    fn get<P: Into<Prop>>(
        &self,
        obj: &ObjId,
        prop: P,
    ) -> Result<Option<(Value<'_>, ObjId)>, AutomergeError> {
        match prop.into() {
            Prop::Map(key) => match self.entries(obj) {
                Some(entries) => Ok(entries.get(&key).cloned()),
                None => ReadDoc::get(self.doc, obj, key),
            },
            index @ Prop::Seq(_) => ReadDoc::get(self.doc, obj, index),
        }
    }

    fn object_type<O: AsRef<ObjId>>(&self, obj: O) -> Option<ObjType> {
        ReadDoc::object_type(self.doc, obj).ok()
    }

    fn map_range<'b, O, R>(&'b self, obj: O, range: R) -> automerge::iter::MapRange<'b>
    where
        R: RangeBounds<String> + 'b,
        O: AsRef<ObjId>,
    {
        ReadDoc::map_range(self.doc, obj, range)
    }

    fn list_range<O: AsRef<ObjId>, R: RangeBounds<usize>>(
        &self,
        obj: O,
        range: R,
    ) -> automerge::iter::ListRange<'_> {
        ReadDoc::list_range(self.doc, obj, range)
    }

    fn length<O: AsRef<ObjId>>(&self, obj: O) -> usize {
        ReadDoc::length(self.doc, obj)
    }

    fn text<O: AsRef<ObjId>>(&self, obj: O) -> Result<String, AutomergeError> {
        ReadDoc::text(self.doc, obj)
    }

    fn parents<O: AsRef<ObjId>>(&self, obj: O) -> Result<Self::Parents<'_>, AutomergeError> {
        ReadDoc::parents(self.doc, obj)
    }

    fn is_empty(&self) -> bool {
        ReadDoc::length(self.doc, ROOT) == 0
    }
}

/// The document as JSON, exactly as `automerge::AutoSerde` writes it (the winning value of every key, texts as
/// strings), scanning each object once.
pub fn to_json(doc: &Automerge) -> serde_json::Value {
    object_json(doc, &ROOT, ObjType::Map)
}

/// The value at `key` of the map `obj` as JSON, written as [`to_json`] writes it; `None` when the key is absent.
pub fn key_json(doc: &Automerge, obj: &ObjId, key: &str) -> Option<serde_json::Value> {
    let (value, id) = doc.get(obj, key).ok()??;
    Some(value_json(doc, value, &id))
}

fn object_json(doc: &Automerge, obj: &ObjId, kind: ObjType) -> serde_json::Value {
    match kind {
        ObjType::Map | ObjType::Table => serde_json::Value::Object(
            doc.map_range(obj, ..)
                .map(|item| {
                    let id = item.id();
                    let value = value_json(doc, item.value.into_value(), &id);
                    (item.key.into_owned(), value)
                })
                .collect(),
        ),
        ObjType::List => serde_json::Value::Array(
            doc.list_range(obj, ..)
                .map(|item| {
                    let id = item.id();
                    value_json(doc, item.value.into_value(), &id)
                })
                .collect(),
        ),
        ObjType::Text => doc
            .text(obj)
            .map(serde_json::Value::String)
            .unwrap_or(serde_json::Value::Null),
    }
}

fn value_json(doc: &Automerge, value: Value<'_>, id: &ObjId) -> serde_json::Value {
    match value {
        Value::Object(kind) => object_json(doc, id, kind),
        Value::Scalar(scalar) => {
            serde_json::to_value(scalar.as_ref()).unwrap_or(serde_json::Value::Null)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;

    /// A document with every kind of value: nested maps, a list of maps, texts, each scalar type, a conflicted key and
    /// a deleted one.
    fn varied() -> Automerge {
        let mut doc = Automerge::new().with_actor(automerge::ActorId::random());
        let mut tx = doc.transaction();
        let written: Result<(), AutomergeError> = (|| {
            let visits = tx.put_object(ROOT, "visits", ObjType::Map)?;
            let visit = tx.put_object(&visits, "v1", ObjType::Map)?;
            tx.put(&visit, "count", 3_i64)?;
            tx.put(&visit, "share", 12.5_f64)?;
            tx.put(&visit, "unsigned", automerge::ScalarValue::Uint(7))?;
            tx.put(&visit, "flag", true)?;
            tx.put(&visit, "nothing", automerge::ScalarValue::Null)?;
            tx.put(
                &visit,
                "at",
                automerge::ScalarValue::Timestamp(1_700_000_000_000),
            )?;
            tx.put(&visit, "gone", "soon")?;
            tx.delete(&visit, "gone")?;
            let note = tx.put_object(&visit, "note", ObjType::Text)?;
            tx.splice_text(&note, 0, 0, "合作社")?;
            let list = tx.put_object(&visit, "members", ObjType::List)?;
            let member = tx.insert_object(&list, 0, ObjType::Map)?;
            tx.put(&member, "name", "张三")?;
            tx.insert(&list, 1, "李四")?;
            Ok(())
        })();
        written.expect("writes");
        tx.commit();
        let mut other = doc.fork().with_actor(automerge::ActorId::random());
        let mut mine = doc.transaction();
        let (_, visits) = mine.get(ROOT, "visits").expect("get").expect("visits");
        let (_, visit) = mine.get(&visits, "v1").expect("get").expect("visit");
        mine.put(&visit, "count", 4_i64).expect("put");
        mine.commit();
        let mut theirs = other.transaction();
        theirs.put(&visit, "count", 5_i64).expect("put");
        theirs.commit();
        doc.merge(&mut other).expect("merge");
        doc
    }

    #[test]
    fn json_is_what_autoserde_writes() {
        let doc = varied();
        let expected = serde_json::to_value(automerge::AutoSerde::from(&doc)).expect("json");
        assert_eq!(to_json(&doc), expected);
        assert_eq!(to_json(&Automerge::new()), serde_json::json!({}));
    }

    #[test]
    fn scanned_reads_answer_as_the_document_does() {
        let doc = varied();
        let scanned = ScannedDoc::new(&doc);
        let read = |obj: &ObjId, key: &str| {
            (
                autosurgeon::ReadDoc::get(&scanned, obj, key).expect("scanned"),
                doc.get(obj, key).expect("document"),
            )
        };
        let (visits, _) = read(&ROOT, "visits");
        let visits = visits.expect("visits").1;
        let (visit, _) = read(&visits, "v1");
        let visit = visit.expect("visit").1;
        for key in [
            "count", "share", "unsigned", "flag", "nothing", "at", "gone", "note", "members",
            "absent",
        ] {
            let (scanned, direct) = read(&visit, key);
            assert_eq!(scanned, direct, "{key}");
        }
        let (list, _) = read(&visit, "members");
        let list = list.expect("list").1;
        assert_eq!(
            autosurgeon::ReadDoc::get(&scanned, &list, 1).expect("scanned"),
            doc.get(&list, 1).expect("document")
        );
        // A map key asked of a list goes to the document, which answers as it would.
        assert_eq!(
            autosurgeon::ReadDoc::get(&scanned, &list, "name").is_ok(),
            doc.get(&list, "name").is_ok()
        );
    }
}

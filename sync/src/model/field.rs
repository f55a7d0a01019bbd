//! How one field of a record is written and read.

use autosurgeon::reconcile::MapReconciler;
use autosurgeon::{Hydrate, HydrateError, ReadDoc, Reconcile};

/// A field value that can be absent: absent values are not stored at all.
pub trait Field {
    fn is_absent(&self) -> bool;
}

impl<T> Field for Option<T> {
    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

impl<T> Field for Vec<T> {
    fn is_absent(&self) -> bool {
        self.is_empty()
    }
}

impl<K, V> Field for std::collections::BTreeMap<K, V> {
    fn is_absent(&self) -> bool {
        self.is_empty()
    }
}

/// Writes a present value (autosurgeon only emits ops where the stored value differs) and removes an absent one.
pub fn put<M: MapReconciler, T: Reconcile + Field>(
    map: &mut M,
    name: &str,
    value: &T,
) -> Result<(), M::Error> {
    if !value.is_absent() {
        map.put(name, value)
    } else if map.entry(name).is_some() {
        map.delete(name)
    } else {
        Ok(())
    }
}

/// Reads a field; a missing key reads as the default (absent). A text object reads as the string it holds: automerge's
/// JavaScript package writes every string as one, and the strict check (through serde) reads it so too.
pub fn hydrate<D: ReadDoc, T: Hydrate + Default + FromText>(
    doc: &D,
    obj: &automerge::ObjId,
    name: &str,
) -> Result<T, HydrateError> {
    match doc.get(obj, name)? {
        None => Ok(T::default()),
        Some((automerge::Value::Object(automerge::ObjType::Text), text)) => {
            T::from_text(&doc.text(&text)?)
        }
        Some(_) => autosurgeon::hydrate_prop(doc, obj, name),
    }
}

/// A field's value from the string of a text object.
pub trait FromText: Sized {
    fn from_text(text: &str) -> Result<Self, HydrateError>;
}

impl<T: Hydrate> FromText for Option<T> {
    fn from_text(text: &str) -> Result<Self, HydrateError> {
        T::hydrate_string(text).map(Some)
    }
}

impl<T> FromText for Vec<T> {
    fn from_text(text: &str) -> Result<Self, HydrateError> {
        Err(HydrateError::unexpected(
            "a list",
            format!("the text {text:?}"),
        ))
    }
}

impl<K, V> FromText for std::collections::BTreeMap<K, V> {
    fn from_text(text: &str) -> Result<Self, HydrateError> {
        Err(HydrateError::unexpected(
            "a map",
            format!("the text {text:?}"),
        ))
    }
}

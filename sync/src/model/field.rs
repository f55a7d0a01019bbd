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

/// Reads a field; a missing key reads as the default (absent).
pub fn hydrate<D: ReadDoc, T: Hydrate + Default>(
    doc: &D,
    obj: &automerge::ObjId,
    name: &str,
) -> Result<T, HydrateError> {
    match doc.get(obj, name)? {
        None => Ok(T::default()),
        Some(_) => autosurgeon::hydrate_prop(doc, obj, name),
    }
}

//! Typed ids. Every id is a UUID kept in a text column; `Id<Cooperative>` and `Id<User>` are different types, so a
//! user id cannot be passed where a cooperative's is meant, and a stored id that is not a UUID is a read error (corrupt
//! data), never a nil id or a silently dropped row.

use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::str::FromStr;

use diesel::deserialize::{self, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::sql_types::Text;
use uuid::Uuid;

use super::text::{StoredText, stored_as_text};

/// What an id names; only used as a type parameter.
pub trait IdKind: 'static {
    /// For read errors: "cooperative id `…` is not a UUID".
    const ENTITY: &'static str;
}

/// The id of one `K`.
#[derive(AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Id<K: IdKind> {
    uuid: Uuid,
    kind: PhantomData<fn() -> K>,
}

impl<K: IdKind> Id<K> {
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self {
            uuid,
            kind: PhantomData,
        }
    }

    /// A fresh id, time-ordered (UUIDv7) like every id the server creates, so new rows index in order.
    pub fn generate() -> Self {
        Self::from_uuid(Uuid::now_v7())
    }

    pub const fn uuid(self) -> Uuid {
        self.uuid
    }

    /// Reads an id kept as text; anything but a UUID is corrupt data.
    pub fn stored(text: &str) -> deserialize::Result<Self> {
        Uuid::parse_str(text)
            .map(Self::from_uuid)
            .map_err(|_| format!("{} id `{text}` in the database is not a UUID", K::ENTITY).into())
    }
}

impl<K: IdKind> Clone for Id<K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: IdKind> Copy for Id<K> {}

impl<K: IdKind> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.uuid == other.uuid
    }
}

impl<K: IdKind> Eq for Id<K> {}

impl<K: IdKind> PartialOrd for Id<K> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<K: IdKind> Ord for Id<K> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.uuid.cmp(&other.uuid)
    }
}

impl<K: IdKind> Hash for Id<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.uuid.hash(state);
    }
}

impl<K: IdKind> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", K::ENTITY, self.uuid)
    }
}

impl<K: IdKind> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.uuid.hyphenated(), f)
    }
}

impl<K: IdKind> FromStr for Id<K> {
    type Err = uuid::Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(text).map(Self::from_uuid)
    }
}

impl<K: IdKind> From<Uuid> for Id<K> {
    fn from(uuid: Uuid) -> Self {
        Self::from_uuid(uuid)
    }
}

impl<K: IdKind> From<Id<K>> for Uuid {
    fn from(id: Id<K>) -> Self {
        id.uuid
    }
}

impl<K: IdKind> serde::Serialize for Id<K> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.uuid.serialize(serializer)
    }
}

impl<'de, K: IdKind> serde::Deserialize<'de> for Id<K> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Uuid::deserialize(deserializer).map(Self::from_uuid)
    }
}

impl<K: IdKind> StoredText for Id<K> {
    fn from_text(text: &str) -> deserialize::Result<Self> {
        Self::stored(text)
    }

    /// Lower-case hyphenated, as every id has been written.
    fn to_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}

stored_as_text!(Id<K: IdKind>);

/// Declares id kinds and their `…Id` aliases.
macro_rules! id_kinds {
    ($($kind:ident / $alias:ident => $entity:literal),* $(,)?) => {
        $(
            #[doc = concat!("Marks the id of a ", $entity, ".")]
            pub enum $kind {}
            impl IdKind for $kind {
                const ENTITY: &'static str = $entity;
            }
            #[doc = concat!("The id of a ", $entity, ".")]
            pub type $alias = Id<$kind>;
        )*
    };
}

id_kinds! {
    Cooperative / CooperativeId => "cooperative",
    Visit / VisitId => "visit",
    User / UserId => "user",
    Device / DeviceId => "device",
    Session / SessionId => "session",
    Photo / PhotoId => "photo",
    Case / CaseId => "case",
    Classification / ClassificationId => "classification",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_id_reads_back_and_a_corrupt_one_is_an_error_naming_its_kind() {
        let id = CooperativeId::generate();
        assert_eq!(CooperativeId::stored(&id.to_string()).ok(), Some(id));
        // The stored form is the lower-case hyphenated one every id has been written in.
        let text = id.to_text();
        assert_eq!(text.len(), 36);
        assert_eq!(text, text.to_lowercase());
        assert_eq!(Uuid::parse_str(&text).ok(), Some(id.uuid()));
        let error = UserId::stored("not-a-uuid").expect_err("corrupt");
        assert_eq!(
            error.to_string(),
            "user id `not-a-uuid` in the database is not a UUID"
        );
    }
}

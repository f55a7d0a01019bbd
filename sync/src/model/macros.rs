//! Declarative macros for the document schema: records (maps of optional fields) and vocabularies (controlled lists of
//! codes with Chinese labels). Each generates the serde derives used for strict validation and the autosurgeon impls
//! used to read and write documents.

/// A map of fields that may each be absent. Absent fields are never written (no `null`s on the wire) and hydrate as
/// their default, so documents written before a field existed still read; serde's `deny_unknown_fields` makes the
/// strict check refuse fields the schema does not know.
macro_rules! record {
    ($(#[$meta:meta])* pub struct $name:ident { $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(default, skip_serializing_if = "crate::model::field::Field::is_absent")]
                pub $field: $ty,
            )*
        }

        impl $name {
            /// The field names as they appear in the document.
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];
        }

        impl autosurgeon::Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;

            fn reconcile<R: autosurgeon::Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                let mut map = reconciler.map()?;
                $( crate::model::field::put(&mut map, stringify!($field), &self.$field)?; )*
                Ok(())
            }
        }

        impl crate::model::describe::Describe for $name {
            fn describe() -> serde_json::Value {
                let mut fields = serde_json::Map::new();
                $( fields.insert(
                    stringify!($field).to_owned(),
                    crate::model::describe::field(stringify!($field), <$ty as crate::model::describe::Describe>::describe()),
                ); )*
                crate::model::describe::record(fields)
            }
        }

        impl autosurgeon::Hydrate for $name {
            fn hydrate_map<D: autosurgeon::ReadDoc>(
                doc: &D,
                obj: &automerge::ObjId,
            ) -> Result<Self, autosurgeon::HydrateError> {
                Ok(Self {
                    $( $field: crate::model::field::hydrate(doc, obj, stringify!($field))?, )*
                })
            }
        }
    };
}

/// A controlled vocabulary: stable snake_case codes in documents and on the wire, Chinese labels for people.
macro_rules! vocabulary {
    ($(#[$meta:meta])* pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = ($code:literal, $zh:literal) ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code)] $variant, )*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $code, )* }
            }

            pub fn label_zh(self) -> &'static str {
                match self { $( $name::$variant => $zh, )* }
            }

            /// Accepts the code or the Chinese label.
            pub fn parse(value: &str) -> Option<$name> {
                let value = value.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == value || v.label_zh() == value)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl autosurgeon::Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;

            fn reconcile<R: autosurgeon::Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str(self.as_str())
            }
        }

        impl crate::model::describe::Describe for $name {
            fn describe() -> serde_json::Value {
                let labels: serde_json::Map<String, serde_json::Value> = Self::ALL
                    .iter()
                    .map(|v| (v.as_str().to_owned(), serde_json::Value::from(v.label_zh())))
                    .collect();
                serde_json::json!({ "t": "vocab", "labels": labels })
            }
        }

        impl autosurgeon::Hydrate for $name {
            fn hydrate_string(value: &str) -> Result<Self, autosurgeon::HydrateError> {
                $name::parse(value).ok_or_else(|| {
                    autosurgeon::HydrateError::unexpected(concat!("a ", stringify!($name), " code"), value.to_owned())
                })
            }
        }
    };
}

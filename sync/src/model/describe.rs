//! The document schema as data, for clients written in other languages: the field app (`web/field`) validates what
//! it writes against this description, so it applies the very rules of [`crate::document::check_schema`]. A test keeps
//! the committed copy (`web/field/src/forms/schema.json`) equal to what this module produces.

use serde_json::{Map, Value, json};

use super::values::{Day, Percent, PhotoHash};

/// What a value of this type may be.
pub trait Describe {
    fn describe() -> Value;
}

/// The largest integer a JavaScript number holds exactly; wider Rust integers are bounded by it on the phone.
const JS_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

macro_rules! integer {
    ($($ty:ty => ($min:expr, $max:expr)),*) => {
        $(impl Describe for $ty {
            fn describe() -> Value {
                json!({ "t": "int", "min": $min, "max": $max })
            }
        })*
    };
}

integer!(
    u8 => (0, u8::MAX),
    u32 => (0, u32::MAX),
    u64 => (0, JS_SAFE_INTEGER),
    i64 => (-JS_SAFE_INTEGER, JS_SAFE_INTEGER)
);

impl Describe for f64 {
    fn describe() -> Value {
        json!({ "t": "float" })
    }
}

impl Describe for bool {
    fn describe() -> Value {
        json!({ "t": "bool" })
    }
}

impl Describe for String {
    fn describe() -> Value {
        json!({ "t": "string" })
    }
}

impl Describe for Day {
    fn describe() -> Value {
        json!({ "t": "day" })
    }
}

impl Describe for PhotoHash {
    fn describe() -> Value {
        json!({ "t": "hash" })
    }
}

impl Describe for Percent {
    fn describe() -> Value {
        json!({ "t": "float", "min": 0, "max": 100 })
    }
}

impl<T: Describe> Describe for Option<T> {
    fn describe() -> Value {
        T::describe()
    }
}

impl<T: Describe> Describe for Vec<T> {
    fn describe() -> Value {
        json!({ "t": "list", "of": T::describe() })
    }
}

impl<V: Describe> Describe for std::collections::BTreeMap<String, V> {
    fn describe() -> Value {
        json!({ "t": "map", "of": V::describe() })
    }
}

/// A record field's description with the text limit its name carries (see [`crate::document::max_text_chars`]).
pub fn field(name: &str, mut description: Value) -> Value {
    let texts = match description.get("t").and_then(Value::as_str) {
        Some("string") => true,
        Some("list") => description["of"]["t"] == "string",
        _ => false,
    };
    if texts && let Some(map) = description.as_object_mut() {
        map.insert(
            "max_chars".to_owned(),
            json!(crate::document::max_text_chars(name)),
        );
    }
    description
}

/// A record's description from its fields.
pub fn record(fields: Map<String, Value>) -> Value {
    json!({ "t": "record", "fields": fields })
}

impl Describe for super::CooperativeDoc {
    fn describe() -> Value {
        let mut fields = Map::new();
        fields.insert("schema_version".to_owned(), u64::describe());
        fields.insert("cooperative_id".to_owned(), String::describe());
        fields.insert("profile".to_owned(), super::Profile::describe());
        fields.insert(
            "visits".to_owned(),
            <std::collections::BTreeMap<String, super::Visit>>::describe(),
        );
        fields.insert(
            "photos".to_owned(),
            <std::collections::BTreeMap<String, super::PhotoMeta>>::describe(),
        );
        fields.insert(
            "review".to_owned(),
            <std::collections::BTreeMap<String, super::ReviewRecord>>::describe(),
        );
        fields.insert(
            "decisions".to_owned(),
            <std::collections::BTreeMap<String, super::DecisionRecord>>::describe(),
        );
        record(fields)
    }
}

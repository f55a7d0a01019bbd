//! Small validated value types used in documents: a calendar day, a percentage, a photo's content hash, a position.

use std::fmt;

use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! checked_string {
    ($(#[$meta:meta])* $name:ident, $check:expr, $expected:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn parse(value: &str) -> Option<Self> {
                let check: fn(&str) -> bool = $check;
                check(value).then(|| Self(value.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                $name::parse(&raw).ok_or_else(|| serde::de::Error::custom(format!(concat!("expected ", $expected, ", found {:?}"), raw)))
            }
        }

        impl Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;

            fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str(&self.0)
            }
        }

        impl Hydrate for $name {
            fn hydrate_string(value: &str) -> Result<Self, HydrateError> {
                $name::parse(value).ok_or_else(|| HydrateError::unexpected($expected, value.to_owned()))
            }
        }
    };
}

checked_string!(
    /// A calendar day written `YYYY-MM-DD`.
    Day,
    is_day,
    "a date YYYY-MM-DD"
);

checked_string!(
    /// The SHA-256 of a photo's bytes, 64 lower-case hex digits; photos live outside the document.
    PhotoHash,
    |v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
    "a SHA-256 hex digest"
);

fn is_day(value: &str) -> bool {
    let bytes = value.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let number =
        |range: std::ops::Range<usize>| value.get(range).and_then(|s| s.parse::<u32>().ok());
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2200).contains(&year) && (1..=days_in_month).contains(&day)
}

/// A share from 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Percent(f64);

impl Percent {
    pub fn new(value: f64) -> Option<Self> {
        (value.is_finite() && (0.0..=100.0).contains(&value)).then_some(Self(value))
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.0)
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = f64::deserialize(deserializer)?;
        Percent::new(raw).ok_or_else(|| {
            serde::de::Error::custom(format!("expected a percentage 0–100, found {raw}"))
        })
    }
}

impl Reconcile for Percent {
    type Key<'a> = autosurgeon::reconcile::NoKey;

    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.f64(self.0)
    }
}

impl Hydrate for Percent {
    fn hydrate_f64(value: f64) -> Result<Self, HydrateError> {
        Percent::new(value)
            .ok_or_else(|| HydrateError::unexpected("a percentage 0–100", value.to_string()))
    }

    fn hydrate_int(value: i64) -> Result<Self, HydrateError> {
        Self::hydrate_f64(value as f64)
    }

    fn hydrate_uint(value: u64) -> Result<Self, HydrateError> {
        Self::hydrate_f64(value as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_real_calendar_days() {
        assert!(Day::parse("2024-02-29").is_some());
        assert!(Day::parse("2023-02-29").is_none());
        assert!(Day::parse("2024-13-01").is_none());
        assert!(Day::parse("2024-1-01").is_none());
        assert!(Day::parse("20240101").is_none());
    }

    #[test]
    fn percentages_and_hashes_are_bounded() {
        assert!(Percent::new(100.0).is_some());
        assert!(Percent::new(100.5).is_none());
        assert!(Percent::new(f64::NAN).is_none());
        assert!(PhotoHash::parse(&"a".repeat(64)).is_some());
        assert!(PhotoHash::parse(&"A".repeat(64)).is_none());
        assert!(PhotoHash::parse("abc").is_none());
    }
}

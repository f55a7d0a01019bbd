//! 统一社会信用代码 (unified social credit code, USCC) per GB 32100-2015.
//!
//! 18 characters from a 31-symbol alphabet (digits and capital letters without I, O, Z, S, V):
//! registration authority (1), entity category (1), registering region (6 digits, GB/T 2260),
//! organisation code (9, GB 11714) and a check character computed over the first 17.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weight of position i is 3^i mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a string is not a valid USCC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("USCC is empty")]
    Empty,
    #[error("USCC must have 18 characters, found {0}")]
    WrongLength(usize),
    #[error("character {character:?} at position {position} is not allowed in a USCC")]
    InvalidCharacter { position: usize, character: char },
    #[error("positions 3–8 must be the 6-digit region code")]
    RegionNotNumeric,
    #[error("check character should be {expected}, found {found}")]
    CheckMismatch { expected: char, found: char },
}

impl UsccError {
    /// A message for people, Chinese first.
    pub fn message_zh(&self) -> String {
        match self {
            UsccError::Empty => "统一社会信用代码为空".to_owned(),
            UsccError::WrongLength(n) => format!("统一社会信用代码应为18位，实际为{n}位"),
            UsccError::InvalidCharacter {
                position,
                character,
            } => format!("第{position}位字符“{character}”不是统一社会信用代码允许的字符"),
            UsccError::RegionNotNumeric => "第3至8位应为6位数字的登记管理机关行政区划码".to_owned(),
            UsccError::CheckMismatch { expected, found } => {
                format!("校验码错误：第18位应为“{expected}”，实际为“{found}”")
            }
        }
    }
}

/// A validated USCC, stored in canonical (upper-case) form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

impl Uscc {
    /// Validates a code. Surrounding whitespace is ignored and lower-case letters are accepted, since codes are
    /// often typed by hand or copied from spreadsheets.
    pub fn parse(input: &str) -> Result<Uscc, UsccError> {
        let code = input.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(UsccError::Empty);
        }
        let length = code.chars().count();
        if length != 18 {
            return Err(UsccError::WrongLength(length));
        }
        let mut values = [0u32; 18];
        for (index, byte) in code.bytes().enumerate() {
            values[index] = symbol_value(byte).ok_or(UsccError::InvalidCharacter {
                position: index + 1,
                character: byte as char,
            })?;
        }
        if !code.as_bytes()[2..8].iter().all(u8::is_ascii_digit) {
            return Err(UsccError::RegionNotNumeric);
        }
        let expected = check_character(&code.as_bytes()[..17]);
        let found = code.as_bytes()[17] as char;
        if expected != found {
            return Err(UsccError::CheckMismatch { expected, found });
        }
        Ok(Uscc(code))
    }

    /// Builds a valid code from its first 17 characters by appending the check character.
    /// Returns `None` when the body has characters outside the alphabet or the wrong length.
    pub fn from_body(body: &str) -> Option<Uscc> {
        if body.len() != 17 || !body.bytes().all(|b| symbol_value(b).is_some()) {
            return None;
        }
        let check = check_character(body.as_bytes());
        Uscc::parse(&format!("{body}{check}")).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 6-digit code of the region where the entity was registered.
    pub fn region_digits(&self) -> &str {
        &self.0[2..8]
    }
}

fn symbol_value(byte: u8) -> Option<u32> {
    ALPHABET.iter().position(|&c| c == byte).map(|p| p as u32)
}

fn check_character(body: &[u8]) -> char {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(&b, w)| symbol_value(b).unwrap_or(0) * w)
        .sum();
    let value = (31 - sum % 31) % 31;
    ALPHABET[value as usize] as char
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Uscc {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Uscc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Uscc::parse(&raw).map_err(|e| serde::de::Error::custom(format!("{} / {e}", e.message_zh())))
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Uscc {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some(
                "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
            ))
            .description(Some(
                "统一社会信用代码 (GB 32100-2015), validated including the check character",
            ))
            .examples(["91350100M000100Y43"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Uscc {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_published_codes() {
        // The worked example of GB 32100-2015 and a code from a published business licence.
        for code in ["91350100M000100Y43", "91110108551385082Q"] {
            assert_eq!(
                Uscc::parse(code).map(|u| u.to_string()),
                Ok(code.to_owned())
            );
        }
    }

    #[test]
    fn normalises_case_and_whitespace() {
        let uscc = Uscc::parse(" 91350100m000100y43\t").expect("valid");
        assert_eq!(uscc.as_str(), "91350100M000100Y43");
        assert_eq!(uscc.region_digits(), "350100");
    }

    #[test]
    fn rejects_every_kind_of_invalid_code() {
        assert_eq!(Uscc::parse(""), Err(UsccError::Empty));
        assert_eq!(Uscc::parse("9135010"), Err(UsccError::WrongLength(7)));
        assert_eq!(
            Uscc::parse("91350100M000100Y431"),
            Err(UsccError::WrongLength(19))
        );
        // I, O, Z, S and V are excluded from the alphabet to avoid confusion with 1, 0, 2, 5 and U.
        for bad in ['I', 'O', 'Z', 'S', 'V', '-', '中'] {
            let code = format!("91350100M000100{bad}43");
            assert!(
                matches!(
                    Uscc::parse(&code),
                    Err(UsccError::InvalidCharacter { position: 16, .. })
                ),
                "{code} should be refused"
            );
        }
        assert_eq!(
            Uscc::parse("91A50100M000100Y43").err(),
            Some(UsccError::RegionNotNumeric)
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y44"),
            Err(UsccError::CheckMismatch {
                expected: '3',
                found: '4'
            })
        );
        // A single transposition is caught by the weighted check.
        assert!(Uscc::parse("91350100M000010Y43").is_err());
    }

    #[test]
    fn from_body_appends_the_check_character() {
        let uscc = Uscc::from_body("91350100M000100Y4").expect("valid body");
        assert_eq!(uscc.as_str(), "91350100M000100Y43");
        assert!(Uscc::from_body("short").is_none());
    }

    #[test]
    fn every_single_character_error_is_detected() {
        let valid = "91110108551385082Q";
        for position in 0..18 {
            for &symbol in ALPHABET.iter() {
                let mut bytes = valid.as_bytes().to_vec();
                if bytes[position] == symbol {
                    continue;
                }
                bytes[position] = symbol;
                let changed = String::from_utf8(bytes).expect("ascii");
                assert!(Uscc::parse(&changed).is_err(), "{changed} must be refused");
            }
        }
    }

    #[test]
    fn messages_are_chinese() {
        assert!(UsccError::WrongLength(7).message_zh().contains("18位"));
    }
}

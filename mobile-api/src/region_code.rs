//! Administrative region codes: GB/T 2260 six-digit codes for province, city and county level, extended by the
//! statistical division codes to 9 digits (township) and 12 digits (village).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The level of a region in the province → city → county → township → village tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Province,
    City,
    County,
    Township,
    Village,
}

impl RegionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionLevel::Province => "province",
            RegionLevel::City => "city",
            RegionLevel::County => "county",
            RegionLevel::Township => "township",
            RegionLevel::Village => "village",
        }
    }

    pub fn parse(value: &str) -> Option<RegionLevel> {
        [
            RegionLevel::Province,
            RegionLevel::City,
            RegionLevel::County,
            RegionLevel::Township,
            RegionLevel::Village,
        ]
        .into_iter()
        .find(|level| level.as_str() == value)
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            RegionLevel::Province => "省级",
            RegionLevel::City => "地级",
            RegionLevel::County => "县级",
            RegionLevel::Township => "乡级",
            RegionLevel::Village => "村级",
        }
    }
}

/// Why a string is not a region code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    #[error("region codes have 6, 9 or 12 digits, found {0} characters")]
    WrongLength(usize),
    #[error("region codes contain digits only")]
    NotNumeric,
    #[error("a region code cannot start with 00")]
    NoProvince,
}

impl RegionCodeError {
    pub fn message_zh(&self) -> String {
        match self {
            RegionCodeError::WrongLength(n) => {
                format!("行政区划代码应为6位（县级及以上）、9位（乡级）或12位（村级），实际为{n}位")
            }
            RegionCodeError::NotNumeric => "行政区划代码只能包含数字".to_owned(),
            RegionCodeError::NoProvince => "行政区划代码的前两位（省级）不能为00".to_owned(),
        }
    }
}

/// A well-formed region code. Whether the region exists is a question for the region table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);

impl RegionCode {
    pub fn parse(input: &str) -> Result<RegionCode, RegionCodeError> {
        let code = input.trim();
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionCodeError::NotNumeric);
        }
        if !matches!(code.len(), 6 | 9 | 12) {
            return Err(RegionCodeError::WrongLength(code.chars().count()));
        }
        if code.starts_with("00") {
            return Err(RegionCodeError::NoProvince);
        }
        Ok(RegionCode(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        match self.0.len() {
            12 => RegionLevel::Village,
            9 => RegionLevel::Township,
            _ if self.0.ends_with("0000") => RegionLevel::Province,
            _ if self.0.ends_with("00") => RegionLevel::City,
            _ => RegionLevel::County,
        }
    }

    /// The digits every descendant's code starts with: 2 for a province, 4 for a city, the whole code below that.
    pub fn significant_prefix(&self) -> &str {
        match self.level() {
            RegionLevel::Province => &self.0[..2],
            RegionLevel::City => &self.0[..4],
            _ => &self.0,
        }
    }

    /// Whether `child` may sit directly or indirectly below `self` in the tree: a lower level whose code carries this
    /// code's significant prefix.
    pub fn may_contain(&self, child: &RegionCode) -> bool {
        child.level() > self.level() && child.0.starts_with(self.significant_prefix())
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        RegionCode::parse(&raw)
            .map_err(|e| serde::de::Error::custom(format!("{} / {e}", e.message_zh())))
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for RegionCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[0-9]{6}([0-9]{3}){0,2}$"))
            .description(Some(
                "GB/T 2260 region code: 6 digits (county and above), 9 (township) or 12 (village)",
            ))
            .examples(["330203"])
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for RegionCode {}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).expect("valid code")
    }

    #[test]
    fn levels_follow_the_code_structure() {
        assert_eq!(code("330000").level(), RegionLevel::Province);
        assert_eq!(code("330200").level(), RegionLevel::City);
        assert_eq!(code("330203").level(), RegionLevel::County);
        assert_eq!(code("330203101").level(), RegionLevel::Township);
        assert_eq!(code("330203101201").level(), RegionLevel::Village);
    }

    #[test]
    fn containment_uses_the_significant_prefix() {
        assert!(code("330000").may_contain(&code("330200")));
        assert!(code("330200").may_contain(&code("330203")));
        assert!(code("330203").may_contain(&code("330203101")));
        assert!(code("330203101").may_contain(&code("330203101201")));
        assert!(!code("330203").may_contain(&code("330225101")));
        assert!(!code("330203").may_contain(&code("330203")));
        assert!(!code("330203101").may_contain(&code("330203")));
    }

    #[test]
    fn rejects_malformed_codes() {
        assert_eq!(
            RegionCode::parse("33020"),
            Err(RegionCodeError::WrongLength(5))
        );
        assert_eq!(
            RegionCode::parse("3302031"),
            Err(RegionCodeError::WrongLength(7))
        );
        assert_eq!(
            RegionCode::parse("33O203"),
            Err(RegionCodeError::NotNumeric)
        );
        assert_eq!(
            RegionCode::parse("000000"),
            Err(RegionCodeError::NoProvince)
        );
    }
}

//! Stored vocabulary: an enum kept in a text column as its code. Reading a code this version does not know is an
//! error naming the column's vocabulary (a corrupt row, or one a newer version wrote), never a silent default.

use std::borrow::Cow;
use std::fmt::Debug;
use std::ops::Deref;

use diesel::deserialize::{self, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::sql_types::Text;

use super::text::{StoredText, stored_as_text};

/// An enum with stable text codes.
pub trait TextCode: Copy + Debug + Send + Sync + 'static {
    /// What the codes name, for the error on an unknown one (`review state`).
    const VOCABULARY: &'static str;
    fn code(self) -> &'static str;
    fn from_code(code: &str) -> Option<Self>;
}

/// A [`TextCode`] as stored; dereferences to the enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Code<T: TextCode>(pub T);

impl<T: TextCode> Deref for Code<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: TextCode> From<T> for Code<T> {
    fn from(value: T) -> Self {
        Code(value)
    }
}

impl<T: TextCode + serde::Serialize> serde::Serialize for Code<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// Reads a stored code; an unknown one is an error.
pub fn parse<T: TextCode>(code: &str) -> deserialize::Result<T> {
    T::from_code(code)
        .ok_or_else(|| format!("unknown {} `{code}` in the database", T::VOCABULARY).into())
}

impl<T: TextCode> StoredText for Code<T> {
    fn from_text(text: &str) -> deserialize::Result<Self> {
        parse(text).map(Code)
    }

    fn to_text(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.0.code())
    }
}

stored_as_text!(Code<T: TextCode>);

/// Several codes in one text column, comma-separated (`county,city`); empty text is none. An unknown code is an error,
/// as for [`Code`]: a list that silently lost a member would change what the row says.
#[derive(Debug, Clone, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct CodeList<T: TextCode>(pub Vec<T>);

impl<T: TextCode> CodeList<T> {
    fn text(&self) -> String {
        self.0
            .iter()
            .map(|code| code.code())
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl<T: TextCode> StoredText for CodeList<T> {
    fn from_text(text: &str) -> deserialize::Result<Self> {
        text.split(',')
            .filter(|code| !code.is_empty())
            .map(parse)
            .collect::<deserialize::Result<_>>()
            .map(CodeList)
    }

    fn to_text(&self) -> Cow<'_, str> {
        Cow::Owned(self.text())
    }
}

stored_as_text!(CodeList<T: TextCode>);

impl<T: TextCode> serde::Serialize for CodeList<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

/// Implements [`TextCode`] for enums with `as_str` and `parse`.
macro_rules! text_codes {
    ($($ty:ty => $vocabulary:literal),* $(,)?) => {
        $(impl TextCode for $ty {
            const VOCABULARY: &'static str = $vocabulary;
            fn code(self) -> &'static str {
                self.as_str()
            }
            fn from_code(code: &str) -> Option<Self> {
                <$ty>::parse(code)
            }
        })*
    };
}

text_codes! {
    hezuo_sync::model::ReviewState => "review state",
    hezuo_sync::model::PendingReason => "pending reason",
    hezuo_mobile_api::RegionLevel => "region level",
    hezuo_mobile_api::users::Role => "role",
    hezuo_mobile_api::stars::OrgKind => "organisation kind",
    hezuo_mobile_api::cooperatives::GxsRelation => "supply-and-marketing relation",
    hezuo_mobile_api::cooperatives::CooperativeSource => "cooperative source",
    hezuo_mobile_api::cooperatives::Verification => "verification state",
    hezuo_mobile_api::cooperatives::TitleLevel => "title level",
    crate::stars::status::CampaignStatus => "star campaign status",
    hezuo_sync::model::CoopState => "clean-up state",
    crate::cleanup::status::CaseStatus => "disposal case status",
    crate::cleanup::status::ActionStatus => "disposal action status",
    hezuo_sync::model::ShellFlag => "shell-cooperative flag",
    hezuo_sync::model::RecommendedAction => "disposal action",
    crate::stars::status::ApplicationStatus => "star application status",
}

#[cfg(test)]
mod tests {
    use super::*;
    use hezuo_sync::model::ReviewState;

    #[test]
    fn an_unknown_code_is_an_error_naming_its_vocabulary() {
        assert_eq!(
            parse::<ReviewState>("approved").ok(),
            Some(ReviewState::Approved)
        );
        let error = parse::<ReviewState>("aproved").expect_err("unknown");
        assert_eq!(
            error.to_string(),
            "unknown review state `aproved` in the database"
        );
    }

    #[test]
    fn a_list_reads_back_and_an_unknown_member_is_an_error() {
        use hezuo_mobile_api::RegionLevel;
        let levels = CodeList(vec![RegionLevel::County, RegionLevel::City]);
        assert_eq!(levels.text(), "county,city");
        assert_eq!(
            CodeList::<RegionLevel>::from_text("county,city").ok(),
            Some(levels)
        );
        assert_eq!(
            CodeList::<RegionLevel>::from_text("").ok(),
            Some(CodeList(Vec::new()))
        );
        let error = CodeList::<RegionLevel>::from_text("county,citty").expect_err("unknown");
        assert_eq!(
            error.to_string(),
            "unknown region level `citty` in the database"
        );
    }
}

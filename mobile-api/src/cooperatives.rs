//! The cooperative registry: what the market-regulation register says plus the 供销 relationship fields.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::region_code::RegionCode;
use crate::stars::OrgKind;
use crate::uscc::Uscc;

macro_rules! labelled_enum {
    ($(#[$meta:meta])* $name:ident { $( $(#[$vmeta:meta])* $variant:ident = ($code:literal, $zh:literal) ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$( $name::$variant, )*];

            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $code, )* }
            }

            pub fn name_zh(self) -> &'static str {
                match self { $( $name::$variant => $zh, )* }
            }

            /// Accepts the API code or the Chinese label (as registry exports spell it).
            pub fn parse(value: &str) -> Option<$name> {
                let value = value.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == value || v.name_zh() == value)
            }
        }
    };
}

labelled_enum!(
    /// Main line of business.
    Industry {
        Planting = ("planting", "种植业"),
        Livestock = ("livestock", "畜牧业"),
        Fishery = ("fishery", "渔业"),
        Forestry = ("forestry", "林业"),
        Machinery = ("machinery", "农机服务"),
        Processing = ("processing", "农产品加工"),
        Leisure = ("leisure", "休闲农业"),
        Services = ("services", "综合服务"),
        Other = ("other", "其他"),
    }
);

labelled_enum!(
    /// How the 供销社 (supply and marketing cooperative) is involved.
    GxsRelation {
        /// 参办: the 供销社 takes part in running it.
        CoRun = ("co_run", "参办"),
        /// 领办: the 供销社 leads it.
        Led = ("led", "领办"),
        /// 服务带动: linked through 供销 services.
        ServiceLinked = ("service_linked", "服务带动"),
        /// 引导创办: the 供销社 helped found it.
        HelpedFound = ("helped_found", "引导创办"),
        None = ("none", "无"),
    }
);

labelled_enum!(
    /// Membership in a 农合联 (farmers' cooperative federation).
    NhlLevel {
        County = ("county", "县级农合联"),
        Township = ("township", "乡镇农合联"),
        Industry = ("industry", "产业农合联"),
    }
);

labelled_enum!(
    /// Where a registry entry came from.
    CooperativeSource {
        RegistryImport = ("registry_import", "登记机关导入"),
        Manual = ("manual", "手工录入"),
        Field = ("field", "实地新增"),
    }
);

labelled_enum!(
    /// Whether the registry entry is confirmed.
    Verification {
        /// From the register, or entered by staff.
        Registered = ("registered", "已登记"),
        /// Created on a phone in the field; a supervisor confirms it.
        Pending = ("pending", "待核实"),
    }
);

labelled_enum!(
    /// The level of a 规范社 (standardised cooperative) or 示范社 (model cooperative) title.
    TitleLevel {
        County = ("county", "县级"),
        City = ("city", "市级"),
        Province = ("province", "省级"),
        National = ("national", "国家级"),
        /// 全国供销合作社系统示范社, a national title of the 供销 system.
        GxsNational = ("gxs_national", "全国供销系统"),
    }
);

impl TitleLevel {
    /// Its rank, county lowest; the 供销 system's national title ranks with the national one.
    pub fn rank(self) -> u8 {
        match self {
            TitleLevel::County => 1,
            TitleLevel::City => 2,
            TitleLevel::Province => 3,
            TitleLevel::National | TitleLevel::GxsNational => 4,
        }
    }
}

impl GxsRelation {
    /// The relations the Ningbo plan counts as 参办领办 by default: "通过出资入股、服务带动、引导创办等方式，实现参办领办"
    /// (seed 002 §一(三)); 出资入股 is 领办 or 参办. A target metric may name its own set.
    pub const SPONSORING: [GxsRelation; 4] = [
        GxsRelation::Led,
        GxsRelation::CoRun,
        GxsRelation::ServiceLinked,
        GxsRelation::HelpedFound,
    ];

    /// Any tie to the 供销社, which 解除参办领办关系 (RULES.md §1.4) would end.
    pub fn is_tie(self) -> bool {
        self != GxsRelation::None
    }
}

/// Which datum a position is in: phones' GPS reports WGS-84; Chinese web maps (高德, 腾讯) use the offset GCJ-02.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CoordinateSystem {
    Wgs84,
    Gcj02,
}

impl CoordinateSystem {
    pub fn as_str(self) -> &'static str {
        match self {
            CoordinateSystem::Wgs84 => "wgs84",
            CoordinateSystem::Gcj02 => "gcj02",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "wgs84" => Some(CoordinateSystem::Wgs84),
            "gcj02" => Some(CoordinateSystem::Gcj02),
            _ => None,
        }
    }
}

/// Where the cooperative is registered, in the datum it was recorded in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisteredLocation {
    pub latitude: f64,
    pub longitude: f64,
    pub coordinate_system: CoordinateSystem,
}

impl RegisteredLocation {
    pub fn is_valid(&self) -> bool {
        self.latitude.is_finite()
            && self.longitude.is_finite()
            && self.latitude.abs() <= 90.0
            && self.longitude.abs() <= 180.0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cooperative {
    pub id: Uuid,
    /// Absent for cooperatives found in the field whose code is not known yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscc: Option<Uscc>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_representative: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub region_code: RegionCode,
    /// The region's names from the province down, joined: "浙江省宁波市海曙区高桥镇".
    pub region_full_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<Industry>,
    pub gxs_relation: GxsRelation,
    pub nhl_memberships: Vec<NhlLevel>,
    /// 0–5; absent when never rated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub star_level: Option<u8>,
    /// Whether last year's annual report was filed (absent: unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_report_filed: Option<bool>,
    /// Whether it is on the 经营异常名录 (abnormal-operation list) (absent: unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_abnormal_list: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<RegisteredLocation>,
    /// The 规范社 title's level, if it holds one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guifan_level: Option<TitleLevel>,
    /// The 示范社 title's level and the year it was awarded, if it holds one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demo_level: Option<TitleLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demo_year: Option<u16>,
    pub source: CooperativeSource,
    pub verification: Verification,
    /// A farmer cooperative or an 产业农合联: which star campaigns it may apply to.
    pub org_kind: OrgKind,
    /// Increases with every change.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateCooperativeRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscc: Option<Uscc>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_representative: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub region_code: RegionCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<Industry>,
    #[serde(default = "default_relation")]
    pub gxs_relation: GxsRelation,
    #[serde(default)]
    pub nhl_memberships: Vec<NhlLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub star_level: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_report_filed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_abnormal_list: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<RegisteredLocation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guifan_level: Option<TitleLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demo_level: Option<TitleLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demo_year: Option<u16>,
    /// An 产业农合联 is registered with `industry_federation`.
    #[serde(default = "default_org_kind")]
    pub org_kind: OrgKind,
}

fn default_org_kind() -> OrgKind {
    OrgKind::Cooperative
}

impl CreateCooperativeRequest {
    /// A request with only the required fields set.
    pub fn new(name: impl Into<String>, region_code: RegionCode) -> Self {
        Self {
            uscc: None,
            name: name.into(),
            legal_representative: None,
            registration_date: None,
            address: None,
            region_code,
            industry: None,
            gxs_relation: GxsRelation::None,
            nhl_memberships: Vec::new(),
            star_level: None,
            annual_report_filed: None,
            on_abnormal_list: None,
            member_count: None,
            location: None,
            guifan_level: None,
            demo_level: None,
            demo_year: None,
            org_kind: OrgKind::Cooperative,
        }
    }
}

fn default_relation() -> GxsRelation {
    GxsRelation::None
}

/// A partial update. A field left out stays as it is; a nullable field sent as `null` is cleared.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateCooperativeRequest {
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub uscc: Option<Option<Uscc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub legal_representative: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub registration_date: Option<Option<NaiveDate>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub address: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_code: Option<RegionCode>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub industry: Option<Option<Industry>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gxs_relation: Option<GxsRelation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhl_memberships: Option<Vec<NhlLevel>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub star_level: Option<Option<u8>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub annual_report_filed: Option<Option<bool>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub on_abnormal_list: Option<Option<bool>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub member_count: Option<Option<u32>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub location: Option<Option<RegisteredLocation>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub guifan_level: Option<Option<TitleLevel>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub demo_level: Option<Option<TitleLevel>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub demo_year: Option<Option<u16>>,
}

/// Tells "sent as null" (`Some(None)`) from "left out" (`None`, via `#[serde(default)]`).
fn present<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Filters for listing cooperatives; all optional and combined with AND.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct CooperativeFilter {
    /// Only this region and everything below it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, example = "330203"))]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<Industry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gxs_relation: Option<GxsRelation>,
    /// `true`: member of at least one 农合联; `false`: of none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhl_member: Option<bool>,
    /// Member of this 农合联 level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhl_level: Option<NhlLevel>,
    /// Exactly this star level (0–5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub star_level: Option<u8>,
    /// At least this star level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub star_min: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_report_filed: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_abnormal_list: Option<bool>,
    /// Only registered or only pending (created in the field) entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
    /// Text search in the name, the credit code and the legal representative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// From `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size, 1–500 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_in_both_spellings() {
        assert_eq!(GxsRelation::parse("领办"), Some(GxsRelation::Led));
        assert_eq!(GxsRelation::parse("co_run"), Some(GxsRelation::CoRun));
        assert_eq!(Industry::parse("渔业"), Some(Industry::Fishery));
        assert_eq!(NhlLevel::parse("unknown"), None);
    }

    #[test]
    fn patch_tells_null_from_absent() {
        let patch: UpdateCooperativeRequest =
            serde_json::from_str(r#"{"address": null, "name": "新名"}"#).expect("valid patch");
        assert_eq!(patch.address, Some(None));
        assert_eq!(patch.legal_representative, None);
        assert_eq!(patch.name.as_deref(), Some("新名"));
    }
}

//! The metric catalogue: what targets may be set for, as configuration. The built-in catalogue
//! (`catalogue.toml`) ships the Ningbo plan's, Dianjiang's and Liaocheng's metrics with their sources quoted; an
//! administrator installs a changed one, which is kept in the settings table.

use std::sync::OnceLock;

use hezuo_mobile_api::cooperatives::{GxsRelation, TitleLevel};
use hezuo_mobile_api::targets::MetricInfo;
use serde::{Deserialize, Serialize};

use crate::db::DbConn;
use crate::models::settings;

/// The built-in catalogue's text.
pub const BUILT_IN: &str = include_str!("catalogue.toml");

/// The settings key of an installed catalogue.
const SETTING: &str = "targets.catalogue";

/// Names of metrics that count the founding of new cooperatives, refused with the policy behind the refusal.
pub const FORBIDDEN: [&str; 4] = ["新建合作社", "新增合作社", "new_cooperatives", "founded"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub metrics: Vec<Metric>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metric {
    pub code: String,
    pub name_zh: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub unit: String,
    /// The policy text the metric comes from, quoted.
    pub source: String,
    pub measure: Measure,
}

/// How a metric's actual is found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Measure {
    /// Farmer cooperatives matching the filter.
    Count { filter: Filter },
    /// Their registered members.
    SumMembers { filter: Filter },
    /// Of the cooperatives matching `of`, the share (in %) that also match `filter`.
    Share { of: Filter, filter: Filter },
    /// Of the cooperatives the baseline survey must reach, the share (in %) with an approved baseline visit.
    Baseline,
    /// Of the cooperatives the baseline survey must reach, the share (in %) visited within the re-visit interval.
    Coverage,
    /// Of the villages, the share (in %) where a farmer cooperative is registered.
    VillagesWithCooperatives,
    /// Typed in per region and month with its source.
    Entered,
}

/// Which farmer cooperatives a counted metric reads; every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_star: Option<u8>,
    /// 供销 relations that count (the plan's 参办领办).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relations: Option<Vec<GxsRelation>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhl_member: Option<bool>,
    /// The lowest 规范社 level that counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guifan_min: Option<TitleLevel>,
    /// 示范社 levels that count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demo_levels: Option<Vec<TitleLevel>>,
}

impl Measure {
    pub fn is_entered(&self) -> bool {
        matches!(self, Measure::Entered)
    }
}

impl Catalogue {
    /// Parses and checks a catalogue: codes unique and plain, names present, no quota on founding cooperatives.
    pub fn from_toml(text: &str) -> Result<Catalogue, String> {
        let catalogue: Catalogue = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut seen = std::collections::HashSet::new();
        for metric in &catalogue.metrics {
            if metric.code.is_empty()
                || !metric
                    .code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(format!(
                    "指标代码“{}”只能用小写字母、数字和下划线",
                    metric.code
                ));
            }
            for name in std::iter::once(&metric.code)
                .chain(std::iter::once(&metric.name_zh))
                .chain(&metric.aliases)
            {
                if !seen.insert(name.clone()) {
                    return Err(format!("指标名称“{name}”重复"));
                }
                if FORBIDDEN.contains(&name.as_str()) {
                    return Err(format!(
                        "不得对新建合作社数量下指标（中农发〔2019〕18号）：“{name}”"
                    ));
                }
            }
            if metric.name_zh.trim().is_empty() || metric.source.trim().is_empty() {
                return Err(format!("指标“{}”须有中文名称和来源", metric.code));
            }
        }
        Ok(catalogue)
    }

    /// The shipped catalogue, parsed once (a unit test keeps it valid).
    pub fn built_in() -> Result<&'static Catalogue, String> {
        static BUILT: OnceLock<Result<Catalogue, String>> = OnceLock::new();
        BUILT
            .get_or_init(|| Catalogue::from_toml(BUILT_IN))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The metric a file or request names: its code, its Chinese name or an alias.
    pub fn find(&self, name: &str) -> Option<&Metric> {
        let name = name.trim();
        self.metrics
            .iter()
            .find(|m| m.code == name || m.name_zh == name || m.aliases.iter().any(|a| a == name))
    }
}

/// The installed catalogue, else the built-in one.
pub fn active(conn: &mut DbConn) -> crate::error::ApiResult<Catalogue> {
    match settings::get(conn, SETTING)? {
        Some(text) => Catalogue::from_toml(&text).map_err(|e| {
            crate::error::ApiError::internal(anyhow::anyhow!("stored catalogue: {e}"))
        }),
        None => Catalogue::built_in().cloned().map_err(|e| {
            crate::error::ApiError::internal(anyhow::anyhow!("built-in catalogue: {e}"))
        }),
    }
}

/// The installed catalogue's text, else the built-in one's.
pub fn active_text(conn: &mut DbConn) -> diesel::QueryResult<String> {
    Ok(settings::get(conn, SETTING)?.unwrap_or_else(|| BUILT_IN.to_owned()))
}

/// Installs a catalogue (already checked).
pub fn install(conn: &mut DbConn, text: &str) -> diesel::QueryResult<()> {
    settings::set(conn, SETTING, text)
}

pub fn to_api(metric: &Metric) -> MetricInfo {
    MetricInfo {
        code: metric.code.clone(),
        name_zh: metric.name_zh.clone(),
        aliases: metric.aliases.clone(),
        unit: metric.unit.clone(),
        source: metric.source.clone(),
        entered: metric.measure.is_entered(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_catalogue_reads_and_names_its_sources() {
        let catalogue = Catalogue::from_toml(BUILT_IN).expect("valid");
        assert!(catalogue.metrics.len() >= 25);
        assert!(catalogue.metrics.iter().all(|m| !m.source.is_empty()));
        assert_eq!(
            catalogue.find("星级合作社").map(|m| m.code.as_str()),
            Some("star_rated")
        );
        let entered = catalogue
            .metrics
            .iter()
            .filter(|m| m.measure.is_entered())
            .count();
        assert!(entered >= 12, "{entered}");
    }

    #[test]
    fn a_quota_on_founding_cooperatives_and_unknown_keys_are_refused() {
        let quota = "[[metrics]]\ncode = \"founded\"\nname_zh = \"新建合作社\"\nunit = \"家\"\nsource = \"x\"\nmeasure = { kind = \"entered\" }\n";
        let refused = Catalogue::from_toml(quota).expect_err("a quota");
        assert!(refused.contains("中农发〔2019〕18号"), "{refused}");
        let typo = "[[metrics]]\ncode = \"a\"\nname_zh = \"甲\"\nunit = \"家\"\nsource = \"x\"\nmeasure = { kind = \"count\", filter = { min_stars = 3 } }\n";
        assert!(Catalogue::from_toml(typo).is_err());
    }
}

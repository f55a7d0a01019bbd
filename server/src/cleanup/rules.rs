//! The clean-up rule set: thresholds with RULES.md's defaults, overridable from a TOML file. Numbers marked [P] in
//! RULES.md are proposals, not official; every classification records the version of the set it used.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleSet {
    /// Names this set; a changed set must have a new version.
    pub version: String,
    /// [P] Months without substantive business after which a cooperative is watched as dormant.
    pub dormant_watch_months: u32,
    /// Months without substantive business that make S2 ("连续两年", law Art. 71).
    pub shell_months: u32,
    /// Farmers' minimum share of members, in percent (the law's 80 %).
    pub farmer_share_min_pct: f64,
    /// [P] Sampled members checked before the sample counts as evidence.
    pub member_sample_min: u32,
    /// [P] Share of sampled members who do not know they are members (or cannot be reached) that raises S1, in %.
    pub member_sample_unaware_pct: f64,
    /// Share of a positive distributable surplus rebated by transactions, in percent (the law's 60 %).
    pub rebate_min_pct: f64,
    /// [P] Months until a dormant cooperative is visited again.
    pub dormant_revisit_months: u32,
}

impl Default for RuleSet {
    fn default() -> Self {
        Self {
            version: "rules-2026.1".to_owned(),
            dormant_watch_months: 12,
            shell_months: 24,
            farmer_share_min_pct: 80.0,
            member_sample_min: 3,
            member_sample_unaware_pct: 50.0,
            rebate_min_pct: 60.0,
            dormant_revisit_months: 6,
        }
    }
}

impl RuleSet {
    /// The thresholds RULES.md marks [P]: proposals of this project, not official rules.
    pub const PROPOSALS: [&'static str; 4] = [
        "dormant_watch_months",
        "member_sample_min",
        "member_sample_unaware_pct",
        "dormant_revisit_months",
    ];

    /// Every key a rule set file must give.
    pub const KEYS: [&'static str; 8] = [
        "version",
        "dormant_watch_months",
        "shell_months",
        "farmer_share_min_pct",
        "member_sample_min",
        "member_sample_unaware_pct",
        "rebate_min_pct",
        "dormant_revisit_months",
    ];

    /// A complete rule set from a TOML file. Every rule must be given and unknown ones are refused: an empty or partial
    /// file would otherwise quietly put defaults in place of rules an administrator set.
    pub fn from_toml(text: &str) -> Result<RuleSet, RuleSetError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| RuleSetError {
            zh: format!("不是有效的TOML：{}", e.message()),
            en: format!("not valid TOML: {}", e.message()),
        })?;
        if let Some(unknown) = table.keys().find(|k| !Self::KEYS.contains(&k.as_str())) {
            return Err(RuleSetError {
                zh: format!("未知的规则“{unknown}”"),
                en: format!("unknown rule {unknown:?}"),
            });
        }
        let missing: Vec<&str> = Self::KEYS
            .into_iter()
            .filter(|k| !table.contains_key(*k))
            .collect();
        if !missing.is_empty() {
            return Err(RuleSetError {
                zh: format!(
                    "规则集须写明全部规则，缺少：{}（未写的规则不会取默认值）",
                    missing.join("、")
                ),
                en: format!(
                    "a rule set must give every rule; missing: {} (no rule falls back to a default)",
                    missing.join(", ")
                ),
            });
        }
        let set: RuleSet = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| RuleSetError {
                zh: format!("规则取值无效：{}", e.message()),
                en: format!("invalid value: {}", e.message()),
            })?;
        if set.version.trim().is_empty() {
            return Err(RuleSetError {
                zh: "版本号不能为空".to_owned(),
                en: "the version must not be empty".to_owned(),
            });
        }
        if set.dormant_watch_months >= set.shell_months {
            return Err(RuleSetError {
                zh: "dormant_watch_months 须小于 shell_months".to_owned(),
                en: "dormant_watch_months must be below shell_months".to_owned(),
            });
        }
        Ok(set)
    }

    /// This set as a file, each rule on its own line, which [`RuleSet::from_toml`] reads back.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }
}

/// Why a rule set file was refused, in both languages of the API's problems.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSetError {
    pub zh: String,
    pub en: String,
}

impl std::fmt::Display for RuleSetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for RuleSetError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_must_give_every_rule() {
        let defaults = RuleSet::default();
        assert_eq!(
            RuleSet::from_toml(&defaults.to_toml()),
            Ok(defaults.clone())
        );

        let county = RuleSet {
            version: "county-2027".to_owned(),
            shell_months: 30,
            ..defaults.clone()
        };
        assert_eq!(RuleSet::from_toml(&county.to_toml()), Ok(county));

        let empty = RuleSet::from_toml("").expect_err("empty");
        assert!(
            empty.en.contains("missing: version, dormant_watch_months"),
            "{empty}"
        );
        let partial = RuleSet::from_toml("version = \"county-2027\"\nshell_months = 30\n")
            .expect_err("partial");
        assert!(
            partial.zh.contains("缺少：dormant_watch_months"),
            "{}",
            partial.zh
        );
        assert!(!partial.en.contains("shell_months"), "{partial}");

        let typo = defaults.to_toml().replace("shell_months", "shel_months");
        assert!(
            RuleSet::from_toml(&typo)
                .expect_err("typo")
                .en
                .contains("unknown rule")
        );
        let inverted = defaults
            .to_toml()
            .replace("dormant_watch_months = 12", "dormant_watch_months = 30");
        assert!(
            RuleSet::from_toml(&inverted)
                .expect_err("inverted")
                .en
                .contains("below")
        );
        let wrong_type = defaults
            .to_toml()
            .replace("shell_months = 24", "shell_months = \"two years\"");
        assert!(RuleSet::from_toml(&wrong_type).is_err());
        assert!(RuleSet::from_toml("version = ").is_err());
    }
}

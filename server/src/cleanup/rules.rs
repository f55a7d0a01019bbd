//! The clean-up rule set: thresholds with RULES.md's defaults, overridable from a TOML file. Numbers marked [P] in
//! RULES.md are proposals, not official; every classification records the version of the set it used.

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
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

    /// The defaults with a TOML document's values over them (unknown keys are refused).
    pub fn from_toml(text: &str) -> anyhow::Result<RuleSet> {
        let set: RuleSet = Figment::from(Serialized::defaults(RuleSet::default()))
            .merge(Toml::string(text))
            .extract()?;
        let known: std::collections::BTreeSet<&str> = [
            "version",
            "dormant_watch_months",
            "shell_months",
            "farmer_share_min_pct",
            "member_sample_min",
            "member_sample_unaware_pct",
            "rebate_min_pct",
            "dormant_revisit_months",
        ]
        .into();
        let table: toml::Table = text.parse()?;
        if let Some(unknown) = table.keys().find(|k| !known.contains(k.as_str())) {
            anyhow::bail!("unknown rule {unknown:?}");
        }
        if set.dormant_watch_months >= set.shell_months {
            anyhow::bail!("dormant_watch_months must be below shell_months");
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_overrides_some_rules_and_keeps_the_rest() {
        let set =
            RuleSet::from_toml("version = \"county-2027\"\nshell_months = 30\n").expect("valid");
        assert_eq!(set.version, "county-2027");
        assert_eq!(set.shell_months, 30);
        assert_eq!(set.dormant_watch_months, 12);
        assert!(RuleSet::from_toml("shel_months = 30").is_err());
        assert!(RuleSet::from_toml("dormant_watch_months = 30").is_err());
    }
}

//! Star-rating scoring models (RULES.md §2.4 for cooperatives, §2.5 for 产业农合联), read from TOML and versioned like
//! the clean-up rules. No official weights or cut-offs were found: every number of the built-in models is a proposal
//! ([P]) and the product says so.
//!
//! A model has categories of indicators, bonus items with a cap, star levels with a minimum score and hard gates, and
//! vetoes. Each indicator, gate and veto is a [`Test`] over the applicant's subject (see [`super::subject`]): a field of
//! the latest approved visit, a registry fact, the clean-up state, the star history, or a reviewer's manual score.

use std::collections::{BTreeMap, BTreeSet};

pub use hezuo_mobile_api::stars::{OrgKind, Shared};
use serde::{Deserialize, Serialize};

/// A dotted path into the subject (`finance.member_accounts`), split once when the model is read rather than at
/// every application scored; its text is shared with the evidence of each result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FieldPath {
    text: Shared,
    keys: Box<[Box<str>]>,
}

impl FieldPath {
    pub fn text(&self) -> &Shared {
        &self.text
    }

    /// The keys from the subject's top level down.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|key| &**key)
    }
}

impl TryFrom<String> for FieldPath {
    type Error = String;

    fn try_from(text: String) -> Result<FieldPath, String> {
        let keys: Box<[Box<str>]> = text.split('.').map(Box::from).collect();
        if keys.iter().any(|key| key.trim().is_empty()) {
            return Err(format!(
                "field `{text}` is not a dotted path such as finance.member_accounts"
            ));
        }
        Ok(FieldPath {
            text: text.into(),
            keys,
        })
    }
}

impl From<FieldPath> for String {
    fn from(path: FieldPath) -> String {
        path.text.to_string()
    }
}

/// How an indicator scores, or when a gate passes or a veto holds. Fields are dotted paths into the subject
/// (`finance.member_accounts`, `registry.on_abnormal_list`, `derived.signed_general_meetings`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "test", rename_all = "snake_case", deny_unknown_fields)]
pub enum Test {
    /// A reviewer enters the score (indicators only).
    Manual,
    /// The field is `true`.
    True { field: FieldPath },
    /// The field is `false` (absent is not false).
    False { field: FieldPath },
    /// The number is at least `min`.
    AtLeast { field: FieldPath, min: f64 },
    /// `numerator / denominator` is at least `min`. With `full_without_denominator`, a missing or zero denominator
    /// passes (no surplus: nothing to rebate).
    RatioAtLeast {
        numerator: FieldPath,
        denominator: FieldPath,
        min: f64,
        #[serde(default)]
        full_without_denominator: bool,
    },
    /// The list holds at least `min` entries.
    CountAtLeast { field: FieldPath, min: usize },
    /// The field's text is one of `values`.
    OneOf {
        field: FieldPath,
        values: Vec<String>,
    },
    /// Every test passes.
    All { tests: Vec<Test> },
    /// Any test passes.
    Any { tests: Vec<Test> },
    /// Share of the points by the number's band: `bands = [[80, 1.0], [50, 0.5]]` gives all points from 80, half
    /// from 50 (indicators only).
    Bands {
        field: FieldPath,
        bands: Vec<[f64; 2]>,
    },
    /// Points by the field's text, at most the indicator's points (indicators only; e.g. the 示范社 level).
    Pick {
        field: FieldPath,
        points: BTreeMap<String, f64>,
    },
}

impl Test {
    /// Whether the test scores by more than pass/fail (only indicators may).
    fn is_scoring_only(&self) -> bool {
        matches!(self, Test::Manual | Test::Bands { .. } | Test::Pick { .. })
    }

    fn nested(&self) -> &[Test] {
        match self {
            Test::All { tests } | Test::Any { tests } => tests,
            _ => &[],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub code: Shared,
    pub name_zh: Shared,
    pub points: f64,
    pub how: Test,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: Shared,
    pub name_zh: Shared,
    /// The category's maximum; its indicators' points add up to it.
    pub points: f64,
    pub indicators: Vec<Indicator>,
}

/// A condition a star level requires, or one that makes the applicant ineligible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub code: Shared,
    pub name_zh: Shared,
    pub when: Test,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StarLevel {
    pub star: u8,
    /// The least total (categories plus capped bonus, capped at `total_cap`).
    pub min_score: f64,
    /// Gates of this level; a level also needs the gates of every level below it.
    #[serde(default)]
    pub gates: Vec<Check>,
    /// The review level that confirms this star (产业农合联: county, city, province).
    #[serde(default)]
    pub review_level: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringModel {
    /// Names this model; a changed model must have a new version.
    pub version: String,
    pub kind: OrgKind,
    pub name_zh: String,
    pub categories: Vec<Category>,
    #[serde(default)]
    pub bonuses: Vec<Indicator>,
    #[serde(default)]
    pub bonus_cap: f64,
    pub total_cap: f64,
    /// Ascending by star.
    pub stars: Vec<StarLevel>,
    #[serde(default)]
    pub vetoes: Vec<Check>,
    /// The levels that confirm a star, lowest first (`county`, `city`, `province`); a star with a `review_level`
    /// needs the levels up to that one, any other star all of them.
    #[serde(default = "county_then_city")]
    pub review_levels: Vec<String>,
    /// Years a revoked star bars a new application.
    #[serde(default = "one")]
    pub revocation_bar_years: u32,
    /// Years a falsified application bars the applicant (Pingyang: 2年内不予评选).
    #[serde(default = "two")]
    pub falsification_bar_years: u32,
}

fn county_then_city() -> Vec<String> {
    vec!["county".to_owned(), "city".to_owned()]
}

fn one() -> u32 {
    1
}

fn two() -> u32 {
    2
}

/// Why a model cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ModelError(pub String);

impl ScoringModel {
    /// The built-in model for cooperatives (RULES.md §2.4, every number [P]); `cooperative.toml` is also the template
    /// for a county's own model.
    pub fn cooperative_default() -> Result<ScoringModel, ModelError> {
        Self::from_toml(include_str!("cooperative.toml"))
    }

    /// The built-in model for 产业农合联 (RULES.md §2.5, every number [P]).
    pub fn federation_default() -> Result<ScoringModel, ModelError> {
        Self::from_toml(include_str!("federation.toml"))
    }

    /// Reads and checks a model: unknown keys are refused, codes are unique, each category's indicators add up to its
    /// points, stars ascend in star and score, and gates and vetoes use pass/fail tests only.
    pub fn from_toml(text: &str) -> Result<ScoringModel, ModelError> {
        let model: ScoringModel = toml::from_str(text).map_err(|e| ModelError(e.to_string()))?;
        model.check()?;
        Ok(model)
    }

    fn check(&self) -> Result<(), ModelError> {
        let fail = |message: String| Err(ModelError(message));
        if self.version.trim().is_empty() {
            return fail("the model needs a version".to_owned());
        }
        let mut codes = BTreeSet::new();
        let indicators = self
            .categories
            .iter()
            .flat_map(|c| c.indicators.iter())
            .chain(&self.bonuses);
        for indicator in indicators {
            if !codes.insert(&*indicator.code) {
                return fail(format!("indicator code {} is used twice", indicator.code));
            }
            if indicator.points <= 0.0 {
                return fail(format!(
                    "indicator {} needs positive points",
                    indicator.code
                ));
            }
            if indicator.how.nested().iter().any(Test::is_scoring_only) {
                return fail(format!(
                    "indicator {}: all/any combine pass/fail tests only",
                    indicator.code
                ));
            }
        }
        for category in &self.categories {
            let sum: f64 = category.indicators.iter().map(|i| i.points).sum();
            if (sum - category.points).abs() > 1e-9 {
                return fail(format!(
                    "category {}: indicators add up to {sum}, not {}",
                    category.code, category.points
                ));
            }
        }
        let checks = self
            .stars
            .iter()
            .flat_map(|s| s.gates.iter())
            .chain(&self.vetoes);
        for check in checks {
            let scoring = check.when.is_scoring_only()
                || check.when.nested().iter().any(Test::is_scoring_only);
            if scoring {
                return fail(format!(
                    "{}: gates and vetoes use pass/fail tests only",
                    check.code
                ));
            }
        }
        let levels = crate::review::levels::ReviewLevels::parse(&self.review_levels.join(","))
            .map_err(ModelError)?;
        for star in &self.stars {
            let known = star.review_level.as_deref().is_none_or(|name| {
                hezuo_mobile_api::RegionLevel::parse(name)
                    .is_some_and(|level| levels.index_of(level).is_some())
            });
            if !known {
                return fail(format!(
                    "star {}: its review level is not one of review_levels",
                    star.star
                ));
            }
        }
        if self.stars.is_empty() {
            return fail("the model needs at least one star level".to_owned());
        }
        for pair in self.stars.windows(2) {
            if pair[1].star <= pair[0].star || pair[1].min_score < pair[0].min_score {
                return fail("star levels ascend in star and in minimum score".to_owned());
            }
        }
        Ok(())
    }

    /// The most the categories can give.
    pub fn category_total(&self) -> f64 {
        self.categories.iter().map(|c| c.points).sum()
    }

    /// Codes of the indicators a reviewer scores.
    pub fn manual_indicators(&self) -> Vec<&Indicator> {
        self.categories
            .iter()
            .flat_map(|c| c.indicators.iter())
            .chain(&self.bonuses)
            .filter(|i| i.how == Test::Manual)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_models_are_valid_and_add_up() {
        let cooperative = ScoringModel::cooperative_default().expect("valid");
        assert_eq!(cooperative.kind, OrgKind::Cooperative);
        assert_eq!(cooperative.category_total(), 100.0);
        assert_eq!(cooperative.bonus_cap, 10.0);
        let stars: Vec<u8> = cooperative.stars.iter().map(|s| s.star).collect();
        assert_eq!(stars, vec![1, 2, 3, 4, 5]);
        let federation = ScoringModel::federation_default().expect("valid");
        assert_eq!(federation.kind, OrgKind::IndustryFederation);
        assert_eq!(federation.category_total(), 100.0);
        let levels: Vec<Option<&str>> = federation
            .stars
            .iter()
            .map(|s| s.review_level.as_deref())
            .collect();
        assert_eq!(levels, vec![Some("county"), Some("city"), Some("province")]);
    }

    #[test]
    fn broken_models_are_refused_with_the_reason() {
        let base = include_str!("cooperative.toml");
        let unknown = base.replace("bonus_cap = 10", "bonus_cap = 10\nbonus_kap = 3");
        assert!(ScoringModel::from_toml(&unknown).is_err());
        let wrong_sum = base.replacen("points = 20", "points = 21", 1);
        let error = ScoringModel::from_toml(&wrong_sum).expect_err("sum");
        assert!(error.0.contains("add up"), "{error}");
        let manual_gate = format!(
            "{base}\n[[vetoes]]\ncode = \"X\"\nname_zh = \"x\"\nwhen = {{ test = \"manual\" }}\n"
        );
        let error = ScoringModel::from_toml(&manual_gate).expect_err("manual veto");
        assert!(error.0.contains("pass/fail"), "{error}");
        let bad_path = base.replacen(
            "field = \"finance.member_accounts\"",
            "field = \"finance..member_accounts\"",
            1,
        );
        assert_ne!(bad_path, base);
        let error = ScoringModel::from_toml(&bad_path).expect_err("path");
        assert!(error.0.contains("finance..member_accounts"), "{error}");
    }

    #[test]
    fn a_field_path_is_split_once_and_written_back_as_it_was_read() {
        let path = FieldPath::try_from("registry.on_abnormal_list".to_owned()).expect("path");
        assert_eq!(
            path.keys().collect::<Vec<_>>(),
            vec!["registry", "on_abnormal_list"]
        );
        assert_eq!(String::from(path), "registry.on_abnormal_list");
        for bad in ["", ".x", "x.", "a. .b"] {
            assert!(FieldPath::try_from(bad.to_owned()).is_err(), "{bad:?}");
        }
    }
}

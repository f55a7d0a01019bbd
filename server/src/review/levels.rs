//! The configured review levels (`HEZUO_REVIEW_LEVELS`, default `township,county`): a visit is approved when every
//! level has approved it, lowest first. A reviewer acts at the level of the regions they are assigned.

use hezuo_mobile_api::region_code::{RegionCode, RegionLevel};
use hezuo_mobile_api::users::Role;

use crate::auth::Authenticated;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewLevels {
    /// Lowest (closest to the village) first.
    levels: Vec<RegionLevel>,
}

impl ReviewLevels {
    /// Parses a comma-separated list such as `township,county`, lowest level first.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut levels = Vec::new();
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let level = RegionLevel::parse(name)
                .filter(|l| *l != RegionLevel::Village)
                .ok_or_else(|| {
                    format!("unknown review level {name:?} (province, city, county, township)")
                })?;
            if levels.last().is_some_and(|last| *last <= level) {
                return Err(format!(
                    "review levels go from the lowest up, each above the one before: {text:?}"
                ));
            }
            levels.push(level);
        }
        if levels.is_empty() {
            return Err("at least one review level is needed".to_owned());
        }
        Ok(Self { levels })
    }

    pub fn all(&self) -> &[RegionLevel] {
        &self.levels
    }

    /// The position of a level in the order of approval.
    pub fn index_of(&self, level: RegionLevel) -> Option<usize> {
        self.levels.iter().position(|l| *l == level)
    }

    pub fn first(&self) -> RegionLevel {
        self.levels[0]
    }

    /// The level that approves after `approved` levels have.
    pub fn after(&self, approved: usize) -> Option<RegionLevel> {
        self.levels.get(approved).copied()
    }

    /// The level a reviewer acts at: supervisors at the configured level of their assigned regions (the highest one
    /// if they hold several; a region above every configured level acts at the top one); admins at the top level.
    /// Counsellors, viewers, and supervisors of regions below every level do not review.
    pub fn of(&self, reviewer: &Authenticated) -> Option<RegionLevel> {
        match reviewer.role {
            Role::Admin => self.levels.last().copied(),
            Role::Supervisor => reviewer
                .regions
                .iter()
                .filter_map(|region| RegionCode::parse(&region.code).ok())
                .map(|code| code.level())
                .min()
                .and_then(|assigned| self.at_or_below(assigned)),
            Role::Counsellor | Role::Viewer => None,
        }
    }

    /// The highest configured level at or below a region level.
    fn at_or_below(&self, assigned: RegionLevel) -> Option<RegionLevel> {
        self.levels.iter().rev().copied().find(|l| *l >= assigned)
    }
}

impl Default for ReviewLevels {
    fn default() -> Self {
        Self {
            levels: vec![RegionLevel::Township, RegionLevel::County],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_lowest_first() {
        let levels = ReviewLevels::parse("township, county").expect("valid");
        assert_eq!(levels, ReviewLevels::default());
        assert_eq!(levels.after(1), Some(RegionLevel::County));
        assert_eq!(levels.after(2), None);
        assert!(ReviewLevels::parse("county,township").is_err());
        assert!(ReviewLevels::parse("county,county").is_err());
        assert!(ReviewLevels::parse("village").is_err());
        assert!(ReviewLevels::parse("").is_err());
        assert_eq!(
            ReviewLevels::parse("county").expect("one level").all(),
            &[RegionLevel::County]
        );
    }

    #[test]
    fn a_region_above_every_level_reviews_at_the_top() {
        let levels = ReviewLevels::default();
        assert_eq!(
            levels.at_or_below(RegionLevel::City),
            Some(RegionLevel::County)
        );
        assert_eq!(
            levels.at_or_below(RegionLevel::County),
            Some(RegionLevel::County)
        );
        assert_eq!(
            levels.at_or_below(RegionLevel::Township),
            Some(RegionLevel::Township)
        );
        assert_eq!(levels.at_or_below(RegionLevel::Village), None);
    }
}

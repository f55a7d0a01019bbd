//! Counting a catalogue metric's actual for a region from hezuo's data: the registry, approved visits and the region
//! tree. Everything is read once per call and counted per region in memory.

use std::collections::HashSet;

use chrono::NaiveDate;
use diesel::prelude::*;
use hezuo_mobile_api::cooperatives::{GxsRelation, TitleLevel};
use hezuo_mobile_api::stars::OrgKind;

use super::catalogue::{Filter, Measure};
use crate::coverage::Covered;
use crate::db::DbConn;
use crate::db::code::Code;
use crate::db::schema::{cooperatives, regions};
use crate::models::cooperatives::under_any;

/// A farmer cooperative as the counted metrics read it.
#[derive(Debug, Clone)]
pub struct Registered {
    pub region_code: String,
    pub region_path: String,
    pub star: Option<i64>,
    pub relation: GxsRelation,
    pub nhl_member: bool,
    pub guifan: Option<TitleLevel>,
    pub demo: Option<TitleLevel>,
    pub members: Option<i64>,
}

impl Filter {
    pub fn matches(&self, c: &Registered) -> bool {
        self.min_star
            .is_none_or(|min| c.star.is_some_and(|s| s >= i64::from(min)))
            && self
                .relations
                .as_ref()
                .is_none_or(|relations| relations.contains(&c.relation))
            && self.nhl_member.is_none_or(|member| c.nhl_member == member)
            && self
                .guifan_min
                .is_none_or(|min| c.guifan.is_some_and(|l| l.rank() >= min.rank()))
            && self
                .demo_levels
                .as_ref()
                .is_none_or(|levels| c.demo.is_some_and(|l| levels.contains(&l)))
    }
}

/// What the counted metrics read, for the regions under `paths` (all when `None`).
pub struct Data {
    pub registered: Vec<Registered>,
    pub covered: Vec<Covered>,
    /// Village codes and paths.
    pub villages: Vec<(String, String)>,
    pub today: NaiveDate,
}

impl Data {
    /// Reads what `measures` need: visits and the region tree only when a measure counts them.
    pub fn load(
        conn: &mut DbConn,
        paths: Option<&[String]>,
        measures: &[&Measure],
        today: NaiveDate,
        revisit_months: u32,
    ) -> QueryResult<Data> {
        type Row = (
            String,
            String,
            Option<i64>,
            Code<GxsRelation>,
            (bool, bool, bool),
            Option<Code<TitleLevel>>,
            Option<Code<TitleLevel>>,
            Option<i64>,
        );
        let mut query = cooperatives::table
            .filter(cooperatives::merged_into.is_null())
            .filter(cooperatives::org_kind.eq(OrgKind::Cooperative.as_str()))
            .select((
                cooperatives::region_code,
                cooperatives::region_path,
                cooperatives::star_level,
                cooperatives::gxs_relation,
                (
                    cooperatives::nhl_county,
                    cooperatives::nhl_township,
                    cooperatives::nhl_industry,
                ),
                cooperatives::guifan_level,
                cooperatives::demo_level,
                cooperatives::member_count,
            ))
            .into_boxed();
        if let Some(paths) = paths {
            query = query.filter(under_any(paths));
        }
        let rows: Vec<Row> = query.load(conn)?;
        let registered = rows
            .into_iter()
            .map(
                |(region_code, region_path, star, relation, nhl, guifan, demo, members)| {
                    Registered {
                        region_code,
                        region_path,
                        star,
                        relation: *relation,
                        nhl_member: nhl.0 || nhl.1 || nhl.2,
                        guifan: guifan.map(|l| *l),
                        demo: demo.map(|l| *l),
                        members,
                    }
                },
            )
            .collect();
        let needs = |wanted: fn(&Measure) -> bool| measures.iter().any(|m| wanted(m));
        let covered = if needs(|m| matches!(m, Measure::Baseline | Measure::Coverage)) {
            crate::coverage::cooperatives(conn, paths, today, revisit_months)?.0
        } else {
            Vec::new()
        };
        let villages: Vec<(String, String)> =
            if needs(|m| matches!(m, Measure::VillagesWithCooperatives)) {
                regions::table
                    .filter(regions::level.eq("village"))
                    .select((regions::code, regions::path))
                    .load::<(String, String)>(conn)?
                    .into_iter()
                    .filter(|(_, path)| {
                        paths.is_none_or(|ps| ps.iter().any(|p| path.starts_with(p.as_str())))
                    })
                    .collect()
            } else {
                Vec::new()
            };
        Ok(Data {
            registered,
            covered,
            villages,
            today,
        })
    }

    /// The actual of a counted measure under the region at `path`; `None` for entered measures.
    pub fn actual(&self, measure: &Measure, path: &str) -> Option<f64> {
        let under = || {
            self.registered
                .iter()
                .filter(|c| c.region_path.starts_with(path))
        };
        let covered = || {
            self.covered
                .iter()
                .filter(|c| c.region_path.starts_with(path))
        };
        match measure {
            Measure::Count { filter } => Some(under().filter(|c| filter.matches(c)).count() as f64),
            Measure::SumMembers { filter } => Some(
                under()
                    .filter(|c| filter.matches(c))
                    .filter_map(|c| c.members)
                    .sum::<i64>() as f64,
            ),
            Measure::Share { of, filter } => {
                let base: Vec<&Registered> = under().filter(|c| of.matches(c)).collect();
                let hits = base.iter().filter(|c| filter.matches(c)).count();
                Some(percent(hits, base.len()))
            }
            Measure::Baseline => {
                let required: Vec<&Covered> = covered().filter(|c| c.baseline_required).collect();
                let done = required.iter().filter(|c| c.baseline_done).count();
                Some(percent(done, required.len()))
            }
            Measure::Coverage => {
                let required: Vec<&Covered> = covered().filter(|c| c.baseline_required).collect();
                let current = required.iter().filter(|c| !c.overdue(self.today)).count();
                Some(percent(current, required.len()))
            }
            Measure::VillagesWithCooperatives => {
                let villages: Vec<&String> = self
                    .villages
                    .iter()
                    .filter(|(_, p)| p.starts_with(path))
                    .map(|(code, _)| code)
                    .collect();
                let with: HashSet<&str> = under().map(|c| c.region_code.as_str()).collect();
                let hits = villages
                    .iter()
                    .filter(|v| with.contains(v.as_str()))
                    .count();
                Some(percent(hits, villages.len()))
            }
            Measure::Entered => None,
        }
    }
}

/// `part / whole` in percent with one decimal; an empty whole is 0 %.
fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part as f64 * 1000.0 / whole as f64).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cooperative(
        star: Option<i64>,
        relation: GxsRelation,
        guifan: Option<TitleLevel>,
    ) -> Registered {
        Registered {
            region_code: "330203101201".into(),
            region_path: "/33/3302/330203/".into(),
            star,
            relation,
            nhl_member: false,
            guifan,
            demo: None,
            members: Some(100),
        }
    }

    #[test]
    fn filters_and_shares_count_what_the_catalogue_names() {
        let sponsored = Filter {
            relations: Some(GxsRelation::SPONSORING.to_vec()),
            ..Default::default()
        };
        let data = Data {
            registered: vec![
                cooperative(
                    Some(3),
                    GxsRelation::ServiceLinked,
                    Some(TitleLevel::County),
                ),
                cooperative(Some(5), GxsRelation::None, Some(TitleLevel::Province)),
                cooperative(None, GxsRelation::Led, None),
            ],
            covered: Vec::new(),
            villages: Vec::new(),
            today: NaiveDate::from_ymd_opt(2026, 12, 1).expect("day"),
        };
        let path = "/33/3302/";
        let count = Measure::Count {
            filter: sponsored.clone(),
        };
        assert_eq!(data.actual(&count, path), Some(2.0));
        let share = Measure::Share {
            of: Filter {
                guifan_min: Some(TitleLevel::County),
                ..Default::default()
            },
            filter: sponsored,
        };
        assert_eq!(data.actual(&share, path), Some(50.0));
        let members = Measure::SumMembers {
            filter: Filter {
                min_star: Some(3),
                ..Default::default()
            },
        };
        assert_eq!(data.actual(&members, path), Some(200.0));
        assert_eq!(data.actual(&Measure::Entered, path), None);
        assert_eq!(data.actual(&count, "/44/"), Some(0.0));
    }
}

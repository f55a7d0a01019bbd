//! The review queue's filters, parsed once and applied to `visit_reviews` by the queue and its counts alike.

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Text;
use hezuo_mobile_api::reviews::ReviewQuery;
use hezuo_mobile_api::{ErrorCode, RegionCode, RegionLevel};
use hezuo_sync::model::VisitType;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::db::schema::{cooperatives, evidence_flags, visit_reviews, visits};
use crate::db::{DbConn, MultiBackend};
use crate::error::{ApiError, ApiResult};
use crate::models::cooperatives::{cooperative_in_scope, escape_like};
use crate::state::AppState;

pub type Boxed = visit_reviews::BoxedQuery<'static, MultiBackend>;

/// What the queue is filtered by, except the state (the counts break it down by state).
pub struct Filters {
    scope: Option<Vec<String>>,
    region: Option<RegionCode>,
    pending_reason: Option<String>,
    awaiting: Option<RegionLevel>,
    cooperative_id: Option<Uuid>,
    counsellor: Option<String>,
    missing_photos: Option<bool>,
    flags: Option<bool>,
    conflicts: Option<bool>,
    text: Option<String>,
    visit_type: Option<VisitType>,
    visit_date_from: Option<NaiveDate>,
    visit_date_to: Option<NaiveDate>,
}

fn invalid(field: &str, zh: &str, en: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery).with_field(field, "invalid", zh, en)
}

fn day(field: &str, value: Option<&str>) -> ApiResult<Option<NaiveDate>> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| invalid(field, "日期格式应为 YYYY-MM-DD", "dates are YYYY-MM-DD"))
        })
        .transpose()
}

impl Filters {
    pub fn parse(state: &AppState, caller: &Authenticated, query: &ReviewQuery) -> ApiResult<Self> {
        let awaiting = match query.awaiting.as_deref() {
            None | Some("") => None,
            Some("mine") => Some(
                state
                    .review_levels
                    .of(caller)
                    .ok_or_else(|| ApiError::new(ErrorCode::NotAReviewer))?,
            ),
            Some(level) => Some(RegionLevel::parse(level).ok_or_else(|| {
                invalid(
                    "awaiting",
                    "层级应为 township、county 等或 mine",
                    "awaiting is a level or mine",
                )
            })?),
        };
        let region = query
            .region
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|code| {
                RegionCode::parse(code)
                    .map_err(|_| invalid("region", "行政区划代码无效", "invalid region code"))
            })
            .transpose()?;
        let visit_type = query
            .visit_type
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(|t| {
                VisitType::parse(t).ok_or_else(|| {
                    invalid(
                        "visit_type",
                        "走访类型应为 baseline、routine、star_recheck、follow_up 或 complaint_check",
                        "visit_type is baseline, routine, star_recheck, follow_up or complaint_check",
                    )
                })
            })
            .transpose()?;
        let text = query
            .q
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| t.chars().take(100).collect());
        Ok(Self {
            scope: caller.scope.paths(),
            region,
            pending_reason: query.pending_reason.clone().filter(|r| !r.is_empty()),
            awaiting,
            cooperative_id: query.cooperative_id,
            counsellor: query.counsellor.clone().filter(|c| !c.is_empty()),
            missing_photos: query.missing_photos,
            flags: query.flags,
            conflicts: query.conflicts,
            text,
            visit_type,
            visit_date_from: day("visit_date_from", query.visit_date_from.as_deref())?,
            visit_date_to: day("visit_date_to", query.visit_date_to.as_deref())?,
        })
    }

    /// The review rows these filters let through, in the caller's regions.
    pub fn apply(&self, conn: &mut DbConn) -> ApiResult<Boxed> {
        let mut sql = visit_reviews::table.into_boxed();
        if let Some(paths) = &self.scope {
            sql = sql.filter(cooperative_in_scope("cooperative_id", paths));
        }
        if let Some(code) = &self.region {
            let region = crate::models::regions::find(conn, code.as_str())?
                .ok_or_else(|| ApiError::new(ErrorCode::RegionUnknown))?;
            sql = sql.filter(cooperative_in_scope("cooperative_id", &[region.path]));
        }
        if let Some(reason) = &self.pending_reason {
            sql = sql.filter(visit_reviews::pending_reason.eq(reason.clone()));
        }
        if let Some(level) = self.awaiting {
            sql = sql.filter(visit_reviews::awaiting_level.eq(level.as_str()));
        }
        if let Some(cooperative) = self.cooperative_id {
            sql = sql.filter(visit_reviews::cooperative_id.eq(cooperative.to_string()));
        }
        if let Some(text) = &self.text {
            let name = format!("%{}%", escape_like(text));
            let code = format!("%{}%", escape_like(&text.to_uppercase()));
            let matching = cooperatives::table
                .filter(
                    cooperatives::name
                        .like(name)
                        .escape('\\')
                        .or(cooperatives::uscc.like(code).escape('\\')),
                )
                .select(cooperatives::id);
            sql = sql.filter(visit_reviews::cooperative_id.eq_any(matching));
        }
        if let Some(counsellor) = &self.counsellor {
            let theirs = visits::table
                .filter(visits::author_user_id.eq(counsellor.clone()))
                .select(visits::id);
            sql = sql.filter(visit_reviews::visit_id.eq_any(theirs));
        }
        if let Some(kind) = self.visit_type {
            let of_type = visits::table
                .filter(visits::visit_type.eq(kind.as_str()))
                .select(visits::id);
            sql = sql.filter(visit_reviews::visit_id.eq_any(of_type));
        }
        if let Some(from) = self.visit_date_from {
            let since = visits::table
                .filter(visits::visit_date.ge(from.to_string()))
                .select(visits::id);
            sql = sql.filter(visit_reviews::visit_id.eq_any(since));
        }
        if let Some(to) = self.visit_date_to {
            let until = visits::table
                .filter(visits::visit_date.le(to.to_string()))
                .select(visits::id);
            sql = sql.filter(visit_reviews::visit_id.eq_any(until));
        }
        if let Some(missing) = self.missing_photos {
            let short = visits::table
                .filter(visits::photos_received.lt(visits::photos_expected))
                .select(visits::id);
            sql = if missing {
                sql.filter(visit_reviews::visit_id.eq_any(short))
            } else {
                sql.filter(visit_reviews::visit_id.ne_all(short))
            };
        }
        if let Some(flagged) = self.flags {
            let with_flags = evidence_flags::table.select(evidence_flags::visit_id);
            sql = if flagged {
                sql.filter(visit_reviews::visit_id.eq_any(with_flags))
            } else {
                sql.filter(visit_reviews::visit_id.ne_all(with_flags))
            };
        }
        if let Some(conflicted) = self.conflicts {
            let ids: Vec<String> = super::visits_with_open_conflicts(conn, None)?
                .into_keys()
                .collect();
            sql = if conflicted {
                sql.filter(visit_reviews::visit_id.eq_any(ids))
            } else {
                sql.filter(visit_reviews::visit_id.ne_all(ids))
            };
        }
        Ok(sql)
    }
}

/// The queue's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// By visit id: the order visits were made (UUID v7); pages by keyset.
    Created,
    /// By another key, descending when `true`; pages by count.
    By(SortKey, bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    VisitDate,
    SubmittedAt,
    Cooperative,
}

impl Sort {
    pub fn parse(value: Option<&str>) -> ApiResult<Self> {
        let value = value.unwrap_or_default();
        let (descending, key) = match value.strip_prefix('-') {
            Some(key) => (true, key),
            None => (false, value),
        };
        let key = match key {
            "" | "created" if !descending => return Ok(Sort::Created),
            "visit_date" => SortKey::VisitDate,
            "submitted_at" => SortKey::SubmittedAt,
            "cooperative" => SortKey::Cooperative,
            _ => {
                return Err(invalid(
                    "sort",
                    "排序应为 created、visit_date、submitted_at 或 cooperative，可加前缀 -",
                    "sort is created, visit_date, submitted_at or cooperative, optionally prefixed with -",
                ));
            }
        };
        Ok(Sort::By(key, descending))
    }

    /// Orders a filtered query; ties go by visit id so pages are stable.
    pub fn order(self, query: Boxed) -> Boxed {
        let key = match self {
            Sort::Created => return query.order(visit_reviews::visit_id.asc()),
            // Missing values sort first on both databases (PostgreSQL would put NULL last).
            Sort::By(SortKey::VisitDate, _) => sql::<Text>(
                "COALESCE((SELECT visit_date FROM visits WHERE visits.id = visit_reviews.visit_id), '')",
            ),
            Sort::By(SortKey::SubmittedAt, _) => {
                sql::<Text>("COALESCE(CAST(visit_reviews.submitted_at AS TEXT), '')")
            }
            Sort::By(SortKey::Cooperative, _) => sql::<Text>(
                "COALESCE((SELECT name FROM cooperatives WHERE cooperatives.id = visit_reviews.cooperative_id), '')",
            ),
        };
        match self {
            Sort::By(_, true) => query
                .order(key.desc())
                .then_order_by(visit_reviews::visit_id.desc()),
            _ => query
                .order(key.asc())
                .then_order_by(visit_reviews::visit_id.asc()),
        }
    }
}

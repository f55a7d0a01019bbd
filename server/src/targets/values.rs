//! Hand-entered figures of the catalogue's entered metrics: per region and month, each with its source. A supervisor
//! enters the figures of their regions; entering a month again replaces it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::targets::{EnterValue, MetricValue};

use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::db::id::UserId;
use crate::db::schema::{metric_values, regions, users};
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::models::{now, to_utc};

/// Stores a figure after checking the metric is an entered one, the region is the caller's and the month is past or
/// current.
pub fn enter(
    conn: &mut DbConn,
    caller: &Authenticated,
    value: &EnterValue,
) -> ApiResult<MetricValue> {
    let catalogue = super::catalogue::active(conn)?;
    let metric = catalogue
        .find(&value.metric)
        .filter(|m| m.measure.is_entered())
        .ok_or_else(|| {
            ApiError::new(ErrorCode::ValidationFailed).with_field(
                "metric",
                "not_entered",
                format!("“{}”不是需手工填报的指标", value.metric),
                format!(
                    "`{}` is not an entered metric of the catalogue",
                    value.metric
                ),
            )
        })?;
    let first = crate::reports::parse_month(&value.month)
        .filter(|m| *m <= crate::cleanup::store::today())
        .ok_or_else(|| {
            ApiError::new(ErrorCode::ValidationFailed).with_field(
                "month",
                "invalid",
                "月份应为不晚于本月的 YYYY-MM",
                "month is YYYY-MM, not in the future",
            )
        })?;
    if !value.value.is_finite() || value.value < 0.0 {
        return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
            "value",
            "invalid",
            "数值应为非负数",
            "value is a non-negative number",
        ));
    }
    let region = crate::routes::cooperatives::writable_region(
        conn,
        caller,
        &hezuo_mobile_api::RegionCode::parse(&value.region_code).map_err(|_| {
            ApiError::new(ErrorCode::RegionCodeInvalid).with_field(
                "region_code",
                "region_code_invalid",
                "行政区划代码无效",
                "invalid region code",
            )
        })?,
    )?;
    let month = first.format("%Y-%m").to_string();
    let key = (region.code.as_str(), metric.code.as_str(), month.as_str());
    diesel::delete(metric_values::table.find(key)).execute(conn)?;
    diesel::insert_into(metric_values::table)
        .values((
            metric_values::region_code.eq(&region.code),
            metric_values::metric.eq(&metric.code),
            metric_values::month.eq(&month),
            metric_values::value.eq(value.value),
            metric_values::source.eq(value.source.trim()),
            metric_values::note.eq(value
                .note
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())),
            metric_values::entered_by.eq(caller.user.id),
            metric_values::entered_at.eq(now()),
        ))
        .execute(conn)?;
    let stored = list(
        conn,
        Some(std::slice::from_ref(&region.path)),
        Some(&metric.code),
        &month[..4],
    )?
    .into_iter()
    .find(|v| v.month == month && v.region_code == region.code)
    .ok_or_else(|| ApiError::internal(anyhow::anyhow!("entered value vanished")))?;
    audit::record(
        conn,
        &caller.who(),
        Entry {
            action: audit::Action::MetricValueEntered,
            entity_type: "metric_value",
            entity_id: &format!("{}/{}/{}", region.code, metric.code, month),
        },
        audit::NONE,
        Some(&stored),
    )?;
    Ok(stored)
}

/// Figures of `year` for regions under `paths` (all when `None`), optionally of one metric, by region, metric, month.
pub fn list(
    conn: &mut DbConn,
    paths: Option<&[String]>,
    metric: Option<&str>,
    year: &str,
) -> QueryResult<Vec<MetricValue>> {
    type Row = (
        String,
        String,
        String,
        f64,
        String,
        Option<String>,
        UserId,
        NaiveDateTime,
        String,
        String,
    );
    let mut query = metric_values::table
        .inner_join(regions::table.on(regions::code.eq(metric_values::region_code)))
        .filter(metric_values::month.like(format!("{year}-%")))
        .select((
            metric_values::region_code,
            metric_values::metric,
            metric_values::month,
            metric_values::value,
            metric_values::source,
            metric_values::note,
            metric_values::entered_by,
            metric_values::entered_at,
            regions::name,
            regions::path,
        ))
        .order((
            metric_values::region_code.asc(),
            metric_values::metric.asc(),
            metric_values::month.asc(),
        ))
        .into_boxed();
    if let Some(metric) = metric {
        query = query.filter(metric_values::metric.eq(metric.to_owned()));
    }
    let rows: Vec<Row> = query.load(conn)?;
    let ids: Vec<UserId> = rows.iter().map(|r| r.6).collect();
    let names: std::collections::HashMap<UserId, String> = users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::display_name))
        .load::<(UserId, String)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .filter(|row| {
            paths.is_none_or(|ps| {
                ps.iter()
                    .any(|p| row.9.starts_with(p.as_str()) || p.starts_with(row.9.as_str()))
            })
        })
        .map(
            |(region_code, metric, month, value, source, note, by, at, region_name, _)| {
                MetricValue {
                    region_code,
                    region_name,
                    metric,
                    month,
                    value,
                    source,
                    note,
                    entered_by_name: names.get(&by).cloned().unwrap_or_default(),
                    entered_at: to_utc(at),
                }
            },
        )
        .collect())
}

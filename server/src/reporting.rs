//! The monthly reporting cycle (seed 004: "各乡镇（街道）和县级部门每月15号前要将改革进展情况书面报改革工作专班办公室"): a
//! township or county writes its month's report (narrative and typical cases) once the month has ended, files it by
//! the due day, and the level above acknowledges it or returns it with a note; a returned report is corrected and
//! filed again. The figures beside it are the month's frozen figures (`reports::monthly_for`).

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::reporting::{MonthlyReport, ReportAction, SaveReport, TypicalCase};
use hezuo_mobile_api::users::Role;

use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::db::id::UserId;
use crate::db::schema::{monthly_reports, regions, users};
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::models::regions::RegionRow;
use crate::models::{now, to_utc};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = monthly_reports)]
pub struct ReportRow {
    pub id: String,
    pub region_code: String,
    pub month: String,
    pub status: String,
    pub narrative: String,
    pub cases_json: String,
    pub written_by: UserId,
    pub filed_by: Option<UserId>,
    pub filed_at: Option<NaiveDateTime>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_note: Option<String>,
    pub version: i64,
    pub updated_at: NaiveDateTime,
}

const LEVELS: [&str; 2] = ["county", "township"];

/// A reporting unit the caller can see; 404 outside their regions, 422 for a region that does not report.
pub fn unit(conn: &mut DbConn, caller: &Authenticated, code: &str) -> ApiResult<RegionRow> {
    let region = crate::models::regions::find(conn, code)?
        .filter(|r| caller.scope.overlaps(&r.path))
        .ok_or_else(ApiError::not_found)?;
    if !LEVELS.contains(&region.level.as_str()) {
        return Err(ApiError::new(ErrorCode::NotReportingUnit));
    }
    Ok(region)
}

/// The month a path names; it must have ended for a report to be written.
pub fn month(text: &str) -> ApiResult<NaiveDate> {
    crate::reports::parse_month(text).ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidQuery).with_field(
            "month",
            "invalid",
            "月份格式应为 YYYY-MM",
            "month is YYYY-MM",
        )
    })
}

/// The last day to file the month's report: `due_day` of the next month (clamped to its length).
pub fn due(first: NaiveDate, due_day: u32) -> NaiveDate {
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    let last = next
        .checked_add_months(chrono::Months::new(1))
        .and_then(|after| after.pred_opt())
        .map_or(28, |d| d.day());
    next.with_day(due_day.clamp(1, last)).unwrap_or(next)
}

/// Whether the caller writes and files the unit's report: an account of that very unit, or an administrator.
fn writes(caller: &Authenticated, unit: &RegionRow) -> bool {
    caller.is_admin()
        || (caller.role == Role::Supervisor && caller.regions.iter().any(|r| r.code == unit.code))
}

/// Whether the caller decides on it: a supervisor of the level above (whose regions hold the unit's parent), or an
/// administrator.
fn decides(conn: &mut DbConn, caller: &Authenticated, unit: &RegionRow) -> ApiResult<bool> {
    if caller.is_admin() {
        return Ok(true);
    }
    if caller.role != Role::Supervisor {
        return Ok(false);
    }
    let Some(parent) = unit.parent_code.as_deref() else {
        return Ok(false);
    };
    let parent = crate::models::regions::find(conn, parent)?;
    Ok(parent.is_some_and(|p| caller.scope.covers_path(&p.path)))
}

fn load_row(conn: &mut DbConn, unit: &str, month: &str) -> QueryResult<Option<ReportRow>> {
    monthly_reports::table
        .filter(monthly_reports::region_code.eq(unit))
        .filter(monthly_reports::month.eq(month))
        .select(ReportRow::as_select())
        .first(conn)
        .optional()
}

/// The unit's report for the month as the caller sees it (an empty `missing` one when nothing is written).
pub fn show(
    conn: &mut DbConn,
    caller: &Authenticated,
    unit: &RegionRow,
    first: NaiveDate,
    due_day: u32,
) -> ApiResult<MonthlyReport> {
    let month = first.format("%Y-%m").to_string();
    let row = load_row(conn, &unit.code, &month)?;
    let frozen_at = crate::db::schema::monthly_figures::table
        .find((&unit.code, &month))
        .select(crate::db::schema::monthly_figures::frozen_at)
        .get_result::<NaiveDateTime>(conn)
        .optional()?;
    let can_decide = decides(conn, caller, unit)?;
    to_api(
        conn,
        unit,
        first,
        row.as_ref(),
        due_day,
        frozen_at,
        writes(caller, unit),
        can_decide,
    )
}

/// Saves the report's text as a draft (or corrects a returned one). Refused while the month runs and once filed or
/// acknowledged; `version` guards against overwriting someone else's edit.
pub fn save(
    conn: &mut DbConn,
    caller: &Authenticated,
    unit: &RegionRow,
    first: NaiveDate,
    body: &SaveReport,
) -> ApiResult<()> {
    if !writes(caller, unit) {
        return Err(ApiError::forbidden());
    }
    if !crate::reports::has_ended(first) {
        return Err(ApiError::new(ErrorCode::ReportMonthOpen));
    }
    let month = first.format("%Y-%m").to_string();
    let cases = serde_json::to_string(&body.cases).map_err(ApiError::internal)?;
    let at = now();
    match load_row(conn, &unit.code, &month)? {
        None => {
            if body.version.is_some_and(|v| v != 0) {
                return Err(ApiError::new(ErrorCode::ReportStale));
            }
            let row = ReportRow {
                id: uuid::Uuid::now_v7().to_string(),
                region_code: unit.code.clone(),
                month,
                status: "draft".to_owned(),
                narrative: body.narrative.clone(),
                cases_json: cases,
                written_by: caller.user.id,
                filed_by: None,
                filed_at: None,
                decided_by: None,
                decided_at: None,
                decision_note: None,
                version: 1,
                updated_at: at,
            };
            diesel::insert_into(monthly_reports::table)
                .values(&row)
                .execute(conn)?;
        }
        Some(row) => {
            if !matches!(row.status.as_str(), "draft" | "returned") {
                return Err(ApiError::new(ErrorCode::ReportLocked));
            }
            if body.version != Some(row.version) {
                return Err(ApiError::new(ErrorCode::ReportStale));
            }
            diesel::update(monthly_reports::table.find(&row.id))
                .set((
                    monthly_reports::narrative.eq(&body.narrative),
                    monthly_reports::cases_json.eq(&cases),
                    monthly_reports::written_by.eq(caller.user.id),
                    monthly_reports::version.eq(row.version + 1),
                    monthly_reports::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Files the report (the unit), or acknowledges or returns it (the level above).
pub fn act(
    conn: &mut DbConn,
    caller: &Authenticated,
    unit: &RegionRow,
    first: NaiveDate,
    action: &ReportAction,
    revisit_months: u32,
) -> ApiResult<()> {
    let month = first.format("%Y-%m").to_string();
    let row = load_row(conn, &unit.code, &month)?
        .ok_or_else(|| ApiError::new(ErrorCode::ReportNotFiled))?;
    if row.version != action.version {
        return Err(ApiError::new(ErrorCode::ReportStale));
    }
    let at = now();
    let (status, audit_action) = match action.action.as_str() {
        "file" => {
            if !writes(caller, unit) {
                return Err(ApiError::forbidden());
            }
            if !matches!(row.status.as_str(), "draft" | "returned") {
                return Err(ApiError::new(ErrorCode::ReportLocked));
            }
            if row.narrative.trim().is_empty() {
                return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
                    "narrative",
                    "required",
                    "报送前请填写月报正文",
                    "write the report before filing it",
                ));
            }
            // The figures filed beside it are the month's frozen ones.
            figures(conn, unit, first, revisit_months)?;
            diesel::update(monthly_reports::table.find(&row.id))
                .set((
                    monthly_reports::status.eq("filed"),
                    monthly_reports::filed_by.eq(caller.user.id),
                    monthly_reports::filed_at.eq(at),
                    monthly_reports::decided_by.eq(None::<UserId>),
                    monthly_reports::decided_at.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
            ("filed", audit::Action::MonthlyReportFiled)
        }
        "acknowledge" | "return" => {
            if !decides(conn, caller, unit)? {
                return Err(ApiError::forbidden());
            }
            if row.status != "filed" {
                return Err(ApiError::new(ErrorCode::ReportNotFiled));
            }
            let returning = action.action == "return";
            let note = action
                .note
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty());
            if returning && note.is_none() {
                return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
                    "note",
                    "required",
                    "退回须说明需修改的内容",
                    "say what to correct when returning",
                ));
            }
            let status = if returning {
                "returned"
            } else {
                "acknowledged"
            };
            diesel::update(monthly_reports::table.find(&row.id))
                .set((
                    monthly_reports::status.eq(status),
                    monthly_reports::decided_by.eq(caller.user.id),
                    monthly_reports::decided_at.eq(at),
                    monthly_reports::decision_note.eq(note),
                ))
                .execute(conn)?;
            if returning {
                (status, audit::Action::MonthlyReportReturned)
            } else {
                (status, audit::Action::MonthlyReportAcknowledged)
            }
        }
        _ => {
            return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
                "action",
                "invalid",
                "操作应为 file、acknowledge 或 return",
                "action is file, acknowledge or return",
            ));
        }
    };
    diesel::update(monthly_reports::table.find(&row.id))
        .set((
            monthly_reports::version.eq(row.version + 1),
            monthly_reports::updated_at.eq(at),
        ))
        .execute(conn)?;
    audit::record(
        conn,
        &caller.who(),
        Entry {
            action: audit_action,
            entity_type: "monthly_report",
            entity_id: &row.id,
        },
        audit::NONE,
        Some(
            &serde_json::json!({ "region_code": unit.code, "month": month, "status": status, "note": action.note }),
        ),
    )?;
    Ok(())
}

/// The unit's figures for the month (frozen once it has ended), and when they were frozen.
pub fn figures(
    conn: &mut DbConn,
    unit: &RegionRow,
    first: NaiveDate,
    revisit_months: u32,
) -> ApiResult<(Vec<crate::xlsx::Table>, Option<NaiveDateTime>)> {
    crate::reports::monthly_for(
        conn,
        first,
        &unit.code,
        Some(std::slice::from_ref(&unit.path)),
        revisit_months,
    )
}

/// Every reporting unit under the caller's regions with its report's state for the month: missing and late ones
/// first.
pub fn status(
    conn: &mut DbConn,
    caller: &Authenticated,
    first: NaiveDate,
    due_day: u32,
) -> ApiResult<Vec<MonthlyReport>> {
    let month = first.format("%Y-%m").to_string();
    let units: Vec<RegionRow> = regions::table
        .filter(regions::level.eq_any(LEVELS))
        .order(regions::code.asc())
        .select(RegionRow::as_select())
        .load(conn)?
        .into_iter()
        .filter(|r| caller.scope.covers_path(&r.path))
        .collect();
    let rows: Vec<ReportRow> = monthly_reports::table
        .filter(monthly_reports::month.eq(&month))
        .select(ReportRow::as_select())
        .load(conn)?;
    let mut out = Vec::with_capacity(units.len());
    for unit in &units {
        let row = rows.iter().find(|r| r.region_code == unit.code);
        let can_decide = decides(conn, caller, unit)?;
        out.push(to_api(
            conn,
            unit,
            first,
            row,
            due_day,
            None,
            writes(caller, unit),
            can_decide,
        )?);
    }
    out.sort_by_key(|r| (!r.late, r.status == "acknowledged", r.region_code.clone()));
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn to_api(
    conn: &mut DbConn,
    unit: &RegionRow,
    first: NaiveDate,
    row: Option<&ReportRow>,
    due_day: u32,
    frozen_at: Option<NaiveDateTime>,
    can_write: bool,
    can_decide: bool,
) -> ApiResult<MonthlyReport> {
    let due = due(first, due_day);
    let today = crate::cleanup::store::today();
    let china_day = |at: NaiveDateTime| (at + chrono::Duration::hours(8)).date();
    let status = row.map_or("missing", |r| r.status.as_str()).to_owned();
    let filed_day = row.and_then(|r| r.filed_at).map(china_day);
    let late = match filed_day {
        Some(day) => day > due,
        None => today > due,
    };
    let name = |conn: &mut DbConn, id: Option<UserId>| -> QueryResult<Option<String>> {
        match id {
            Some(id) => users::table
                .find(id)
                .select(users::display_name)
                .get_result(conn)
                .optional(),
            None => Ok(None),
        }
    };
    let cases: Vec<TypicalCase> = match row {
        Some(r) => crate::models::stored_json(&r.cases_json)?,
        None => Vec::new(),
    };
    Ok(MonthlyReport {
        region_code: unit.code.clone(),
        region_name: unit.name.clone(),
        level: unit.level.as_str().to_owned(),
        month: first.format("%Y-%m").to_string(),
        status_zh: match status.as_str() {
            "draft" => "草稿",
            "filed" => "已报送",
            "acknowledged" => "已确认",
            "returned" => "已退回",
            _ => "未填报",
        }
        .to_owned(),
        status,
        due,
        late,
        narrative: row.map(|r| r.narrative.clone()).unwrap_or_default(),
        cases,
        written_by_name: name(conn, row.map(|r| r.written_by))?,
        filed_at: row.and_then(|r| r.filed_at).map(to_utc),
        filed_by_name: name(conn, row.and_then(|r| r.filed_by))?,
        decided_at: row.and_then(|r| r.decided_at).map(to_utc),
        decided_by_name: name(conn, row.and_then(|r| r.decided_by))?,
        decision_note: row.and_then(|r| r.decision_note.clone()),
        version: row.map_or(0, |r| r.version),
        figures_frozen_at: frozen_at.map(to_utc),
        can_write,
        can_decide,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_due_on_the_due_day_of_the_next_month() {
        let first = NaiveDate::from_ymd_opt(2026, 11, 1).expect("day");
        assert_eq!(due(first, 15).to_string(), "2026-12-15");
        let january = NaiveDate::from_ymd_opt(2027, 1, 1).expect("day");
        assert_eq!(
            due(january, 31).to_string(),
            "2027-02-28",
            "clamped to February"
        );
        let december = NaiveDate::from_ymd_opt(2026, 12, 1).expect("day");
        assert_eq!(due(december, 15).to_string(), "2027-01-15");
    }
}

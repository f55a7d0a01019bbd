//! The cooperative registry table.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hezuo_mobile_api::Uscc;
use hezuo_mobile_api::cooperatives::{
    Cooperative, CooperativeSource, CoordinateSystem, GxsRelation, Industry, NhlLevel,
    RegisteredLocation, TitleLevel, Verification,
};
use hezuo_mobile_api::stars::OrgKind;
use serde::Serialize;
use uuid::Uuid;

use crate::db::DbConn;
use crate::db::MultiBackend;
use crate::db::code::Code;
use crate::db::id::CooperativeId;
use crate::db::schema::cooperatives;
use crate::models::regions::{self as region_model, RegionRow};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = cooperatives, treat_none_as_null = true)]
pub struct CooperativeRow {
    pub id: CooperativeId,
    pub uscc: Option<String>,
    pub name: String,
    pub legal_representative: Option<String>,
    pub registration_date: Option<String>,
    pub address: Option<String>,
    pub region_code: String,
    pub region_path: String,
    pub industry: Option<String>,
    pub gxs_relation: Code<GxsRelation>,
    pub nhl_county: bool,
    pub nhl_township: bool,
    pub nhl_industry: bool,
    pub star_level: Option<i64>,
    pub annual_report_filed: Option<bool>,
    pub on_abnormal_list: Option<bool>,
    pub member_count: Option<i64>,
    pub source: Code<CooperativeSource>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `registered` (from the registry or entered by staff) or `pending` (created on a phone, not yet verified).
    pub verification: Code<Verification>,
    /// A credit code a phone reported that another cooperative already has (a duplicate for a supervisor to merge).
    pub claimed_uscc: Option<String>,
    /// The registered location, and whether it is in WGS-84 (`wgs84`) or the GCJ-02 of Chinese web maps (`gcj02`).
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub coordinate_system: Option<String>,
    /// Set when a supervisor merged this duplicate into another cooperative: where its visits went.
    pub merged_into: Option<String>,
    /// `cooperative` or `industry_federation` (产业农合联): which star campaigns it may apply to.
    pub org_kind: Code<OrgKind>,
    pub guifan_level: Option<Code<TitleLevel>>,
    pub demo_level: Option<Code<TitleLevel>>,
    pub demo_year: Option<i64>,
}

pub const REGISTERED: &str = "registered";
pub const PENDING_VERIFICATION: &str = "pending";

impl CooperativeRow {
    pub fn nhl_memberships(&self) -> Vec<NhlLevel> {
        [
            (self.nhl_county, NhlLevel::County),
            (self.nhl_township, NhlLevel::Township),
            (self.nhl_industry, NhlLevel::Industry),
        ]
        .into_iter()
        .filter_map(|(member, level)| member.then_some(level))
        .collect()
    }

    pub fn registered_location(&self) -> Option<RegisteredLocation> {
        Some(RegisteredLocation {
            latitude: self.latitude?,
            longitude: self.longitude?,
            coordinate_system: CoordinateSystem::parse(self.coordinate_system.as_deref()?)?,
        })
    }

    pub fn set_registered_location(&mut self, location: Option<RegisteredLocation>) {
        self.latitude = location.map(|l| l.latitude);
        self.longitude = location.map(|l| l.longitude);
        self.coordinate_system = location.map(|l| l.coordinate_system.as_str().to_owned());
    }

    pub fn set_nhl_memberships(&mut self, levels: &[NhlLevel]) {
        self.nhl_county = levels.contains(&NhlLevel::County);
        self.nhl_township = levels.contains(&NhlLevel::Township);
        self.nhl_industry = levels.contains(&NhlLevel::Industry);
    }

    /// Whether anything a person would notice differs (ignoring version and timestamps).
    pub fn same_content(&self, other: &CooperativeRow) -> bool {
        let strip = |row: &CooperativeRow| CooperativeRow {
            version: 0,
            created_at: NaiveDateTime::default(),
            updated_at: NaiveDateTime::default(),
            ..row.clone()
        };
        strip(self) == strip(other)
    }
}

/// Refuses a location off the globe.
pub fn check_location(location: Option<&RegisteredLocation>) -> crate::error::ApiResult<()> {
    match location {
        Some(location) if !location.is_valid() => Err(crate::error::ApiError::new(
            hezuo_mobile_api::ErrorCode::ValidationFailed,
        )
        .with_field(
            "location",
            "out_of_range",
            "纬度须在 ±90 之间，经度须在 ±180 之间",
            "Latitude must be within ±90 and longitude within ±180",
        )),
        _ => Ok(()),
    }
}

pub fn format_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub fn find(conn: &mut DbConn, id: CooperativeId) -> QueryResult<Option<CooperativeRow>> {
    cooperatives::table
        .find(id)
        .select(CooperativeRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn find_by_uscc(conn: &mut DbConn, uscc: &str) -> QueryResult<Option<CooperativeRow>> {
    cooperatives::table
        .filter(cooperatives::uscc.eq(uscc))
        .select(CooperativeRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, row: &CooperativeRow) -> QueryResult<()> {
    diesel::insert_into(cooperatives::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Enters a cooperative a phone created in the registry, pending verification, as `who`'s. The creating device holds
/// it from now on. A credit code another entry already has is kept aside (`claimed_uscc`) and the pair flagged as a
/// likely duplicate.
pub fn register_field(
    conn: &mut DbConn,
    who: &super::Who,
    id: Uuid,
    profile: &hezuo_sync::model::Profile,
) -> QueryResult<()> {
    use crate::db::schema::{device_documents, duplicate_candidates};
    let region_code = profile.region_code.clone().unwrap_or_default();
    let region = region_model::find(conn, &region_code)?.ok_or(diesel::result::Error::NotFound)?;
    let uscc = profile
        .uscc
        .as_deref()
        .and_then(|u| Uscc::parse(u).ok())
        .map(|u| u.to_string());
    let existing = match &uscc {
        Some(code) => find_by_uscc(conn, code)?,
        None => None,
    };
    let at = super::now();
    let row = field_row(id, profile, region, uscc.clone(), existing.is_some(), at);
    insert(conn, &row)?;
    if let Some(device) = &who.device_id {
        diesel::insert_into(device_documents::table)
            .values((
                device_documents::device_id.eq(device),
                device_documents::cooperative_id.eq(&row.id),
            ))
            .execute(conn)?;
    }
    if let (Some(code), Some(existing)) = (uscc, existing) {
        diesel::insert_into(duplicate_candidates::table)
            .values((
                duplicate_candidates::id.eq(Uuid::now_v7().to_string()),
                duplicate_candidates::uscc.eq(code),
                duplicate_candidates::cooperative_id.eq(id.to_string()),
                duplicate_candidates::duplicate_of.eq(existing.id),
                duplicate_candidates::detected_at.eq(at),
            ))
            .execute(conn)?;
    }
    super::audit::record(
        conn,
        who,
        super::audit::Entry {
            action: crate::models::audit::Action::CooperativeFieldCreate,
            entity_type: "cooperative",
            entity_id: &row.id,
        },
        super::audit::NONE,
        Some(&row),
    )
}

/// The registry entry of a cooperative found in the field, from its document's profile.
fn field_row(
    id: Uuid,
    profile: &hezuo_sync::model::Profile,
    region: RegionRow,
    uscc: Option<String>,
    code_taken: bool,
    at: NaiveDateTime,
) -> CooperativeRow {
    let (uscc, claimed_uscc) = if code_taken {
        (None, uscc)
    } else {
        (uscc, None)
    };
    CooperativeRow {
        id: id.into(),
        uscc,
        name: profile.name.clone().unwrap_or_default(),
        legal_representative: profile.legal_representative.clone(),
        registration_date: None,
        address: profile.address.clone(),
        region_code: region.code,
        region_path: region.path,
        industry: None,
        // The document's relation is the same vocabulary; none given is none.
        gxs_relation: Code(
            profile
                .gxs_relation
                .and_then(|r| GxsRelation::parse(r.as_str()))
                .unwrap_or(GxsRelation::None),
        ),
        nhl_county: false,
        nhl_township: false,
        nhl_industry: false,
        star_level: None,
        annual_report_filed: None,
        on_abnormal_list: None,
        member_count: profile.member_count.map(i64::from),
        source: Code(CooperativeSource::Field),
        version: 1,
        created_at: at,
        updated_at: at,
        verification: Code(Verification::Pending),
        claimed_uscc,
        latitude: None,
        longitude: None,
        coordinate_system: None,
        merged_into: None,
        org_kind: Code(OrgKind::Cooperative),
        guifan_level: None,
        demo_level: None,
        demo_year: None,
    }
}

/// Writes every column of `row` (its version must already be bumped by the caller).
pub fn save(conn: &mut DbConn, row: &CooperativeRow) -> QueryResult<()> {
    diesel::update(cooperatives::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// Filters for [`list`], already validated and resolved against the scope.
#[derive(Default)]
pub struct ListQuery {
    /// The caller's scope as region paths; `None` is unrestricted.
    pub scope_paths: Option<Vec<String>>,
    /// Only this subtree.
    pub within_path: Option<String>,
    pub industry: Option<Industry>,
    pub gxs_relation: Option<GxsRelation>,
    pub nhl_member: Option<bool>,
    pub nhl_level: Option<NhlLevel>,
    pub star_level: Option<i64>,
    pub star_min: Option<i64>,
    pub annual_report_filed: Option<bool>,
    pub on_abnormal_list: Option<bool>,
    pub verification: Option<Verification>,
    pub text: Option<String>,
    pub after_id: Option<String>,
    pub limit: i64,
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);
diesel::define_sql_function!(fn upper(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// One page of cooperatives ordered by id (creation order), plus whether more follow.
pub fn list(conn: &mut DbConn, query: ListQuery) -> QueryResult<(Vec<CooperativeRow>, bool)> {
    let mut sql = cooperatives::table
        .select(CooperativeRow::as_select())
        .order(cooperatives::id.asc())
        .limit(query.limit + 1)
        .into_boxed();
    if let Some(paths) = &query.scope_paths {
        sql = sql.filter(under_any(paths));
    }
    if let Some(path) = &query.within_path {
        sql = sql.filter(cooperatives::region_path.like(format!("{path}%")));
    }
    if let Some(industry) = query.industry {
        sql = sql.filter(cooperatives::industry.eq(industry.as_str()));
    }
    if let Some(relation) = query.gxs_relation {
        sql = sql.filter(cooperatives::gxs_relation.eq(relation.as_str()));
    }
    match query.nhl_member {
        Some(true) => {
            sql = sql.filter(
                cooperatives::nhl_county
                    .eq(true)
                    .or(cooperatives::nhl_township.eq(true))
                    .or(cooperatives::nhl_industry.eq(true)),
            )
        }
        Some(false) => {
            sql = sql.filter(
                cooperatives::nhl_county
                    .eq(false)
                    .and(cooperatives::nhl_township.eq(false))
                    .and(cooperatives::nhl_industry.eq(false)),
            )
        }
        None => {}
    }
    match query.nhl_level {
        Some(NhlLevel::County) => sql = sql.filter(cooperatives::nhl_county.eq(true)),
        Some(NhlLevel::Township) => sql = sql.filter(cooperatives::nhl_township.eq(true)),
        Some(NhlLevel::Industry) => sql = sql.filter(cooperatives::nhl_industry.eq(true)),
        None => {}
    }
    if let Some(star) = query.star_level {
        sql = sql.filter(cooperatives::star_level.eq(star));
    }
    if let Some(star) = query.star_min {
        sql = sql.filter(cooperatives::star_level.ge(star));
    }
    if let Some(filed) = query.annual_report_filed {
        sql = sql.filter(cooperatives::annual_report_filed.eq(filed));
    }
    if let Some(abnormal) = query.on_abnormal_list {
        sql = sql.filter(cooperatives::on_abnormal_list.eq(abnormal));
    }
    if let Some(verification) = query.verification {
        sql = sql.filter(cooperatives::verification.eq(verification.as_str()));
    }
    if let Some(text) = query.text {
        let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
        let uscc_pattern = format!("%{}%", escape_like(&text.to_uppercase()));
        sql = sql.filter(
            lower(cooperatives::name)
                .like(pattern.clone())
                .escape('\\')
                .or(cooperatives::uscc.like(uscc_pattern).escape('\\'))
                .or(lower(cooperatives::legal_representative.assume_not_null())
                    .like(pattern)
                    .escape('\\')),
        );
    }
    if let Some(after) = query.after_id {
        sql = sql.filter(cooperatives::id.gt(after));
    }
    let mut rows = sql.load(conn)?;
    let more = rows.len() as i64 > query.limit;
    rows.truncate(query.limit as usize);
    Ok((rows, more))
}

pub type CooperativeCondition = Box<
    dyn BoxableExpression<cooperatives::table, MultiBackend, SqlType = diesel::sql_types::Bool>,
>;

/// `region_path LIKE p1% OR ...`: inside any of the subtrees; no paths selects nothing. Paths hold only digits and
/// `/`, so nothing needs escaping.
pub fn under_any(paths: &[String]) -> CooperativeCondition {
    let mut condition: CooperativeCondition = Box::new(cooperatives::id.ne(cooperatives::id));
    for path in paths {
        condition = Box::new(condition.or(cooperatives::region_path.like(format!("{path}%"))));
    }
    condition
}

/// Whether any of these cooperatives lies in the scope.
pub fn any_in_scope(
    conn: &mut DbConn,
    scope: &crate::auth::scope::Scope,
    ids: &[CooperativeId],
) -> QueryResult<bool> {
    Ok(ids_in_scope(scope, ids)
        .first::<CooperativeId>(conn)
        .optional()?
        .is_some())
}

/// Of `ids`, those inside the scope.
pub fn in_scope(
    conn: &mut DbConn,
    scope: &crate::auth::scope::Scope,
    ids: &[CooperativeId],
) -> QueryResult<std::collections::HashSet<CooperativeId>> {
    Ok(ids_in_scope(scope, ids)
        .load::<CooperativeId>(conn)?
        .into_iter()
        .collect())
}

fn ids_in_scope<'a>(
    scope: &crate::auth::scope::Scope,
    ids: &'a [CooperativeId],
) -> cooperatives::BoxedQuery<'a, MultiBackend, diesel::sql_types::Text> {
    let mut query = cooperatives::table
        .filter(cooperatives::id.eq_any(ids))
        .select(cooperatives::id)
        .into_boxed();
    if let Some(paths) = scope.paths() {
        query = query.filter(under_any(&paths));
    }
    query
}

pub fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Converts rows to the API shape, resolving region names with two queries for the whole batch.
pub fn to_api_many(conn: &mut DbConn, rows: &[CooperativeRow]) -> QueryResult<Vec<Cooperative>> {
    let codes: Vec<String> = rows.iter().map(|r| r.region_code.clone()).collect();
    let region_rows = region_model::find_many(conn, &codes)?;
    let refs: Vec<&RegionRow> = region_rows.iter().collect();
    let names = region_model::names_along(conn, &refs)?;
    let by_code: std::collections::HashMap<&str, &RegionRow> =
        region_rows.iter().map(|r| (r.code.as_str(), r)).collect();
    rows.iter()
        .map(|row| {
            let full_name = by_code
                .get(row.region_code.as_str())
                .map(|region| region_model::full_name(region, &names).concat())
                .unwrap_or_default();
            to_api(row, full_name)
        })
        .collect()
}

pub fn to_api_one(conn: &mut DbConn, row: &CooperativeRow) -> QueryResult<Cooperative> {
    let mut converted = to_api_many(conn, std::slice::from_ref(row))?;
    converted.pop().ok_or(diesel::result::Error::NotFound)
}

fn to_api(row: &CooperativeRow, region_full_name: String) -> QueryResult<Cooperative> {
    Ok(Cooperative {
        id: row.id.uuid(),
        uscc: row
            .uscc
            .as_deref()
            .map(Uscc::parse)
            .transpose()
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?,
        name: row.name.clone(),
        legal_representative: row.legal_representative.clone(),
        registration_date: row
            .registration_date
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        address: row.address.clone(),
        region_code: region_model::stored_code(&row.region_code)?,
        region_full_name,
        industry: row.industry.as_deref().and_then(Industry::parse),
        gxs_relation: *row.gxs_relation,
        nhl_memberships: row.nhl_memberships(),
        star_level: row.star_level.and_then(|s| u8::try_from(s).ok()),
        annual_report_filed: row.annual_report_filed,
        on_abnormal_list: row.on_abnormal_list,
        member_count: row.member_count.and_then(|m| u32::try_from(m).ok()),
        source: *row.source,
        verification: *row.verification,
        location: row.registered_location(),
        guifan_level: row.guifan_level.map(|l| *l),
        demo_level: row.demo_level.map(|l| *l),
        demo_year: row.demo_year.and_then(|y| u16::try_from(y).ok()),
        org_kind: *row.org_kind,
        version: row.version,
        created_at: super::to_utc(row.created_at),
        updated_at: super::to_utc(row.updated_at),
    })
}

/// `<column> IN (SELECT id FROM cooperatives WHERE region_path LIKE 'p1%' OR …)`: a filter for any table that holds a
/// cooperative id. Diesel cannot nest [`under_any`]'s boxed condition in another table's query, hence SQL; the paths
/// are inlined only when they hold nothing but digits and `/` (as every region path does), so nothing can be
/// injected. No usable paths select nothing.
pub fn cooperative_in_scope(
    column: &'static str,
    paths: &[String],
) -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    let conditions: Vec<String> = paths
        .iter()
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit() || b == b'/'))
        .map(|p| format!("region_path LIKE '{p}%'"))
        .collect();
    let condition = if conditions.is_empty() {
        "1 = 0".to_owned()
    } else {
        conditions.join(" OR ")
    };
    diesel::dsl::sql(&format!(
        "{column} IN (SELECT id FROM cooperatives WHERE {condition})"
    ))
}

#[cfg(test)]
mod tests {

    #[test]
    fn scope_sql_inlines_region_paths_and_nothing_else() {
        let condition = cooperative_in_scope(
            "cooperative_id",
            &["/330000/330200/".to_owned(), "/1/' OR '1'='1".to_owned()],
        );
        let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&condition).to_string();
        assert!(sql.contains("region_path LIKE '/330000/330200/%'"), "{sql}");
        assert!(!sql.contains("'1'='1"), "{sql}");
        let nothing = cooperative_in_scope("cooperative_id", &[]);
        let sql = diesel::debug_query::<diesel::sqlite::Sqlite, _>(&nothing).to_string();
        assert!(sql.contains("1 = 0"), "{sql}");
    }
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like("100%_a\\b"), "100\\%\\_a\\\\b");
    }
}

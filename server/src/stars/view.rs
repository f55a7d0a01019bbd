//! Star-rating rows as the API shows them, with the names of cooperatives, regions and people.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use hezuo_mobile_api::stars::{
    Application, ApplicationItem, Campaign, ModelCategory, ModelStar, ScoringModelInfo, StarReview,
};
use uuid::Uuid;

use super::model::{ScoringModel, Test};
use super::store::{self, ApplicationRow, CampaignRow, ModelRow};
use crate::db::DbConn;
use crate::db::id::CooperativeId;
use crate::db::schema::{cooperatives, regions, star_applications, star_reviews};
use crate::error::{ApiError, ApiResult};
use crate::models::to_utc;

fn uuid(text: &str) -> QueryResult<Uuid> {
    crate::models::stored_uuid(text)
}

fn star(value: Option<i64>) -> Option<u8> {
    value.and_then(|s| u8::try_from(s).ok())
}

pub fn model(row: &ModelRow, model: &ScoringModel) -> ScoringModelInfo {
    ScoringModelInfo {
        version: model.version.clone(),
        kind: model.kind,
        name_zh: model.name_zh.clone(),
        built_in: store::is_built_in(&model.version),
        categories: model
            .categories
            .iter()
            .map(|c| ModelCategory {
                code: c.code.to_string(),
                name_zh: c.name_zh.to_string(),
                points: c.points,
                manual_indicators: c
                    .indicators
                    .iter()
                    .filter(|i| i.how == Test::Manual)
                    .map(|i| i.code.to_string())
                    .collect(),
            })
            .collect(),
        bonus_cap: model.bonus_cap,
        total_cap: model.total_cap,
        stars: model
            .stars
            .iter()
            .map(|s| ModelStar {
                star: s.star,
                min_score: s.min_score,
                gates: s.gates.iter().map(|g| g.code.to_string()).collect(),
                review_level: s.review_level.clone(),
            })
            .collect(),
        review_levels: model.review_levels.clone(),
        revocation_bar_years: model.revocation_bar_years,
        falsification_bar_years: model.falsification_bar_years,
        installed_at: to_utc(row.installed_at),
        model_toml: row.model_toml.clone(),
    }
}

/// A campaign with its applications counted by status, among `visible` (the caller's cooperatives; all when `None`).
pub fn campaign(
    conn: &mut DbConn,
    row: CampaignRow,
    visible: Option<&[String]>,
) -> ApiResult<Campaign> {
    let mut query = star_applications::table
        .filter(star_applications::campaign_id.eq(&row.id))
        .select(star_applications::status)
        .into_boxed();
    if let Some(paths) = visible {
        query = query.filter(crate::models::cooperatives::cooperative_in_scope(
            "cooperative_id",
            paths,
        ));
    }
    let mut applications: BTreeMap<String, u64> = BTreeMap::new();
    for status in query.load::<String>(conn)? {
        *applications.entry(status).or_default() += 1;
    }
    Ok(Campaign {
        id: uuid(&row.id)?,
        year: i32::try_from(row.year).map_err(ApiError::internal)?,
        kind: *row.kind,
        model_version: row.model_version,
        name: row.name,
        status: row.status.as_str().to_owned(),
        opened_at: to_utc(row.opened_at),
        closed_at: row.closed_at.map(to_utc),
        applications,
    })
}

/// Name, credit code, region code and region name of each cooperative.
pub type Registry = HashMap<CooperativeId, (String, Option<String>, String, String)>;

pub fn registry(conn: &mut DbConn, ids: &[CooperativeId]) -> QueryResult<Registry> {
    type Row = (CooperativeId, String, Option<String>, String, String);
    let rows: Vec<Row> = cooperatives::table
        .inner_join(regions::table.on(regions::code.eq(cooperatives::region_code)))
        .filter(cooperatives::id.eq_any(ids))
        .select((
            cooperatives::id,
            cooperatives::name,
            cooperatives::uscc,
            cooperatives::region_code,
            regions::name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, uscc, code, region)| (id, (name, uscc, code, region)))
        .collect())
}

pub fn items(conn: &mut DbConn, rows: Vec<ApplicationRow>) -> ApiResult<Vec<ApplicationItem>> {
    let ids: Vec<CooperativeId> = rows.iter().map(|r| r.cooperative_id).collect();
    let registry = registry(conn, &ids)?;
    rows.into_iter()
        .map(|row| {
            let result = row.result()?;
            let (name, uscc, code, region) = registry
                .get(&row.cooperative_id)
                .cloned()
                .unwrap_or_default();
            Ok(ApplicationItem {
                id: uuid(&row.id)?,
                cooperative_id: row.cooperative_id.uuid(),
                cooperative_name: name,
                uscc,
                region_code: code,
                region_name: region,
                status_zh: row.status.label_zh().to_owned(),
                status: row.status.as_str().to_owned(),
                total: row.total,
                computed_star: star(row.computed_star),
                proposed_star: star(row.proposed_star),
                awaiting_level: row.awaiting_level,
                awarded_star: star(row.awarded_star),
                pending_manual: result.pending_manual,
                vetoes: result
                    .vetoes
                    .into_iter()
                    .map(|v| v.name_zh.to_string())
                    .collect(),
                explanation_zh: row.explanation_zh,
                filed_at: to_utc(row.filed_at),
            })
        })
        .collect()
}

pub fn application(
    conn: &mut DbConn,
    row: ApplicationRow,
    campaign: &CampaignRow,
) -> ApiResult<Application> {
    type ReviewRow = (
        String,
        String,
        Option<i64>,
        Option<String>,
        String,
        chrono::NaiveDateTime,
    );
    let reviews: Vec<ReviewRow> = star_reviews::table
        .filter(star_reviews::application_id.eq(&row.id))
        .order((star_reviews::decided_at.asc(), star_reviews::id.asc()))
        .select((
            star_reviews::level,
            star_reviews::decision,
            star_reviews::stars,
            star_reviews::note,
            star_reviews::reviewer_id,
            star_reviews::decided_at,
        ))
        .load(conn)?;
    let mut people: Vec<String> = reviews.iter().map(|r| r.4.clone()).collect();
    people.push(row.filed_by.to_string());
    let names = crate::review::names_of(conn, &people)?;
    let registry = registry(conn, &[row.cooperative_id])?;
    let (name, uscc, code, region) = registry
        .get(&row.cooperative_id)
        .cloned()
        .unwrap_or_default();
    let inputs: serde_json::Value =
        serde_json::from_str(&row.inputs_json).map_err(ApiError::internal)?;
    Ok(Application {
        id: uuid(&row.id)?,
        campaign_id: uuid(&row.campaign_id)?,
        year: i32::try_from(campaign.year).map_err(ApiError::internal)?,
        kind: *campaign.kind,
        cooperative_id: row.cooperative_id.uuid(),
        cooperative_name: name,
        uscc,
        region_code: code,
        region_name: region,
        status_zh: row.status.label_zh().to_owned(),
        filed_by_name: names.get(&row.filed_by.to_string()).cloned(),
        filed_at: to_utc(row.filed_at),
        result: row.result()?,
        proposed_star: star(row.proposed_star),
        awaiting_level: row.awaiting_level.clone(),
        awarded_star: star(row.awarded_star),
        inputs,
        manual: row.manual()?,
        reviews: reviews
            .into_iter()
            .map(|(level, decision, stars, note, reviewer, at)| StarReview {
                level,
                decision,
                star: star(stars),
                note,
                reviewer_name: names.get(&reviewer).cloned(),
                reviewer,
                decided_at: to_utc(at),
            })
            .collect(),
        version: row.digest,
        scored_at: to_utc(row.scored_at),
        decided_at: row.decided_at.map(to_utc),
        status: row.status.as_str().to_owned(),
        filed_by: row.filed_by.to_string(),
    })
}

/// Every application of a campaign among the caller's cooperatives (`paths`; all when `None`), by region then name.
pub fn campaign_rows(
    conn: &mut DbConn,
    campaign_id: &str,
    paths: Option<&[String]>,
) -> ApiResult<(Vec<ApplicationRow>, Registry)> {
    let mut query = star_applications::table
        .filter(star_applications::campaign_id.eq(campaign_id))
        .select(ApplicationRow::as_select())
        .into_boxed();
    if let Some(paths) = paths {
        query = query.filter(crate::models::cooperatives::cooperative_in_scope(
            "cooperative_id",
            paths,
        ));
    }
    let mut rows: Vec<ApplicationRow> = query.load(conn)?;
    let ids: Vec<CooperativeId> = rows.iter().map(|r| r.cooperative_id).collect();
    let registry = registry(conn, &ids)?;
    let key = |row: &ApplicationRow| {
        registry
            .get(&row.cooperative_id)
            .map(|(name, _, code, _)| (code.clone(), name.clone()))
            .unwrap_or_default()
    };
    rows.sort_by_key(key);
    Ok((rows, registry))
}

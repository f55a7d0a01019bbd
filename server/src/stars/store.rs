//! Star ratings in the database: scoring-model versions, campaigns, and the scoring of an application from the data
//! (the latest approved visit, registry facts, the clean-up state, the star history, revocation events and bars).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::stars::{ManualEntry, ManualScore, OrgKind, StarResult};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::model::{ModelError, ScoringModel};
use super::subject::{self, Trigger};
use crate::cleanup::store::{self as cleanup_store, today};
use crate::db::DbConn;
use crate::db::code::Code;
use crate::db::id::{CooperativeId, UserId};
use crate::db::schema::{
    scoring_models, star_applications, star_awards, star_bars, star_campaigns, star_events,
};
use crate::error::{ApiError, ApiResult};
use crate::stars::status::{ApplicationStatus, CampaignStatus};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = scoring_models)]
pub struct ModelRow {
    pub version: String,
    pub kind: String,
    pub model_toml: String,
    pub installed_by: Option<String>,
    pub installed_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = star_campaigns)]
pub struct CampaignRow {
    pub id: String,
    pub year: i64,
    pub kind: Code<OrgKind>,
    pub model_version: String,
    pub name: String,
    pub status: Code<CampaignStatus>,
    pub opened_by: UserId,
    pub opened_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = star_applications, treat_none_as_null = true)]
pub struct ApplicationRow {
    pub id: String,
    pub campaign_id: String,
    pub cooperative_id: CooperativeId,
    pub region_path: String,
    pub filed_by: UserId,
    pub filed_at: NaiveDateTime,
    pub status: Code<ApplicationStatus>,
    pub manual_json: String,
    pub inputs_json: String,
    pub result_json: String,
    pub total: f64,
    pub computed_star: Option<i64>,
    pub explanation_zh: String,
    pub digest: String,
    pub proposed_star: Option<i64>,
    pub awaiting_level: Option<String>,
    pub awarded_star: Option<i64>,
    pub scored_at: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
}

impl ApplicationRow {
    pub fn result(&self) -> ApiResult<StarResult> {
        serde_json::from_str(&self.result_json).map_err(ApiError::internal)
    }

    pub fn manual(&self) -> ApiResult<BTreeMap<String, ManualEntry>> {
        serde_json::from_str(&self.manual_json).map_err(ApiError::internal)
    }

    pub fn is_decided(&self) -> bool {
        *self.status != ApplicationStatus::InReview
    }
}

/// The built-in models: shipped proposals, parsed once, recorded in the database the first time one is asked for.
pub fn built_in() -> Result<&'static [(ScoringModel, &'static str)], ModelError> {
    static MODELS: OnceLock<Result<Vec<(ScoringModel, &'static str)>, ModelError>> =
        OnceLock::new();
    MODELS
        .get_or_init(|| {
            Ok(vec![
                (
                    ScoringModel::cooperative_default()?,
                    include_str!("cooperative.toml"),
                ),
                (
                    ScoringModel::federation_default()?,
                    include_str!("federation.toml"),
                ),
            ])
        })
        .as_ref()
        .map(Vec::as_slice)
        .map_err(Clone::clone)
}

pub fn is_built_in(version: &str) -> bool {
    built_in().is_ok_and(|models| models.iter().any(|(m, _)| m.version == version))
}

/// Stores the built-in models not stored yet. Insert-if-absent: requests asking for a model at the same moment all
/// find it stored afterwards (on PostgreSQL the later inserts wait for the first and then do nothing).
fn record_built_ins(conn: &mut DbConn) -> ApiResult<()> {
    for (model, text) in built_in().map_err(ApiError::internal)? {
        insert_if_absent(conn, model, text, None)?;
    }
    Ok(())
}

/// Stores a model unless its version is stored already; whether it was stored now.
fn insert_if_absent(
    conn: &mut DbConn,
    model: &ScoringModel,
    text: &str,
    by: Option<UserId>,
) -> QueryResult<bool> {
    let row = ModelRow {
        version: model.version.clone(),
        kind: model.kind.as_str().to_owned(),
        model_toml: text.to_owned(),
        installed_by: by.map(|user| user.to_string()),
        installed_at: crate::models::now(),
    };
    let inserted = crate::with_backend!(conn, |c| diesel::insert_into(scoring_models::table)
        .values(&row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// Every installed model, the built-in ones included, newest first.
pub fn models(conn: &mut DbConn) -> ApiResult<Vec<(ModelRow, ScoringModel)>> {
    record_built_ins(conn)?;
    let rows: Vec<ModelRow> = scoring_models::table
        .order((
            scoring_models::installed_at.desc(),
            scoring_models::version.asc(),
        ))
        .select(ModelRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|row| {
            let model = ScoringModel::from_toml(&row.model_toml).map_err(ApiError::internal)?;
            Ok((row, model))
        })
        .collect()
}

/// A model by version.
pub fn model(conn: &mut DbConn, version: &str) -> ApiResult<Option<ScoringModel>> {
    let find = |conn: &mut DbConn| -> QueryResult<Option<String>> {
        scoring_models::table
            .find(version)
            .select(scoring_models::model_toml)
            .get_result(conn)
            .optional()
    };
    let mut text = find(conn)?;
    // A built-in model is stored the first time it is asked for; after that this is one lookup.
    if text.is_none() && is_built_in(version) {
        record_built_ins(conn)?;
        text = find(conn)?;
    }
    text.map(|t| ScoringModel::from_toml(&t).map_err(ApiError::internal))
        .transpose()
}

/// Stores a model; the same version with another text is refused (a changed model needs a new version). Returns
/// whether it was new.
pub fn install(conn: &mut DbConn, model: &ScoringModel, text: &str, by: UserId) -> ApiResult<bool> {
    // A built-in's version belongs to the built-in, even before it was first stored.
    if is_built_in(&model.version) {
        record_built_ins(conn)?;
    }
    if insert_if_absent(conn, model, text, Some(by))? {
        return Ok(true);
    }
    // Stored already, perhaps by someone installing at this same moment: the same model, or another one.
    match self::model(conn, &model.version)? {
        Some(stored) if &stored == model => Ok(false),
        _ => Err(ApiError::new(ErrorCode::StarModelVersionTaken)),
    }
}

pub fn campaign(conn: &mut DbConn, id: &str) -> ApiResult<CampaignRow> {
    star_campaigns::table
        .find(id)
        .select(CampaignRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)
}

pub fn application(conn: &mut DbConn, id: &str) -> ApiResult<ApplicationRow> {
    star_applications::table
        .find(id)
        .select(ApplicationRow::as_select())
        .get_result(conn)
        .optional()?
        .ok_or_else(ApiError::not_found)
}

/// The model a campaign scores with.
pub fn campaign_model(conn: &mut DbConn, campaign: &CampaignRow) -> ApiResult<ScoringModel> {
    model(conn, &campaign.model_version)?.ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!(
            "campaign {} names a missing model",
            campaign.id
        ))
    })
}

/// A bar in force on `day`: its reason and last day.
pub fn bar_in_force(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
    day: NaiveDate,
) -> QueryResult<Option<(String, String)>> {
    let day = day.to_string();
    star_bars::table
        .filter(star_bars::cooperative_id.eq(cooperative_id))
        .filter(star_bars::from_day.le(&day))
        .filter(star_bars::until_day.ge(&day))
        .order(star_bars::until_day.desc())
        .select((star_bars::reason, star_bars::until_day))
        .first(conn)
        .optional()
}

/// What scoring an application produced.
pub struct Scored {
    pub inputs_json: String,
    pub result: StarResult,
    pub result_json: String,
    pub digest: String,
    /// Whether there was an approved visit to score.
    pub has_evidence: bool,
}

/// Scores a cooperative's application in `year` under `model` from what the database holds now, with the reviewers'
/// manual scores.
pub fn score(
    conn: &mut DbConn,
    model: &ScoringModel,
    cooperative_id: CooperativeId,
    year: i64,
    manual: &BTreeMap<String, ManualEntry>,
) -> ApiResult<Scored> {
    // The clean-up's inputs are keyed by the stored text of the id.
    let key = cooperative_id.to_string();
    let mut inputs = cleanup_store::load_inputs(conn, std::slice::from_ref(&key))?
        .remove(&key)
        .unwrap_or_default();
    // The latest approved visit speaks for the cooperative: by visit date, then by id (ids are time-ordered).
    inputs.visits.sort_by(|(a_id, a), (b_id, b)| {
        let date = |v: &hezuo_sync::model::Visit| {
            v.meta
                .as_ref()
                .and_then(|m| m.visit_date.as_ref())
                .map(|d| d.as_str().to_owned())
        };
        date(a).cmp(&date(b)).then_with(|| a_id.cmp(b_id))
    });
    let latest = inputs.visits.last();
    let cleanup_state =
        cleanup_store::current(conn, cooperative_id)?.map(|row| row.effective_state());
    let history: Vec<(i64, i64)> = star_awards::table
        .filter(star_awards::cooperative_id.eq(cooperative_id))
        .filter(star_awards::revoked_at.is_null())
        .filter(star_awards::year.lt(year))
        .select((star_awards::year, star_awards::stars))
        .load(conn)?;
    let history: Vec<(i32, u8)> = history
        .into_iter()
        .filter_map(|(y, s)| Some((i32::try_from(y).ok()?, u8::try_from(s).ok()?)))
        .collect();
    let events = events_in_period(conn, cooperative_id, year)?;
    let falsification_barred = matches!(
        bar_in_force(conn, cooperative_id, today())?,
        Some((reason, _)) if reason == "falsified"
    );
    let year32 = i32::try_from(year).map_err(ApiError::internal)?;
    let subject = subject::build(&subject::Inputs {
        visit: latest.map(|(id, visit)| (id.as_str(), visit)),
        registry: Some(&inputs.registry),
        cleanup_state: cleanup_state.map(hezuo_sync::model::CoopState::as_str),
        history: &history,
        events: &events,
        falsification_barred,
        year: year32,
        as_of: Some(today()),
    });
    let scores: BTreeMap<String, ManualScore> = manual
        .iter()
        .map(|(code, entry)| {
            (
                code.clone(),
                ManualScore {
                    points: entry.points,
                    note: Some(entry.note.clone()),
                },
            )
        })
        .collect();
    let result = super::engine::score(model, &subject, &scores);
    let visit_id = latest.map(|(id, _)| id.clone());
    let heads = visit_id
        .as_ref()
        .and_then(|id| inputs.heads.get(id))
        .cloned();
    let inputs_json = json!({
        "visit_id": visit_id,
        "visit_heads": heads,
        "as_of": today(),
        "subject": subject,
    })
    .to_string();
    let result_json = serde_json::to_string(&result).map_err(ApiError::internal)?;
    let manual_json = serde_json::to_string(manual).map_err(ApiError::internal)?;
    let mut hasher = Sha256::new();
    for part in [&inputs_json, &manual_json, &result_json] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    Ok(Scored {
        inputs_json,
        result,
        result_json,
        digest: hex::encode(hasher.finalize()),
        has_evidence: latest.is_some(),
    })
}

/// Triggers in the rating period: the campaign's year and the fiscal year it looks back on. A stored cause this version
/// does not know is corrupt data, an error.
fn events_in_period(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
    year: i64,
) -> ApiResult<Vec<Trigger>> {
    let from = format!("{}-01-01", year - 1);
    let to = format!("{year}-12-31");
    let causes: Vec<String> = star_events::table
        .filter(star_events::cooperative_id.eq(cooperative_id))
        .filter(star_events::occurred_on.between(&from, &to))
        .select(star_events::cause)
        .load(conn)?;
    causes
        .iter()
        .map(|cause| {
            Trigger::parse(cause).ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!(
                    "unknown star event cause `{cause}` in the database"
                ))
            })
        })
        .collect()
}

/// The star a cooperative holds now, kept in the registry's `star_level`.
pub fn set_registry_star(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
    star: Option<i64>,
) -> QueryResult<()> {
    use crate::db::schema::cooperatives;
    diesel::update(cooperatives::table.find(cooperative_id))
        .set((
            cooperatives::star_level.eq(star),
            cooperatives::version.eq(cooperatives::version + 1),
            cooperatives::updated_at.eq(crate::models::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The levels that confirm `star` under `model`, lowest first: up to the star's own review level, else all.
pub fn levels_for(model: &ScoringModel, star: Option<u8>) -> Vec<String> {
    let until = star
        .and_then(|s| model.stars.iter().find(|level| level.star == s))
        .and_then(|level| level.review_level.clone());
    match until {
        Some(last) => {
            let mut levels = Vec::new();
            for level in &model.review_levels {
                levels.push(level.clone());
                if *level == last {
                    break;
                }
            }
            levels
        }
        None => model.review_levels.clone(),
    }
}

/// Why a bar was set: the revocation event behind it, or the application found falsified.
pub enum BarCause<'a> {
    Revoked { event_id: &'a str },
    Falsified { application_id: &'a str },
}

/// Bars the cooperative from applying for `years` years from today.
pub fn bar(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
    cause: BarCause<'_>,
    years: u32,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let from = today();
    let (reason, event_id, application_id) = match cause {
        BarCause::Revoked { event_id } => ("revoked", Some(event_id), None),
        BarCause::Falsified { application_id } => ("falsified", None, Some(application_id)),
    };
    diesel::insert_into(star_bars::table)
        .values((
            star_bars::id.eq(uuid::Uuid::now_v7().to_string()),
            star_bars::cooperative_id.eq(cooperative_id),
            star_bars::reason.eq(reason),
            star_bars::from_day.eq(from.to_string()),
            star_bars::until_day.eq(bar_until(from, years).to_string()),
            star_bars::event_id.eq(event_id),
            star_bars::application_id.eq(application_id),
            star_bars::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The last day of a bar of `years` years starting on `from`.
pub fn bar_until(from: NaiveDate, years: u32) -> NaiveDate {
    let end = from
        .checked_add_months(chrono::Months::new(12 * years))
        .unwrap_or(NaiveDate::MAX);
    end.pred_opt().unwrap_or(end)
}

/// The kind of a cooperative's registry entry.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_stop_at_the_stars_review_level() {
        let federation = ScoringModel::federation_default().expect("model");
        assert_eq!(levels_for(&federation, Some(3)), vec!["county"]);
        assert_eq!(levels_for(&federation, Some(4)), vec!["county", "city"]);
        assert_eq!(
            levels_for(&federation, Some(5)),
            vec!["county", "city", "province"]
        );
        let cooperative = ScoringModel::cooperative_default().expect("model");
        assert_eq!(levels_for(&cooperative, Some(3)), vec!["county", "city"]);
        assert_eq!(levels_for(&cooperative, None), vec!["county", "city"]);
    }

    #[test]
    fn a_bar_lasts_whole_years() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(bar_until(day("2026-11-23"), 2), day("2028-11-22"));
        assert_eq!(bar_until(day("2024-02-29"), 1), day("2025-02-27"));
        assert_eq!(bar_until(day("2026-01-01"), 1), day("2026-12-31"));
    }
}

//! An application's life: filed for a cooperative in an open campaign and scored from the data; reviewers score the
//! manual indicators with notes; then each level confirms, lowers, rejects or finds it falsified, lowest level first.
//! The last level's confirmation awards the star: it enters the history and the registry. Every step is audited.

use std::collections::BTreeMap;

use diesel::prelude::*;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::stars::{ManualEntry, ManualScores, StarDecision};
use uuid::Uuid;

use super::model::{ScoringModel, Test};
use super::status::{ApplicationStatus, CampaignStatus};
use super::store::{self, ApplicationRow, CampaignRow, Scored};
use crate::auth::Authenticated;
use crate::cleanup::store::today;
use crate::db::DbConn;
use crate::db::code::Code;
use crate::db::id::CooperativeId;
use crate::db::schema::{star_applications, star_awards, star_reviews};
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::models::cooperatives::CooperativeRow;
use crate::models::now;

/// Files an application, or returns the one already filed for the cooperative in this campaign (`false`): a phone or
/// a browser that retries never files twice.
pub fn file(
    conn: &mut DbConn,
    caller: &Authenticated,
    campaign: &CampaignRow,
    cooperative: &CooperativeRow,
) -> ApiResult<(ApplicationRow, bool)> {
    if let Some(existing) = filed(conn, campaign, cooperative)? {
        return Ok((existing, false));
    }
    if *campaign.status != CampaignStatus::Open {
        return Err(ApiError::new(ErrorCode::StarCampaignClosed));
    }
    let kind = *cooperative.org_kind;
    if kind != *campaign.kind {
        return Err(ApiError::new(ErrorCode::StarKindMismatch).with_detail(
            format!(
                "本次评定面向{}，该组织登记为{}",
                campaign.kind.label_zh(),
                kind.label_zh()
            ),
            format!(
                "the campaign rates {}, the organisation is registered as {}",
                campaign.kind.as_str(),
                kind.as_str()
            ),
        ));
    }
    if let Some((reason, until)) = store::bar_in_force(conn, cooperative.id, today())? {
        let why = if reason == "falsified" {
            "申报弄虚作假"
        } else {
            "星级被撤销"
        };
        return Err(ApiError::new(ErrorCode::StarBarred).with_detail(
            format!("因{why}，{until}前不得申报"),
            format!("barred ({reason}) until {until}"),
        ));
    }
    let model = store::campaign_model(conn, campaign)?;
    let manual = BTreeMap::new();
    let scored = store::score(conn, &model, cooperative.id, campaign.year, &manual)?;
    if !scored.has_evidence && kind == hezuo_mobile_api::stars::OrgKind::Cooperative {
        return Err(ApiError::new(ErrorCode::StarEvidenceMissing));
    }
    let at = now();
    let mut row = ApplicationRow {
        id: Uuid::now_v7().to_string(),
        campaign_id: campaign.id.clone(),
        cooperative_id: cooperative.id,
        region_path: cooperative.region_path.clone(),
        filed_by: caller.user.id,
        filed_at: at,
        status: Code(ApplicationStatus::InReview),
        manual_json: "{}".to_owned(),
        inputs_json: String::new(),
        result_json: String::new(),
        total: 0.0,
        computed_star: None,
        explanation_zh: String::new(),
        digest: String::new(),
        proposed_star: None,
        awaiting_level: None,
        awarded_star: None,
        scored_at: at,
        decided_at: None,
    };
    apply(&mut row, &model, scored);
    let inserted = crate::with_backend!(conn, |c| diesel::insert_into(star_applications::table)
        .values(&row)
        .on_conflict_do_nothing()
        .execute(c))?;
    if inserted == 0 {
        // The same filing arrived twice at once and the other got there first (on PostgreSQL this insert waited for
        // it to commit): answer with that one, as a retry would be.
        let existing = filed(conn, campaign, cooperative)?.ok_or_else(ApiError::not_found)?;
        return Ok((existing, false));
    }
    audit::record(
        conn,
        &caller.who(),
        Entry {
            action: crate::models::audit::Action::StarApplicationFiled,
            entity_type: "star_application",
            entity_id: &row.id,
        },
        audit::NONE,
        Some(&summary(&row)),
    )?;
    Ok((row, true))
}

/// The application already filed for the cooperative in this campaign.
fn filed(
    conn: &mut DbConn,
    campaign: &CampaignRow,
    cooperative: &CooperativeRow,
) -> QueryResult<Option<ApplicationRow>> {
    star_applications::table
        .filter(star_applications::campaign_id.eq(&campaign.id))
        .filter(star_applications::cooperative_id.eq(cooperative.id))
        .select(ApplicationRow::as_select())
        .first(conn)
        .optional()
}

/// Takes a new score into the row. A result that changed starts the review again from the first level, at the star
/// the evidence now supports (confirmations of the old result are kept in the review record).
fn apply(row: &mut ApplicationRow, model: &ScoringModel, scored: Scored) {
    let changed = row.digest != scored.digest;
    let star = scored.result.star;
    row.total = scored.result.total;
    row.computed_star = star.map(i64::from);
    row.explanation_zh = scored.result.explanation_zh.clone();
    row.inputs_json = scored.inputs_json;
    row.result_json = scored.result_json;
    row.digest = scored.digest;
    if changed {
        row.scored_at = now();
        row.proposed_star = star.map(i64::from);
        row.awaiting_level = store::levels_for(model, star).into_iter().next();
    }
}

/// Scores an undecided application again from what the data says now (new approved evidence, a revocation event), with
/// its manual scores. Returns whether the result changed.
pub fn rescore(
    conn: &mut DbConn,
    row: &mut ApplicationRow,
    campaign: &CampaignRow,
    model: &ScoringModel,
) -> ApiResult<bool> {
    for _ in 0..RESCORE_ATTEMPTS {
        if row.is_decided() {
            return Ok(false);
        }
        let seen = Seen::of(row);
        let manual = row.manual()?;
        let scored = store::score(conn, model, row.cooperative_id, campaign.year, &manual)?;
        apply(row, model, scored);
        if row.digest == seen.digest {
            return Ok(false);
        }
        if save_if_unchanged(conn, row, &seen)? {
            return Ok(true);
        }
        // A reviewer got there first: score what they left.
        *row = store::application(conn, &row.id)?;
    }
    Err(ApiError::new(ErrorCode::StarApplicationStale))
}

/// Re-scores after a concurrent writer before giving up; each attempt waits for the one before it to commit.
const RESCORE_ATTEMPTS: usize = 5;

/// What a writer read of an application. The row is written back only while these still hold, so of two reviewers
/// deciding at once (or a reviewer and a re-score) one wins and the other is told the application changed: under
/// PostgreSQL's READ COMMITTED the second update waits for the first and then matches nothing.
struct Seen {
    digest: String,
    status: Code<ApplicationStatus>,
    awaiting_level: Option<String>,
}

impl Seen {
    fn of(row: &ApplicationRow) -> Seen {
        Seen {
            digest: row.digest.clone(),
            status: row.status,
            awaiting_level: row.awaiting_level.clone(),
        }
    }
}

/// Writes `row` if the stored application is still as `seen`; `false` if another writer changed it meanwhile.
fn save_if_unchanged(conn: &mut DbConn, row: &ApplicationRow, seen: &Seen) -> QueryResult<bool> {
    let unchanged = star_applications::table
        .find(&row.id)
        .filter(star_applications::digest.eq(&seen.digest))
        .filter(star_applications::status.eq(seen.status));
    let updated = match &seen.awaiting_level {
        Some(level) => {
            diesel::update(unchanged.filter(star_applications::awaiting_level.eq(level)))
                .set(row)
                .execute(conn)?
        }
        None => diesel::update(unchanged.filter(star_applications::awaiting_level.is_null()))
            .set(row)
            .execute(conn)?,
    };
    Ok(updated == 1)
}

/// Like [`save_if_unchanged`], answering 412 when another writer got there first.
fn save_or_stale(conn: &mut DbConn, row: &ApplicationRow, seen: &Seen) -> ApiResult<()> {
    if save_if_unchanged(conn, row, seen)? {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::StarApplicationStale))
    }
}

/// Records reviewers' scores of manual indicators (each within its points, each with a note) and scores again.
pub fn set_manual(
    conn: &mut DbConn,
    caller: &Authenticated,
    row: &mut ApplicationRow,
    campaign: &CampaignRow,
    model: &ScoringModel,
    request: &ManualScores,
) -> ApiResult<()> {
    ensure_current(row, campaign, &request.version)?;
    let manual_points: BTreeMap<&str, f64> = model
        .categories
        .iter()
        .flat_map(|c| c.indicators.iter())
        .chain(&model.bonuses)
        .filter(|i| i.how == Test::Manual)
        .map(|i| (&*i.code, i.points))
        .collect();
    let mut checks = crate::validate::Checks::new();
    if request.scores.is_empty() {
        checks.fail(
            "scores",
            "required",
            "请至少给出一项评分",
            "give at least one score",
        );
    }
    for (code, score) in &request.scores {
        let field = format!("scores.{code}");
        match manual_points.get(code.as_str()) {
            None => checks.fail(
                &field,
                "invalid",
                "该指标不需人工评分，或模型中没有该指标",
                "not a manual indicator of the model",
            ),
            Some(max) if !(0.0..=*max).contains(&score.points) || !score.points.is_finite() => {
                checks.fail(
                    &field,
                    "out_of_range",
                    format!("得分应在0至{max}分之间"),
                    format!("points are between 0 and {max}"),
                )
            }
            Some(_) => {}
        }
        if score.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            checks.fail(
                &format!("{field}.note"),
                "required",
                "人工评分须说明理由",
                "a manual score needs a note",
            );
        }
    }
    checks.finish()?;
    let seen = Seen::of(row);
    let mut manual = row.manual()?;
    let before = manual.clone();
    let at = crate::models::to_utc(now());
    for (code, score) in &request.scores {
        manual.insert(
            code.clone(),
            ManualEntry {
                points: score.points,
                note: score.note.clone().unwrap_or_default().trim().to_owned(),
                scored_by: caller.user.id.to_string(),
                scored_by_name: Some(caller.user.display_name.clone()),
                scored_at: at,
            },
        );
    }
    row.manual_json = serde_json::to_string(&manual).map_err(ApiError::internal)?;
    let scored = store::score(conn, model, row.cooperative_id, campaign.year, &manual)?;
    apply(row, model, scored);
    save_or_stale(conn, row, &seen)?;
    audit::record(
        conn,
        &caller.who(),
        Entry {
            action: crate::models::audit::Action::StarManualScored,
            entity_type: "star_application",
            entity_id: &row.id,
        },
        Some(&before),
        Some(&manual),
    )?;
    Ok(())
}

/// The application is undecided, its campaign open, and `version` is the one the reviewer saw.
fn ensure_current(row: &ApplicationRow, campaign: &CampaignRow, version: &str) -> ApiResult<()> {
    if row.is_decided() {
        return Err(ApiError::new(ErrorCode::StarApplicationDecided));
    }
    if *campaign.status != CampaignStatus::Open {
        return Err(ApiError::new(ErrorCode::StarCampaignClosed));
    }
    if version != row.digest {
        return Err(ApiError::new(ErrorCode::StarApplicationStale));
    }
    Ok(())
}

/// The level `caller` acts at for this model: supervisors at the level of their region, administrators at the level
/// they name (else the one awaited).
pub fn acting_level(
    caller: &Authenticated,
    model: &ScoringModel,
    requested: Option<&str>,
    awaited: Option<&str>,
) -> ApiResult<String> {
    let levels = crate::review::levels::ReviewLevels::parse(&model.review_levels.join(","))
        .map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    if caller.is_admin() {
        let level = requested.or(awaited).unwrap_or_default();
        if !model.review_levels.iter().any(|l| l == level) {
            return Err(ApiError::new(ErrorCode::ReviewLevelMismatch));
        }
        return Ok(level.to_owned());
    }
    let own = match caller.role {
        hezuo_mobile_api::users::Role::Supervisor => levels.of(caller),
        _ => None,
    }
    .ok_or_else(|| ApiError::new(ErrorCode::NotAReviewer))?;
    let own = own.as_str().to_owned();
    match requested {
        Some(level) if level != own => Err(ApiError::new(ErrorCode::ReviewLevelMismatch)),
        _ => Ok(own),
    }
}

/// One reviewer's decision at `level`.
pub fn decide(
    conn: &mut DbConn,
    caller: &Authenticated,
    row: &mut ApplicationRow,
    campaign: &CampaignRow,
    model: &ScoringModel,
    level: &str,
    request: &StarDecision,
) -> ApiResult<()> {
    ensure_current(row, campaign, &request.version)?;
    if row.awaiting_level.as_deref() != Some(level) {
        let awaited = row.awaiting_level.clone().unwrap_or_default();
        return Err(ApiError::new(ErrorCode::StarNotAwaitingLevel).with_detail(
            format!("该申报当前待{}审核", level_zh(&awaited)),
            format!("the application awaits the {awaited} level"),
        ));
    }
    let note = request
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let needs_note = |checks: &mut crate::validate::Checks| {
        if note.is_none() {
            checks.fail("note", "required", "请说明理由", "a note is required");
        }
    };
    let mut checks = crate::validate::Checks::new();
    let before = summary(row);
    let seen = Seen::of(row);
    let decided_at = now();
    let mut star = None;
    let mut awarded = None;
    match request.decision.as_str() {
        "confirm" => {
            (star, awarded) = confirm(row, model, level, request.star, note, decided_at)?;
        }
        "reject" => {
            needs_note(&mut checks);
            checks.finish()?;
            row.status = Code(ApplicationStatus::NotRated);
            row.awaiting_level = None;
            row.decided_at = Some(decided_at);
        }
        "falsified" => {
            needs_note(&mut checks);
            checks.finish()?;
            row.status = Code(ApplicationStatus::Falsified);
            row.awaiting_level = None;
            row.decided_at = Some(decided_at);
        }
        _ => {
            return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
                "decision",
                "invalid",
                "决定应为 confirm（通过）、reject（不予评定）或 falsified（弄虚作假）",
                "decision is confirm, reject or falsified",
            ));
        }
    }
    // The application first, so a second reviewer deciding at once stops here before awarding anything.
    save_or_stale(conn, row, &seen)?;
    if let Some(stars) = awarded {
        award(conn, row, campaign, model, stars)?;
    }
    if *row.status == ApplicationStatus::Falsified {
        let cause = store::BarCause::Falsified {
            application_id: &row.id,
        };
        store::bar(
            conn,
            row.cooperative_id,
            cause,
            model.falsification_bar_years,
            decided_at,
        )?;
    }
    record_review(conn, caller, row, level, request, star, note, decided_at)?;
    audit::record(
        conn,
        &caller.who(),
        Entry {
            action: match request.decision.as_str() {
                "confirm" => audit::Action::StarReviewConfirm,
                "reject" => audit::Action::StarReviewReject,
                _ => audit::Action::StarReviewFalsified,
            },
            entity_type: "star_application",
            entity_id: &row.id,
        },
        Some(&before),
        Some(&summary(row)),
    )?;
    Ok(())
}

/// The reviewer's decision as a review row, with the scores' digest it was made on.
#[allow(clippy::too_many_arguments)]
fn record_review(
    conn: &mut DbConn,
    caller: &Authenticated,
    row: &ApplicationRow,
    level: &str,
    request: &StarDecision,
    star: Option<u8>,
    note: Option<&str>,
    decided_at: chrono::NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(star_reviews::table)
        .values((
            star_reviews::id.eq(Uuid::now_v7().to_string()),
            star_reviews::application_id.eq(&row.id),
            star_reviews::level.eq(level),
            star_reviews::decision.eq(&request.decision),
            star_reviews::stars.eq(star.map(i64::from)),
            star_reviews::digest.eq(&row.digest),
            star_reviews::note.eq(note),
            star_reviews::reviewer_id.eq(&caller.user.id),
            star_reviews::decided_at.eq(decided_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A confirmation at `level`: the star (at most what the scores support; less needs a note) goes to the next level,
/// or is awarded at the last. Returns the star confirmed and the star awarded.
fn confirm(
    row: &mut ApplicationRow,
    model: &ScoringModel,
    level: &str,
    wanted: Option<u8>,
    note: Option<&str>,
    decided_at: chrono::NaiveDateTime,
) -> ApiResult<(Option<u8>, Option<u8>)> {
    let result = row.result()?;
    if !result.pending_manual.is_empty() {
        return Err(ApiError::new(ErrorCode::StarScoresPending).with_detail(
            format!("待评分指标：{}", result.pending_manual.join("、")),
            format!("not scored: {}", result.pending_manual.join(", ")),
        ));
    }
    let mut checks = crate::validate::Checks::new();
    let proposed = row.proposed_star.and_then(|s| u8::try_from(s).ok());
    let confirmed = wanted.or(proposed);
    match (confirmed, proposed) {
        (Some(wanted), Some(proposed)) if wanted > proposed => checks.fail(
            "star",
            "above_proposed",
            format!("评定星级不能高于得分支持的{proposed}星级"),
            format!("no higher than the {proposed} stars proposed"),
        ),
        (Some(_), None) => checks.fail(
            "star",
            "not_eligible",
            "该申报未达到任何星级，只能确认未评定",
            "the application reaches no star",
        ),
        (Some(wanted), Some(proposed)) if wanted < proposed => {
            if !model.stars.iter().any(|s| s.star == wanted) {
                checks.fail(
                    "star",
                    "invalid",
                    "模型中没有该星级",
                    "the model has no such star",
                );
            }
            if note.is_none() {
                checks.fail("note", "required", "请说明理由", "a note is required");
            }
        }
        _ => {}
    }
    checks.finish()?;
    let levels = store::levels_for(model, confirmed);
    let next = levels
        .iter()
        .position(|l| l == level)
        .and_then(|i| levels.get(i + 1))
        .cloned();
    row.proposed_star = confirmed.map(i64::from);
    if let Some(next) = next {
        row.awaiting_level = Some(next);
        return Ok((confirmed, None));
    }
    row.awaiting_level = None;
    row.decided_at = Some(decided_at);
    match confirmed {
        Some(stars) => {
            row.status = Code(ApplicationStatus::Rated);
            row.awarded_star = Some(i64::from(stars));
            Ok((confirmed, Some(stars)))
        }
        None => {
            row.status = Code(ApplicationStatus::NotRated);
            Ok((confirmed, None))
        }
    }
}

/// Enters the star into the history and the registry.
fn award(
    conn: &mut DbConn,
    row: &ApplicationRow,
    campaign: &CampaignRow,
    model: &ScoringModel,
    stars: u8,
) -> ApiResult<()> {
    diesel::insert_into(star_awards::table)
        .values((
            star_awards::id.eq(Uuid::now_v7().to_string()),
            star_awards::cooperative_id.eq(&row.cooperative_id),
            star_awards::year.eq(campaign.year),
            star_awards::stars.eq(i64::from(stars)),
            star_awards::application_id.eq(&row.id),
            star_awards::model_version.eq(&model.version),
            star_awards::awarded_at.eq(now()),
        ))
        .execute(conn)?;
    store::set_registry_star(conn, row.cooperative_id, Some(i64::from(stars)))?;
    Ok(())
}

pub fn level_zh(level: &str) -> &str {
    match level {
        "township" => "乡镇级",
        "county" => "县级",
        "city" => "市级",
        "province" => "省级",
        other => other,
    }
}

/// What the audit log keeps of an application.
fn summary(row: &ApplicationRow) -> serde_json::Value {
    serde_json::json!({
        "cooperative_id": row.cooperative_id,
        "campaign_id": row.campaign_id,
        "status": row.status,
        "total": row.total,
        "computed_star": row.computed_star,
        "proposed_star": row.proposed_star,
        "awaiting_level": row.awaiting_level,
        "awarded_star": row.awarded_star,
        "digest": row.digest,
    })
}

/// Scores again the cooperative's applications still under review in open campaigns, after its approved evidence
/// changed (a visit approved, unapproved or edited): real-time tracking between annual reviews. Returns how many
/// changed. Runs inside the caller's transaction.
pub fn refresh_open(conn: &mut DbConn, cooperative_id: CooperativeId) -> ApiResult<usize> {
    use crate::db::schema::star_campaigns;
    let open: Vec<(ApplicationRow, CampaignRow)> = star_applications::table
        .inner_join(star_campaigns::table)
        .filter(star_applications::cooperative_id.eq(cooperative_id))
        .filter(star_applications::status.eq(ApplicationStatus::InReview.as_str()))
        .filter(star_campaigns::status.eq(CampaignStatus::Open.as_str()))
        .select((ApplicationRow::as_select(), CampaignRow::as_select()))
        .load(conn)?;
    let mut changed = 0;
    for (mut row, campaign) in open {
        let model = store::campaign_model(conn, &campaign)?;
        let rescored = rescore(conn, &mut row, &campaign, &model)?;
        changed += usize::from(rescored);
    }
    Ok(changed)
}

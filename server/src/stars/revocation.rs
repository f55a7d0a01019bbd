//! Revocation at any time (浙农合发〔2022〕5号): a recorded illegal operation, major safety accident or seriously
//! overdue credit removes the star at once (the award stays in the history, marked revoked), bars re-application for
//! the model's period, and makes the trigger a veto in any application still under review. Also the star history.

use diesel::prelude::*;
use hezuo_mobile_api::stars::{
    ApplicationSummary, OrgKind, RecordStarEvent, StarAward, StarBar, StarEvent, StarHistory,
};
use uuid::Uuid;

use super::applications;
use super::status::ApplicationStatus;
use super::store::{self, ApplicationRow, CampaignRow};
use super::subject::Trigger;
use crate::auth::Authenticated;
use crate::cleanup::store::today;
use crate::db::DbConn;
use crate::db::id::CooperativeId;
use crate::db::schema::{star_applications, star_awards, star_bars, star_campaigns, star_events};
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::models::cooperatives::CooperativeRow;
use crate::models::{now, stored_day, to_utc};

/// What recording an event did.
pub struct Recorded {
    pub event_id: String,
    /// The star that was revoked, if one was held.
    pub revoked: Option<i64>,
    /// Applications under review scored again (the trigger is now a veto).
    pub rescored: usize,
}

/// Records a trigger against `cooperative` (fields checked by the caller).
pub fn record_event(
    conn: &mut DbConn,
    caller: &Authenticated,
    cooperative: &CooperativeRow,
    cause: Trigger,
    request: &RecordStarEvent,
) -> ApiResult<Recorded> {
    // The same event sent again (a retry after a lost answer) is the one already recorded, with what it revoked.
    let same: Option<String> = star_events::table
        .filter(star_events::cooperative_id.eq(cooperative.id))
        .filter(star_events::cause.eq(cause.key()))
        .filter(star_events::occurred_on.eq(request.occurred_on.to_string()))
        .filter(star_events::description.eq(request.description.trim()))
        .filter(star_events::source.eq(request.source.trim()))
        .select(star_events::id)
        .first(conn)
        .optional()?;
    if let Some(event_id) = same {
        let revoked = star_events::table
            .find(&event_id)
            .select(star_events::revoked_star)
            .get_result::<Option<i64>>(conn)?;
        return Ok(Recorded {
            event_id,
            revoked,
            rescored: 0,
        });
    }
    let at = now();
    let event_id = Uuid::now_v7().to_string();
    let held: Vec<(String, i64, String)> = star_awards::table
        .filter(star_awards::cooperative_id.eq(cooperative.id))
        .filter(star_awards::revoked_at.is_null())
        .select((
            star_awards::id,
            star_awards::stars,
            star_awards::model_version,
        ))
        .load(conn)?;
    let revoked = cooperative
        .star_level
        .or_else(|| held.iter().map(|(_, s, _)| *s).max());
    diesel::insert_into(star_events::table)
        .values((
            star_events::id.eq(&event_id),
            star_events::cooperative_id.eq(cooperative.id),
            star_events::cause.eq(cause.key()),
            star_events::occurred_on.eq(request.occurred_on.to_string()),
            star_events::description.eq(request.description.trim()),
            star_events::source.eq(request.source.trim()),
            star_events::recorded_by.eq(&caller.user.id),
            star_events::recorded_at.eq(at),
            star_events::revoked_star.eq(revoked),
        ))
        .execute(conn)?;
    if revoked.is_some() {
        revoke_held(conn, cooperative, &held, &event_id, at)?;
    }
    let rescored = rescore_open(conn, cooperative.id)?;
    audit::record(
        conn,
        &caller.who(),
        Entry {
            action: if revoked.is_some() {
                crate::models::audit::Action::StarRevoked
            } else {
                crate::models::audit::Action::StarEventRecorded
            },
            entity_type: "cooperative",
            entity_id: &cooperative.id,
        },
        Some(&serde_json::json!({ "star": revoked })),
        Some(&serde_json::json!({
            "star": null,
            "event_id": event_id,
            "cause": cause.key(),
            "occurred_on": request.occurred_on,
            "source": request.source,
        })),
    )?;
    Ok(Recorded {
        event_id,
        revoked,
        rescored,
    })
}

/// Revokes the held star by `event_id`: the awards, the registry's star, and a bar on applying for the years the
/// model the star was awarded under says (else the kind's built-in model).
fn revoke_held(
    conn: &mut DbConn,
    cooperative: &CooperativeRow,
    held: &[(String, i64, String)],
    event_id: &str,
    at: chrono::NaiveDateTime,
) -> ApiResult<()> {
    diesel::update(
        star_awards::table
            .filter(star_awards::cooperative_id.eq(cooperative.id))
            .filter(star_awards::revoked_at.is_null()),
    )
    .set((
        star_awards::revoked_at.eq(Some(at)),
        star_awards::revoked_by_event.eq(Some(event_id)),
    ))
    .execute(conn)?;
    store::set_registry_star(conn, cooperative.id, None)?;
    let model = match held.first() {
        Some((_, _, version)) => store::model(conn, version)?,
        None => None,
    };
    let years = match model {
        Some(model) => model.revocation_bar_years,
        None => built_in_of(*cooperative.org_kind)?.revocation_bar_years,
    };
    store::bar(
        conn,
        cooperative.id,
        store::BarCause::Revoked { event_id },
        years,
        at,
    )?;
    Ok(())
}

/// Scores the cooperative's applications under review again (a trigger is now a veto); returns how many changed.
fn rescore_open(conn: &mut DbConn, cooperative_id: CooperativeId) -> ApiResult<usize> {
    let open: Vec<(ApplicationRow, CampaignRow)> = star_applications::table
        .inner_join(star_campaigns::table)
        .filter(star_applications::cooperative_id.eq(cooperative_id))
        .filter(star_applications::status.eq(ApplicationStatus::InReview.as_str()))
        .select((ApplicationRow::as_select(), CampaignRow::as_select()))
        .load(conn)?;
    let mut rescored = 0;
    for (mut application, campaign) in open {
        let model = store::campaign_model(conn, &campaign)?;
        if applications::rescore(conn, &mut application, &campaign, &model)? {
            rescored += 1;
        }
    }
    Ok(rescored)
}

fn built_in_of(kind: OrgKind) -> ApiResult<super::model::ScoringModel> {
    store::built_in()
        .map_err(ApiError::internal)?
        .iter()
        .map(|(model, _)| model)
        .find(|model| model.kind == kind)
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no built-in model for {kind:?}")))
}

/// A cooperative's star record.
pub fn history(conn: &mut DbConn, cooperative: &CooperativeRow) -> ApiResult<StarHistory> {
    let bars = bars_of(conn, cooperative.id)?;
    let today = today();
    let barred_until = bars
        .iter()
        .filter(|bar| bar.from <= today && today <= bar.until)
        .map(|bar| bar.until)
        .max();
    Ok(StarHistory {
        cooperative_id: cooperative.id.uuid(),
        kind: *cooperative.org_kind,
        current_star: cooperative.star_level.and_then(|s| u8::try_from(s).ok()),
        awards: awards_of(conn, cooperative.id)?,
        events: events_of(conn, cooperative.id)?,
        bars,
        barred_until,
        applications: applications_of(conn, cooperative.id)?,
    })
}

/// A stored day; one that does not parse is corrupt data.
fn uuid(text: &str) -> QueryResult<Uuid> {
    crate::models::stored_uuid(text)
}

fn star(value: i64) -> u8 {
    u8::try_from(value).unwrap_or_default()
}

fn year(value: i64) -> i32 {
    i32::try_from(value).unwrap_or_default()
}

/// Stars awarded, newest year first, with their revocation.
fn awards_of(conn: &mut DbConn, cooperative_id: CooperativeId) -> QueryResult<Vec<StarAward>> {
    type AwardRow = (
        i64,
        i64,
        String,
        String,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
        Option<String>,
    );
    let awards: Vec<AwardRow> = star_awards::table
        .filter(star_awards::cooperative_id.eq(cooperative_id))
        .order(star_awards::year.desc())
        .select((
            star_awards::year,
            star_awards::stars,
            star_awards::application_id,
            star_awards::model_version,
            star_awards::awarded_at,
            star_awards::revoked_at,
            star_awards::revoked_by_event,
        ))
        .load(conn)?;
    awards
        .into_iter()
        .map(
            |(y, stars, application, model_version, awarded_at, revoked_at, event)| {
                Ok(StarAward {
                    year: year(y),
                    star: star(stars),
                    application_id: uuid(&application)?,
                    model_version,
                    awarded_at: to_utc(awarded_at),
                    revoked_at: revoked_at.map(to_utc),
                    revoked_by_event: event.as_deref().map(uuid).transpose()?,
                })
            },
        )
        .collect()
}

/// Revocation events, most recent first.
fn events_of(conn: &mut DbConn, cooperative_id: CooperativeId) -> QueryResult<Vec<StarEvent>> {
    type EventRow = (
        String,
        String,
        String,
        String,
        String,
        String,
        chrono::NaiveDateTime,
        Option<i64>,
    );
    let events: Vec<EventRow> = star_events::table
        .filter(star_events::cooperative_id.eq(cooperative_id))
        .order(star_events::occurred_on.desc())
        .select((
            star_events::id,
            star_events::cause,
            star_events::occurred_on,
            star_events::description,
            star_events::source,
            star_events::recorded_by,
            star_events::recorded_at,
            star_events::revoked_star,
        ))
        .load(conn)?;
    events
        .into_iter()
        .map(
            |(id, cause, occurred_on, description, source, recorded_by, recorded_at, revoked)| {
                let trigger = Trigger::parse(&cause).ok_or_else(|| {
                    diesel::result::Error::DeserializationError(
                        format!("unknown star event cause `{cause}` in the database").into(),
                    )
                })?;
                Ok(StarEvent {
                    id: uuid(&id)?,
                    cause_zh: trigger.label_zh().to_owned(),
                    cause,
                    occurred_on: stored_day(&occurred_on)?,
                    description,
                    source,
                    recorded_by,
                    recorded_at: to_utc(recorded_at),
                    revoked_star: revoked.map(star),
                })
            },
        )
        .collect()
}

/// Bars on applying, most recent first.
fn bars_of(conn: &mut DbConn, cooperative_id: CooperativeId) -> QueryResult<Vec<StarBar>> {
    let bars: Vec<(String, String, String)> = star_bars::table
        .filter(star_bars::cooperative_id.eq(cooperative_id))
        .order(star_bars::from_day.desc())
        .select((star_bars::reason, star_bars::from_day, star_bars::until_day))
        .load(conn)?;
    bars.into_iter()
        .map(|(reason, from, until)| {
            Ok(StarBar {
                reason_zh: if reason == "falsified" {
                    "申报弄虚作假".to_owned()
                } else {
                    "星级被撤销".to_owned()
                },
                reason,
                from: stored_day(&from)?,
                until: stored_day(&until)?,
            })
        })
        .collect()
}

/// Applications, newest campaign first.
fn applications_of(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
) -> QueryResult<Vec<ApplicationSummary>> {
    type SummaryRow = (String, i64, String, Option<i64>, Option<i64>, f64);
    let applications: Vec<SummaryRow> = star_applications::table
        .inner_join(star_campaigns::table)
        .filter(star_applications::cooperative_id.eq(cooperative_id))
        .order(star_campaigns::year.desc())
        .select((
            star_applications::id,
            star_campaigns::year,
            star_applications::status,
            star_applications::computed_star,
            star_applications::awarded_star,
            star_applications::total,
        ))
        .load(conn)?;
    applications
        .into_iter()
        .map(|(id, y, status, computed, awarded, total)| {
            Ok(ApplicationSummary {
                id: uuid(&id)?,
                year: year(y),
                status,
                computed_star: computed.map(star),
                awarded_star: awarded.map(star),
                total,
            })
        })
        .collect()
}

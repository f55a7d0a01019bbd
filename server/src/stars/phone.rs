//! What counsellors' phones learn of a cooperative's star: the document's server-only `decisions.star` record holds the
//! star held (outcome `1`…`5`), or `revoked` with the cause and how long re-application is barred, or `barred` after
//! a falsified application. Written in the same transaction as the award, revocation or finding behind it.

use diesel::prelude::*;
use hezuo_sync::model::{Day, DecisionRecord};

use super::subject::Trigger;
use crate::auth::Authenticated;
use crate::cleanup::store::today;
use crate::db::DbConn;
use crate::db::id::CooperativeId;
use crate::db::schema::{star_applications, star_awards, star_bars, star_events, star_reviews};
use crate::error::ApiResult;
use crate::state::AppState;

/// The key of the record in `decisions`.
pub const KEY: &str = "star";

/// The latest award: year, stars, model version, application, awarded, revoked, revoking event.
type Award = (
    i64,
    i64,
    String,
    String,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
    Option<String>,
);

/// The cooperative's star record, or `None` when it never held or lost one. A falsification bar speaks first, then a
/// star held, then the latest revocation.
pub fn record(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
) -> QueryResult<Option<DecisionRecord>> {
    let latest: Option<Award> = star_awards::table
        .filter(star_awards::cooperative_id.eq(cooperative_id))
        .order((star_awards::year.desc(), star_awards::awarded_at.desc()))
        .select((
            star_awards::year,
            star_awards::stars,
            star_awards::model_version,
            star_awards::application_id,
            star_awards::awarded_at,
            star_awards::revoked_at,
            star_awards::revoked_by_event,
        ))
        .first(conn)
        .optional()?;
    let bar: Option<(String, String)> = super::store::bar_in_force(conn, cooperative_id, today())?;
    if let Some((_, until)) = bar.as_ref().filter(|(reason, _)| reason == "falsified")
        && let Some(record) = falsified(conn, cooperative_id, until, latest.as_ref())?
    {
        return Ok(Some(record));
    }
    if let Some((year, stars, model_version, _, awarded_at, None, _)) = &latest {
        return Ok(Some(DecisionRecord {
            kind: Some(KEY.to_owned()),
            outcome: Some(stars.to_string()),
            rule_set_version: Some(model_version.clone()),
            at: Some(awarded_at.and_utc().timestamp_millis()),
            revisit_due: None::<Day>,
            note: Some(format!("{year}年度星级评定：{stars}星级")),
            decided_by_name: None,
        }));
    }
    revoked(conn, cooperative_id, latest, bar)
}

/// The record of a falsification bar, from the reviewer's decision that imposed it.
fn falsified(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
    until: &str,
    latest: Option<&Award>,
) -> QueryResult<Option<DecisionRecord>> {
    let last: Option<(String, Option<String>, chrono::NaiveDateTime)> = star_reviews::table
        .inner_join(
            star_applications::table.on(star_applications::id.eq(star_reviews::application_id)),
        )
        .filter(star_applications::cooperative_id.eq(cooperative_id))
        .filter(star_reviews::decision.eq("falsified"))
        .order(star_reviews::decided_at.desc())
        .select((
            star_reviews::reviewer_id,
            star_reviews::note,
            star_reviews::decided_at,
        ))
        .first(conn)
        .optional()?;
    let Some((reviewer, note, at)) = last else {
        return Ok(None);
    };
    Ok(Some(DecisionRecord {
        kind: Some(KEY.to_owned()),
        outcome: Some("barred".to_owned()),
        rule_set_version: latest.map(|a| a.2.clone()),
        at: Some(at.and_utc().timestamp_millis()),
        revisit_due: None,
        note: Some(format!(
            "星级申报弄虚作假（{}），{until}前不得申报",
            note.unwrap_or_default()
        )),
        decided_by_name: name_of(conn, &reviewer)?,
    }))
}

/// The latest revocation, of an award or of the registry's star, with its cause and any bar in force.
fn revoked(
    conn: &mut DbConn,
    cooperative_id: CooperativeId,
    latest: Option<Award>,
    bar: Option<(String, String)>,
) -> QueryResult<Option<DecisionRecord>> {
    let revoking_event: Option<String> = star_bars::table
        .filter(star_bars::cooperative_id.eq(cooperative_id))
        .filter(star_bars::reason.eq("revoked"))
        .order(star_bars::created_at.desc())
        .select(star_bars::event_id)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten()
        .or_else(|| latest.as_ref().and_then(|award| award.6.clone()));
    let Some(event) = revoking_event else {
        return Ok(None);
    };
    let found: Option<(String, String, String, String, chrono::NaiveDateTime)> = star_events::table
        .find(&event)
        .select((
            star_events::cause,
            star_events::description,
            star_events::occurred_on,
            star_events::recorded_by,
            star_events::recorded_at,
        ))
        .get_result(conn)
        .optional()?;
    let Some((cause, description, occurred_on, by, recorded_at)) = found else {
        return Ok(None);
    };
    let cause = Trigger::parse(&cause).map_or(cause.clone(), |t| t.label_zh().to_owned());
    let what = match &latest {
        Some((year, stars, ..)) if latest.as_ref().and_then(|a| a.6.as_deref()) == Some(&event) => {
            format!("{year}年度{stars}星级")
        }
        _ => "星级".to_owned(),
    };
    let barred = match &bar {
        Some((_, until)) => format!("，{until}前不得申报"),
        None => String::new(),
    };
    Ok(Some(DecisionRecord {
        kind: Some(KEY.to_owned()),
        outcome: Some("revoked".to_owned()),
        rule_set_version: latest.map(|award| award.2),
        at: Some(recorded_at.and_utc().timestamp_millis()),
        revisit_due: None,
        note: Some(format!(
            "{what}已撤销：{cause}（{occurred_on}，{description}）{barred}"
        )),
        decided_by_name: name_of(conn, &by)?,
    }))
}

fn name_of(conn: &mut DbConn, user: &str) -> QueryResult<Option<String>> {
    Ok(crate::review::names_of(conn, &[user])?.remove(user))
}

/// Runs `change`, then writes the cooperative's star record into its document, in one transaction.
pub fn write_with<T>(
    conn: &mut DbConn,
    app: &AppState,
    caller: &Authenticated,
    cooperative_id: CooperativeId,
    change: impl FnMut(&mut DbConn) -> ApiResult<T>,
) -> ApiResult<T> {
    crate::documents::decisions::write_with(conn, app, caller, cooperative_id, KEY, record, change)
}

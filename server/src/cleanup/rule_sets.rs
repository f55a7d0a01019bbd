//! Rule-set versions in the database. One is active; classifications name the version they used, and a version's
//! thresholds never change once stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::RuleSet;
use crate::db::DbConn;
use crate::db::id::UserId;
use crate::db::schema::cleanup_rule_sets;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cleanup_rule_sets)]
pub struct RuleSetRow {
    pub version: String,
    pub rules_json: String,
    pub active: bool,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
}

/// What installing a rule set did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    /// A new version, now active.
    New,
    /// A stored version with the same thresholds, active again.
    Reactivated,
    /// It was the active one already.
    AlreadyActive,
}

/// A version name stored with other thresholds: a changed set needs a new name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionTaken(pub String);

/// The active rule set; the built-in defaults until one is installed.
pub fn active(conn: &mut DbConn) -> QueryResult<RuleSet> {
    let stored: Option<String> = cleanup_rule_sets::table
        .filter(cleanup_rule_sets::active.eq(true))
        .select(cleanup_rule_sets::rules_json)
        .first(conn)
        .optional()?;
    match stored {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e))),
        None => Ok(RuleSet::default()),
    }
}

/// Stores the built-in defaults as the active version when no version is stored yet, so that every classification's
/// version can be looked up.
pub fn record_defaults(conn: &mut DbConn, set: &RuleSet) -> QueryResult<()> {
    let any: i64 = cleanup_rule_sets::table.count().get_result(conn)?;
    if any == 0 {
        insert(conn, set, None)?;
    }
    Ok(())
}

/// Makes `set` the active version.
pub fn install(
    conn: &mut DbConn,
    set: &RuleSet,
    by: Option<UserId>,
) -> QueryResult<Result<Installed, VersionTaken>> {
    record_defaults(conn, &RuleSet::default())?;
    let stored: Option<RuleSetRow> = cleanup_rule_sets::table
        .find(&set.version)
        .select(RuleSetRow::as_select())
        .get_result(conn)
        .optional()?;
    let installed = match stored {
        Some(row) => {
            let same = serde_json::from_str::<RuleSet>(&row.rules_json)
                .ok()
                .as_ref()
                == Some(set);
            if !same {
                return Ok(Err(VersionTaken(set.version.clone())));
            }
            if row.active {
                return Ok(Ok(Installed::AlreadyActive));
            }
            Installed::Reactivated
        }
        None => {
            insert(conn, set, by)?;
            Installed::New
        }
    };
    diesel::update(cleanup_rule_sets::table)
        .set(cleanup_rule_sets::active.eq(false))
        .execute(conn)?;
    diesel::update(cleanup_rule_sets::table.find(&set.version))
        .set(cleanup_rule_sets::active.eq(true))
        .execute(conn)?;
    Ok(Ok(installed))
}

fn insert(conn: &mut DbConn, set: &RuleSet, by: Option<UserId>) -> QueryResult<()> {
    let json = serde_json::to_string(set)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let first: i64 = cleanup_rule_sets::table.count().get_result(conn)?;
    diesel::insert_into(cleanup_rule_sets::table)
        .values((
            cleanup_rule_sets::version.eq(&set.version),
            cleanup_rule_sets::rules_json.eq(json),
            cleanup_rule_sets::active.eq(first == 0),
            cleanup_rule_sets::created_by.eq(by),
            cleanup_rule_sets::created_at.eq(crate::models::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every stored version, newest first.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<RuleSetRow>> {
    cleanup_rule_sets::table
        .select(RuleSetRow::as_select())
        .order(cleanup_rule_sets::created_at.desc())
        .load(conn)
}

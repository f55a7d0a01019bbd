//! Failed-login lockout, counted atomically per account and client address, and per account across addresses.
//!
//! An attempt is reserved (counted as a failure) before the slow password hash runs, in one write transaction, so
//! guesses sent in parallel cannot read the same count and overwrite each other's increments, and no more than
//! `login_max_failures` hashes per address are ever computed before the lock. A successful login clears the counts.
//! Reads `login_max_failures`, `login_max_failures_per_account` and `login_lockout_secs` from the config.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::config::Config;
use crate::db::DbConn;
use crate::db::id::UserId;
use crate::db::schema::{login_failures, users};
use crate::models::Who;
use crate::models::audit::{self, Entry};
use crate::models::now;

/// What a reserved attempt found.
#[derive(Debug, Clone, Copy)]
pub struct Attempt {
    /// Failures in a row from this address, this attempt included.
    pub from_address: i64,
    /// Failures in a row from every address, this attempt included.
    pub in_total: i64,
}

/// Counts an attempt before the password is checked. `Err(until)` when this address, or the whole account, is
/// locked: the password is then not checked at all.
pub fn reserve(
    conn: &mut DbConn,
    config: &Config,
    user_id: UserId,
    address: &str,
) -> QueryResult<Result<Attempt, NaiveDateTime>> {
    let at = now();
    let account_lock: Option<NaiveDateTime> = users::table
        .find(user_id)
        .select(users::locked_until)
        .get_result(conn)?;
    if let Some(until) = account_lock.filter(|until| *until > at) {
        return Ok(Err(until));
    }
    let mut from_address = 1;
    // A successful login elsewhere may delete the row between these statements; then count again.
    for _ in 0..3 {
        let row = (
            login_failures::user_id.eq(user_id),
            login_failures::address.eq(address),
            login_failures::failures.eq(0_i64),
            login_failures::updated_at.eq(at),
        );
        crate::with_backend!(conn, |c| diesel::insert_into(login_failures::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
        let counted = diesel::update(
            login_failures::table.find((user_id, address)).filter(
                login_failures::locked_until
                    .is_null()
                    .or(login_failures::locked_until.le(at)),
            ),
        )
        .set((
            login_failures::failures.eq(login_failures::failures + 1),
            login_failures::locked_until.eq(None::<NaiveDateTime>),
            login_failures::updated_at.eq(at),
        ))
        .execute(conn)?;
        let stored: Option<(i64, Option<NaiveDateTime>)> = login_failures::table
            .find((user_id, address))
            .select((login_failures::failures, login_failures::locked_until))
            .get_result(conn)
            .optional()?;
        match (counted, stored) {
            (1, Some((failures, _))) => {
                from_address = failures;
                break;
            }
            (0, Some((_, Some(until)))) if until > at => return Ok(Err(until)),
            _ => continue,
        }
    }
    diesel::update(users::table.find(user_id))
        .set(users::failed_logins.eq(users::failed_logins + 1))
        .execute(conn)?;
    let in_total: i64 = users::table
        .find(user_id)
        .select(users::failed_logins)
        .get_result(conn)?;
    if from_address > i64::from(config.login_max_failures) {
        // Attempts already under way when the limit was reached.
        return Ok(Err(lock_address(conn, config, user_id, address)?));
    }
    Ok(Ok(Attempt {
        from_address,
        in_total,
    }))
}

/// After a wrong password: locks the address, or the account, when this attempt reached its limit. Returns the
/// lock's end, if it locked.
pub fn after_failure(
    conn: &mut DbConn,
    config: &Config,
    user_id: UserId,
    address: &str,
    attempt: Attempt,
) -> QueryResult<Option<NaiveDateTime>> {
    if attempt.in_total >= i64::from(config.login_max_failures_per_account) {
        let until = now() + Duration::seconds(config.login_lockout_secs as i64);
        diesel::update(users::table.find(user_id))
            .set((
                users::failed_logins.eq(0),
                users::locked_until.eq(Some(until)),
            ))
            .execute(conn)?;
        record_lock(
            conn,
            user_id,
            serde_json::json!({ "locked_until": until, "scope": "account" }),
        )?;
        return Ok(Some(until));
    }
    if attempt.from_address >= i64::from(config.login_max_failures) {
        return lock_address(conn, config, user_id, address).map(Some);
    }
    Ok(None)
}

fn lock_address(
    conn: &mut DbConn,
    config: &Config,
    user_id: UserId,
    address: &str,
) -> QueryResult<NaiveDateTime> {
    let until = now() + Duration::seconds(config.login_lockout_secs as i64);
    diesel::update(login_failures::table.find((user_id, address)))
        .set((
            login_failures::failures.eq(0_i64),
            login_failures::locked_until.eq(Some(until)),
        ))
        .execute(conn)?;
    record_lock(
        conn,
        user_id,
        serde_json::json!({ "locked_until": until, "scope": "address", "address": address }),
    )?;
    Ok(until)
}

fn record_lock(conn: &mut DbConn, user_id: UserId, lock: serde_json::Value) -> QueryResult<()> {
    audit::record(
        conn,
        &Who::system(),
        Entry {
            action: crate::models::audit::Action::UserLocked,
            entity_type: "user",
            entity_id: &user_id,
        },
        audit::NONE,
        Some(&lock),
    )
}

/// A successful login (or an admin's unlock) clears the counts; `address` `None` clears every address.
pub fn clear(conn: &mut DbConn, user_id: UserId, address: Option<&str>) -> QueryResult<()> {
    match address {
        Some(address) => {
            diesel::delete(login_failures::table.find((user_id, address))).execute(conn)?
        }
        None => diesel::delete(login_failures::table.filter(login_failures::user_id.eq(user_id)))
            .execute(conn)?,
    };
    diesel::update(users::table.find(user_id))
        .set((
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

//! Holds on a device's writes to a document, put after refused changes: listing them and releasing them.

use diesel::prelude::*;
use hezuo_mobile_api::sync::Quarantine;

use super::cooperatives::cooperative_in_scope;
use super::{Who, audit, now, stored_uuid, to_utc};
use crate::db::DbConn;
use crate::db::schema::{devices, quarantines, sync_states, users};

/// Which quarantines to load.
#[derive(Default)]
pub struct Filter {
    pub id: Option<String>,
    pub include_released: bool,
    pub device_id: Option<String>,
    pub cooperative_id: Option<String>,
    pub after: Option<String>,
    pub limit: Option<i64>,
    /// Only holds on cooperatives below these region paths (`None`: everywhere).
    pub scope: Option<Vec<String>>,
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDateTime>,
    String,
);

/// Quarantines by id, with the device's username; reasons in Chinese.
pub fn load(conn: &mut DbConn, filter: Filter) -> QueryResult<Vec<Quarantine>> {
    let mut sql = quarantines::table
        .inner_join(devices::table.inner_join(users::table))
        .select((
            quarantines::id,
            quarantines::cooperative_id,
            quarantines::device_id,
            quarantines::code,
            quarantines::reason_zh,
            quarantines::path,
            quarantines::created_at,
            quarantines::released_at,
            users::username,
        ))
        .order(quarantines::id.asc())
        .into_boxed();
    if let Some(id) = filter.id {
        sql = sql.filter(quarantines::id.eq(id));
    } else if !filter.include_released {
        sql = sql.filter(quarantines::released_at.is_null());
    }
    if let Some(device) = filter.device_id {
        sql = sql.filter(quarantines::device_id.eq(device));
    }
    if let Some(cooperative) = filter.cooperative_id {
        sql = sql.filter(quarantines::cooperative_id.eq(cooperative));
    }
    if let Some(paths) = &filter.scope {
        sql = sql.filter(cooperative_in_scope("quarantines.cooperative_id", paths));
    }
    if let Some(after) = filter.after {
        sql = sql.filter(quarantines::id.gt(after));
    }
    if let Some(limit) = filter.limit {
        sql = sql.limit(limit);
    }
    let rows: Vec<Row> = sql.load(conn)?;
    rows.into_iter().map(to_api).collect()
}

fn to_api(row: Row) -> QueryResult<Quarantine> {
    let (id, cooperative_id, device_id, code, reason, path, created_at, released_at, username) =
        row;
    Ok(Quarantine {
        id: stored_uuid(&id)?,
        cooperative_id: stored_uuid(&cooperative_id)?,
        device_id: stored_uuid(&device_id)?,
        username,
        code,
        reason,
        path,
        created_at: to_utc(created_at),
        released_at: released_at.map(to_utc),
    })
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Quarantine>> {
    Ok(load(
        conn,
        Filter {
            id: Some(id.to_owned()),
            ..Filter::default()
        },
    )?
    .pop())
}

/// Releases a hold (once; releasing a released one changes nothing). The device's sync state for the document is reset
/// too, so its next sync starts clean.
pub fn release(conn: &mut DbConn, id: &str, by: &Who) -> QueryResult<Option<Quarantine>> {
    let Some(before) = find(conn, id)? else {
        return Ok(None);
    };
    if before.released_at.is_none() {
        diesel::update(quarantines::table.find(id))
            .set((
                quarantines::released_at.eq(Some(now())),
                quarantines::released_by.eq(by.user_id),
            ))
            .execute(conn)?;
        diesel::delete(
            sync_states::table
                .filter(sync_states::cooperative_id.eq(before.cooperative_id.to_string()))
                .filter(sync_states::device_id.eq(before.device_id.to_string())),
        )
        .execute(conn)?;
    }
    let after = find(conn, id)?;
    audit::record(
        conn,
        by,
        audit::Entry {
            action: crate::models::audit::Action::QuarantineRelease,
            entity_type: "quarantine",
            entity_id: &id,
        },
        Some(&before),
        after.as_ref(),
    )?;
    Ok(after)
}

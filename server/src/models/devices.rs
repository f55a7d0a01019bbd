//! Registered devices and their automerge actor ids.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hezuo_mobile_api::devices::Device;

use crate::db::DbConn;
use crate::db::id::{CooperativeId, DeviceId, UserId};
use std::collections::HashMap;

use crate::db::schema::{device_actors, devices, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = devices)]
pub struct DeviceRow {
    pub id: DeviceId,
    pub user_id: UserId,
    pub name: String,
    pub platform: String,
    pub app_version: String,
    pub actor_id: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<UserId>,
    pub revoke_reason: Option<String>,
}

pub fn find(conn: &mut DbConn, id: DeviceId) -> QueryResult<Option<DeviceRow>> {
    devices::table
        .find(id)
        .select(DeviceRow::as_select())
        .get_result(conn)
        .optional()
}

/// Registers a device with the actor the server assigned to it, bound at once.
pub fn insert(conn: &mut DbConn, row: &DeviceRow) -> QueryResult<()> {
    diesel::insert_into(devices::table)
        .values(row)
        .execute(conn)?;
    diesel::insert_into(device_actors::table)
        .values((
            device_actors::actor.eq(&row.actor_id),
            device_actors::device_id.eq(&row.id),
            device_actors::bound_at.eq(row.created_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The device each of these actors (hex) is bound to; actors never bound are absent.
pub fn actor_devices(
    conn: &mut DbConn,
    actors: &[String],
) -> QueryResult<HashMap<String, DeviceId>> {
    let mut bound = HashMap::new();
    for chunk in actors.chunks(500) {
        bound.extend(
            device_actors::table
                .filter(device_actors::actor.eq_any(chunk))
                .select((device_actors::actor, device_actors::device_id))
                .load::<(String, DeviceId)>(conn)?,
        );
    }
    Ok(bound)
}

/// The device and its user for each of these actors (hex) that is bound: who wrote a change.
pub fn actor_authors(
    conn: &mut DbConn,
    actors: &[String],
) -> QueryResult<HashMap<String, (DeviceId, UserId)>> {
    let mut bound = HashMap::new();
    for chunk in actors.chunks(500) {
        let rows: Vec<(String, DeviceId, UserId)> = device_actors::table
            .inner_join(devices::table)
            .filter(device_actors::actor.eq_any(chunk))
            .select((device_actors::actor, devices::id, devices::user_id))
            .load(conn)?;
        bound.extend(
            rows.into_iter()
                .map(|(actor, device, user)| (actor, (device, user))),
        );
    }
    Ok(bound)
}

/// Binds actors (hex) a device used for the first time. `false` when another device bound one of them first (two
/// devices sending the same new actor at once); the caller then writes nothing.
pub fn bind_actors(conn: &mut DbConn, device_id: DeviceId, actors: &[String]) -> QueryResult<bool> {
    if actors.is_empty() {
        return Ok(true);
    }
    let at = super::now();
    for actor in actors {
        let row = (
            device_actors::actor.eq(actor),
            device_actors::device_id.eq(device_id),
            device_actors::bound_at.eq(at),
        );
        crate::with_backend!(conn, |c| diesel::insert_into(device_actors::table)
            .values(row)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
    let owners = actor_devices(conn, actors)?;
    Ok(actors
        .iter()
        .all(|actor| owners.get(actor) == Some(&device_id)))
}

pub fn touch(conn: &mut DbConn, id: DeviceId) -> QueryResult<()> {
    diesel::update(devices::table.find(id))
        .set(devices::last_seen_at.eq(super::now()))
        .execute(conn)
        .map(|_| ())
}

pub fn username_of(conn: &mut DbConn, device: &DeviceRow) -> QueryResult<String> {
    users::table
        .find(&device.user_id)
        .select(users::username)
        .get_result(conn)
}

pub fn to_api(row: &DeviceRow, username: &str) -> QueryResult<Device> {
    Ok(Device {
        id: row.id.uuid(),
        user_id: row.user_id.uuid(),
        username: username.to_owned(),
        name: row.name.clone(),
        platform: row.platform.clone(),
        app_version: row.app_version.clone(),
        actor_id: row.actor_id.clone(),
        created_at: super::to_utc(row.created_at),
        last_seen_at: row.last_seen_at.map(super::to_utc),
        revoked_at: row.revoked_at.map(super::to_utc),
        revoke_reason: row.revoke_reason.clone(),
    })
}

pub fn load_api(conn: &mut DbConn, row: &DeviceRow) -> QueryResult<Device> {
    let username = username_of(conn, row)?;
    to_api(row, &username)
}

/// Devices of a user that are not revoked.
pub fn count_active_of_user(conn: &mut DbConn, user_id: UserId) -> QueryResult<i64> {
    devices::table
        .filter(devices::user_id.eq(user_id))
        .filter(devices::revoked_at.is_null())
        .count()
        .get_result(conn)
}

/// Revokes a device (a lost or replaced phone): its sessions end at once, and the audit row says who did it and why.
/// Revoking a revoked device changes nothing.
pub fn revoke(
    conn: &mut DbConn,
    row: &DeviceRow,
    by: &super::Who,
    reason: Option<&str>,
) -> QueryResult<Device> {
    if row.revoked_at.is_some() {
        return load_api(conn, row);
    }
    let before = load_api(conn, row)?;
    diesel::update(devices::table.find(row.id))
        .set((
            devices::revoked_at.eq(super::now()),
            devices::revoked_by.eq(by.user_id),
            devices::revoke_reason.eq(reason),
        ))
        .execute(conn)?;
    super::sessions::revoke_all_of_device(conn, row.id, "device_revoked")?;
    let updated = find(conn, row.id)?.ok_or(diesel::result::Error::NotFound)?;
    let after = load_api(conn, &updated)?;
    super::audit::record(
        conn,
        by,
        super::audit::Entry {
            action: crate::models::audit::Action::DeviceRevoke,
            entity_type: "device",
            entity_id: &row.id,
        },
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

/// Brings the record of the documents a device was offered (`device_documents`) up to its current scope (`paths`, none:
/// everything); returns those that left it. A duplicate merged into another cooperative leaves every phone.
pub fn reconcile_documents(
    conn: &mut DbConn,
    device: DeviceId,
    paths: Option<Vec<String>>,
) -> QueryResult<Vec<CooperativeId>> {
    // A duplicate merged into another cooperative leaves every phone; its visits live on in the survivor.
    use crate::db::schema::{cooperatives, device_documents};
    use std::collections::HashSet;
    let mut sql = cooperatives::table
        .filter(cooperatives::merged_into.is_null())
        .select(cooperatives::id)
        .into_boxed();
    if let Some(paths) = paths {
        sql = sql.filter(super::cooperatives::under_any(&paths));
    }
    let in_scope: HashSet<CooperativeId> = sql.load(conn)?.into_iter().collect();
    crate::db::write_transaction(conn, move |conn| {
        let held: HashSet<CooperativeId> = device_documents::table
            .filter(device_documents::device_id.eq(device))
            .select(device_documents::cooperative_id)
            .load(conn)?
            .into_iter()
            .collect();
        let gone: Vec<CooperativeId> = held.difference(&in_scope).copied().collect();
        for chunk in gone.chunks(500) {
            diesel::delete(
                device_documents::table
                    .filter(device_documents::device_id.eq(device))
                    .filter(device_documents::cooperative_id.eq_any(chunk)),
            )
            .execute(conn)?;
        }
        for id in in_scope.difference(&held) {
            diesel::insert_into(device_documents::table)
                .values((
                    device_documents::device_id.eq(device),
                    device_documents::cooperative_id.eq(id),
                ))
                .execute(conn)?;
        }
        Ok(gone)
    })
}

//! Registered devices and their automerge actor ids.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hezuo_mobile_api::devices::Device;
use uuid::Uuid;

use crate::db::DbConn;
use crate::db::schema::{devices, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = devices)]
pub struct DeviceRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub platform: String,
    pub app_version: String,
    pub actor_id: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<DeviceRow>> {
    devices::table
        .find(id)
        .select(DeviceRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, row: &DeviceRow) -> QueryResult<()> {
    diesel::insert_into(devices::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn touch(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::update(devices::table.find(id))
        .set(devices::last_seen_at.eq(super::now()))
        .execute(conn)
        .map(|_| ())
}

pub fn username_of(conn: &mut DbConn, device: &DeviceRow) -> QueryResult<String> {
    users::table
        .find(&device.user_id)
        .select(users::username)
        .first(conn)
}

pub fn to_api(row: &DeviceRow, username: &str) -> Device {
    Device {
        id: Uuid::parse_str(&row.id).unwrap_or_default(),
        user_id: Uuid::parse_str(&row.user_id).unwrap_or_default(),
        username: username.to_owned(),
        name: row.name.clone(),
        platform: row.platform.clone(),
        app_version: row.app_version.clone(),
        actor_id: row.actor_id.clone(),
        created_at: super::to_utc(row.created_at),
        last_seen_at: row.last_seen_at.map(super::to_utc),
        revoked_at: row.revoked_at.map(super::to_utc),
        revoke_reason: row.revoke_reason.clone(),
    }
}

pub fn load_api(conn: &mut DbConn, row: &DeviceRow) -> QueryResult<Device> {
    let username = username_of(conn, row)?;
    Ok(to_api(row, &username))
}

/// Devices of a user that are not revoked.
pub fn count_active_of_user(conn: &mut DbConn, user_id: &str) -> QueryResult<i64> {
    devices::table
        .filter(devices::user_id.eq(user_id))
        .filter(devices::revoked_at.is_null())
        .count()
        .get_result(conn)
}

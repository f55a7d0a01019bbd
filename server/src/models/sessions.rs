//! Login sessions and their rotating refresh tokens.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use crate::auth::refresh;
use crate::db::DbConn;
use crate::db::id::{DeviceId, SessionId, UserId};
use crate::db::schema::{refresh_tokens, sessions};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRow {
    pub id: SessionId,
    pub user_id: UserId,
    pub device_id: Option<DeviceId>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoke_reason: Option<String>,
}

impl SessionRow {
    pub fn is_live(&self, now: NaiveDateTime) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }

    pub fn uuid(&self) -> Uuid {
        self.id.uuid()
    }

    pub fn device_uuid(&self) -> Option<Uuid> {
        self.device_id.map(DeviceId::uuid)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: String,
    pub session_id: SessionId,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConn, id: SessionId) -> QueryResult<Option<SessionRow>> {
    sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .get_result(conn)
        .optional()
}

/// Starts a session and returns it with its first refresh token.
pub fn create(
    conn: &mut DbConn,
    user_id: UserId,
    device_id: Option<DeviceId>,
    ttl: Duration,
) -> QueryResult<(SessionRow, String)> {
    let now = super::now();
    let session = SessionRow {
        id: SessionId::generate(),
        user_id,
        device_id,
        created_at: now,
        expires_at: now + ttl,
        revoked_at: None,
        revoke_reason: None,
    };
    diesel::insert_into(sessions::table)
        .values(&session)
        .execute(conn)?;
    let token = refresh::generate();
    insert_token(conn, session.id, &token)?;
    Ok((session, token))
}

pub fn insert_token(conn: &mut DbConn, session_id: SessionId, token: &str) -> QueryResult<()> {
    let row = RefreshTokenRow {
        id: Uuid::now_v7().to_string(),
        session_id,
        token_hash: refresh::digest(token),
        created_at: super::now(),
        used_at: None,
    };
    diesel::insert_into(refresh_tokens::table)
        .values(&row)
        .execute(conn)
        .map(|_| ())
}

pub fn find_token(conn: &mut DbConn, token: &str) -> QueryResult<Option<RefreshTokenRow>> {
    refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(refresh::digest(token)))
        .select(RefreshTokenRow::as_select())
        .get_result(conn)
        .optional()
}

/// Marks a token used if it was not; false means somebody used it before (concurrently or earlier).
pub fn claim_token(conn: &mut DbConn, token_id: &str) -> QueryResult<bool> {
    let updated = diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::id.eq(token_id))
            .filter(refresh_tokens::used_at.is_null()),
    )
    .set(refresh_tokens::used_at.eq(super::now()))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Pushes the idle expiry forward after a successful refresh.
pub fn extend(conn: &mut DbConn, session_id: SessionId, ttl: Duration) -> QueryResult<()> {
    diesel::update(sessions::table.find(session_id))
        .set(sessions::expires_at.eq(super::now() + ttl))
        .execute(conn)
        .map(|_| ())
}

pub fn bind_device(
    conn: &mut DbConn,
    session_id: SessionId,
    device_id: DeviceId,
) -> QueryResult<()> {
    diesel::update(sessions::table.find(session_id))
        .set(sessions::device_id.eq(device_id))
        .execute(conn)
        .map(|_| ())
}

pub fn revoke(conn: &mut DbConn, session_id: SessionId, reason: &str) -> QueryResult<usize> {
    if let Some(session) = find(conn, session_id)? {
        crate::db::notify::access_changed(conn, session.user_id)?;
    }
    diesel::update(
        sessions::table
            .filter(sessions::id.eq(session_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(super::now()),
        sessions::revoke_reason.eq(reason),
    ))
    .execute(conn)
}

pub fn revoke_all_of_user(conn: &mut DbConn, user_id: UserId, reason: &str) -> QueryResult<usize> {
    crate::db::notify::access_changed(conn, user_id)?;
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(super::now()),
        sessions::revoke_reason.eq(reason),
    ))
    .execute(conn)
}

pub fn revoke_all_of_device(
    conn: &mut DbConn,
    device_id: DeviceId,
    reason: &str,
) -> QueryResult<usize> {
    let owner: Option<UserId> = crate::db::schema::devices::table
        .find(device_id)
        .select(crate::db::schema::devices::user_id)
        .get_result(conn)
        .optional()?;
    if let Some(owner) = owner {
        crate::db::notify::access_changed(conn, owner)?;
    }
    diesel::update(
        sessions::table
            .filter(sessions::device_id.eq(device_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(super::now()),
        sessions::revoke_reason.eq(reason),
    ))
    .execute(conn)
}

/// The token issued when `token_id` was used, if any (the newest token of the session created after it).
pub fn token_after(
    conn: &mut DbConn,
    used: &RefreshTokenRow,
) -> QueryResult<Option<RefreshTokenRow>> {
    refresh_tokens::table
        .filter(refresh_tokens::session_id.eq(&used.session_id))
        .filter(refresh_tokens::id.gt(&used.id))
        .order(refresh_tokens::id.asc())
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .optional()
}

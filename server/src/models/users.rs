//! User accounts and their region assignments.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hezuo_mobile_api::users::{RegionRef, Role, User};
use uuid::Uuid;

use crate::auth::scope::{Scope, ScopeRoot};
use crate::db::DbConn;
use crate::db::code::Code;
use crate::db::id::{SessionId, UserId};
use crate::db::schema::{regions, user_regions, users};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Code<Role>,
    pub password_hash: String,
    pub phone: Option<String>,
    pub is_active: bool,
    pub failed_logins: i64,
    pub locked_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl UserRow {
    pub fn role(&self) -> Role {
        *self.role
    }

    pub fn uuid(&self) -> Uuid {
        self.id.uuid()
    }
}

/// A user's assigned region: code, name and path.
#[derive(Debug, Clone, Queryable)]
pub struct AssignedRegion {
    pub code: String,
    pub name: String,
    pub path: String,
}

pub fn find(conn: &mut DbConn, id: UserId) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn find_by_username(conn: &mut DbConn, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn assigned_regions(conn: &mut DbConn, user_id: UserId) -> QueryResult<Vec<AssignedRegion>> {
    user_regions::table
        .inner_join(regions::table)
        .filter(user_regions::user_id.eq(user_id))
        .select((regions::code, regions::name, regions::path))
        .order(regions::code)
        .load(conn)
}

pub fn scope_of(user: &UserRow, assigned: &[AssignedRegion]) -> Scope {
    match user.role() {
        Role::Admin => Scope::All,
        _ => Scope::Subtrees(
            assigned
                .iter()
                .map(|r| ScopeRoot {
                    code: r.code.clone(),
                    path: r.path.clone(),
                })
                .collect(),
        ),
    }
}

pub fn set_regions(conn: &mut DbConn, user_id: UserId, codes: &[String]) -> QueryResult<()> {
    diesel::delete(user_regions::table.filter(user_regions::user_id.eq(user_id))).execute(conn)?;
    for code in codes {
        diesel::insert_into(user_regions::table)
            .values((
                user_regions::user_id.eq(user_id),
                user_regions::region_code.eq(code),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn to_api(user: &UserRow, assigned: &[AssignedRegion]) -> QueryResult<User> {
    Ok(User {
        id: user.uuid(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role(),
        regions: assigned
            .iter()
            .map(|r| {
                Ok(RegionRef {
                    code: super::regions::stored_code(&r.code)?,
                    name: r.name.clone(),
                })
            })
            .collect::<QueryResult<_>>()?,
        phone: user.phone.clone(),
        is_active: user.is_active,
        locked_until: user
            .locked_until
            .filter(|until| *until > super::now())
            .map(super::to_utc),
        created_at: super::to_utc(user.created_at),
    })
}

/// Loads many users with their regions in two queries.
pub fn load_api_many(conn: &mut DbConn, rows: &[UserRow]) -> QueryResult<Vec<User>> {
    let ids: Vec<UserId> = rows.iter().map(|r| r.id).collect();
    let assignments: Vec<(UserId, String, String, String)> = user_regions::table
        .inner_join(regions::table)
        .filter(user_regions::user_id.eq_any(&ids))
        .select((
            user_regions::user_id,
            regions::code,
            regions::name,
            regions::path,
        ))
        .order(regions::code)
        .load(conn)?;
    let mut by_user: std::collections::HashMap<UserId, Vec<AssignedRegion>> =
        std::collections::HashMap::new();
    for (user_id, code, name, path) in assignments {
        by_user
            .entry(user_id)
            .or_default()
            .push(AssignedRegion { code, name, path });
    }
    rows.iter()
        .map(|row| to_api(row, by_user.get(&row.id).map(Vec::as_slice).unwrap_or(&[])))
        .collect()
}

/// Loads a user with their regions in the API shape.
pub fn load_api(conn: &mut DbConn, user: &UserRow) -> QueryResult<User> {
    let assigned = assigned_regions(conn, user.id)?;
    to_api(user, &assigned)
}

/// Usernames are compared in lower case; allowed: a–z, 0–9, `.`, `_`, `-`, 3 to 64 characters.
pub fn normalise_username(raw: &str) -> Option<String> {
    let name = raw.trim().to_ascii_lowercase();
    let valid = (3..=64).contains(&name.len())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    valid.then_some(name)
}

/// Sets a user's new password hash; the user's other sessions end (`keep_session` goes on), their connections are told
/// in the transaction, and the change is audited without the hash.
pub fn set_password(
    conn: &mut DbConn,
    user_id: UserId,
    hash: &str,
    keep_session: SessionId,
    by: &super::Who,
) -> QueryResult<()> {
    use crate::db::schema::sessions;
    let at = super::now();
    diesel::update(users::table.find(user_id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(at)))
        .execute(conn)?;
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::id.ne(keep_session))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((
        sessions::revoked_at.eq(at),
        sessions::revoke_reason.eq("password_changed"),
    ))
    .execute(conn)?;
    crate::db::notify::access_changed(conn, user_id)?;
    super::audit::record(
        conn,
        by,
        super::audit::Entry {
            action: crate::models::audit::Action::UserPasswordChange,
            entity_type: "user",
            entity_id: &user_id,
        },
        super::audit::NONE,
        super::audit::NONE,
    )
}

/// Creates an account with its regions, audited.
pub fn create(
    conn: &mut DbConn,
    row: &UserRow,
    region_codes: &[String],
    by: &super::Who,
) -> QueryResult<User> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)?;
    set_regions(conn, row.id, region_codes)?;
    let user = load_api(conn, row)?;
    super::audit::record(
        conn,
        by,
        super::audit::Entry {
            action: crate::models::audit::Action::UserCreate,
            entity_type: "user",
            entity_id: &row.id,
        },
        super::audit::NONE,
        Some(&user),
    )?;
    Ok(user)
}

/// What an administrator changes on an account; fields not given stay.
#[derive(Debug, Default)]
pub struct AccountChange {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub phone: Option<Option<String>>,
    pub is_active: Option<bool>,
    /// Resolved region codes, replacing the assignment.
    pub region_codes: Option<Vec<String>>,
    pub password_hash: Option<String>,
    pub unlock: bool,
}

/// Changes an account. A new password or a disabled account ends every session; open connections check their access
/// again; the change is audited with the account before and after.
pub fn update(
    conn: &mut DbConn,
    row: &UserRow,
    change: AccountChange,
    by: &super::Who,
) -> QueryResult<User> {
    let before = load_api(conn, row)?;
    if let Some(codes) = &change.region_codes {
        set_regions(conn, row.id, codes)?;
    }
    diesel::update(users::table.find(&row.id))
        .set((
            users::display_name.eq(change.display_name.unwrap_or(row.display_name.clone())),
            users::role.eq(change.role.unwrap_or(row.role()).as_str()),
            users::phone.eq(change.phone.unwrap_or(row.phone.clone())),
            users::is_active.eq(change.is_active.unwrap_or(row.is_active)),
            users::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    if let Some(hash) = &change.password_hash {
        diesel::update(users::table.find(&row.id))
            .set(users::password_hash.eq(hash))
            .execute(conn)?;
        super::sessions::revoke_all_of_user(conn, row.id, "password_changed")?;
    }
    if change.unlock || change.password_hash.is_some() {
        crate::auth::lockout::clear(conn, row.id, None)?;
    }
    if change.is_active == Some(false) {
        super::sessions::revoke_all_of_user(conn, row.id, "account_disabled")?;
    }
    // Role, regions or state may have changed: open connections check again.
    crate::db::notify::access_changed(conn, row.id)?;
    let updated = find(conn, row.id)?.ok_or(diesel::result::Error::NotFound)?;
    let after = load_api(conn, &updated)?;
    super::audit::record(
        conn,
        by,
        super::audit::Entry {
            action: crate::models::audit::Action::UserUpdate,
            entity_type: "user",
            entity_id: &row.id,
        },
        Some(&before),
        Some(&after),
    )?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_case_ascii() {
        assert_eq!(
            normalise_username(" Counsellor.Haishu.1 ").as_deref(),
            Some("counsellor.haishu.1")
        );
        assert_eq!(normalise_username("ab"), None);
        assert_eq!(normalise_username("张三"), None);
        assert_eq!(normalise_username("a b c"), None);
    }
}

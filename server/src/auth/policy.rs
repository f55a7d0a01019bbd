//! Who may see and manage which accounts, devices and cooperatives.
//!
//! - Admins manage everyone.
//! - A supervisor manages counsellors and viewers all of whose regions lie inside the supervisor's regions.
//! - Everyone sees their own account and manages their own devices; only admins change accounts.
//!
//! Resources outside a caller's reach answer 404 (`not_found`), as if they did not exist; a caller who can see a
//! resource but lacks the role for an action gets 403 (`forbidden`).

use std::collections::BTreeMap;

use diesel::prelude::*;
use hezuo_mobile_api::users::Role;

use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::db::code::Code;
use crate::db::id::{CooperativeId, UserId};
use crate::db::schema::{regions, user_regions, users};

/// A cooperative in the caller's regions; 404 otherwise, as if it did not exist.
pub fn visible_cooperative(
    conn: &mut DbConn,
    caller: &Authenticated,
    id: CooperativeId,
) -> crate::error::ApiResult<crate::models::cooperatives::CooperativeRow> {
    cooperative_in_scope(conn, caller, id)?.ok_or_else(crate::error::ApiError::not_found)
}

/// A cooperative in the caller's regions, if there is one: for a cooperative named in a request's body, where its
/// absence is bad input rather than a missing resource.
pub fn cooperative_in_scope(
    conn: &mut DbConn,
    caller: &Authenticated,
    id: CooperativeId,
) -> QueryResult<Option<crate::models::cooperatives::CooperativeRow>> {
    Ok(crate::models::cooperatives::find(conn, id)?
        .filter(|row| caller.scope.covers_path(&row.region_path)))
}

/// Whether `actor` manages an account with `target_role` whose regions have the given paths.
pub fn manages(actor: &Authenticated, target_role: Role, target_paths: &[String]) -> bool {
    match actor.role {
        Role::Admin => true,
        Role::Supervisor => {
            matches!(target_role, Role::Counsellor | Role::Viewer)
                && actor.scope.covers_all(target_paths)
        }
        Role::Counsellor | Role::Viewer => false,
    }
}

/// Whether `actor` may see the account: their own, or one they manage.
pub fn sees(
    actor: &Authenticated,
    target_id: UserId,
    target_role: Role,
    target_paths: &[String],
) -> bool {
    actor.user.id == target_id || manages(actor, target_role, target_paths)
}

/// Ids of the accounts `actor` may see, by [`sees`]; `None` means all of them.
pub fn visible_user_ids(
    conn: &mut DbConn,
    actor: &Authenticated,
) -> QueryResult<Option<Vec<UserId>>> {
    match actor.role {
        Role::Admin => Ok(None),
        Role::Counsellor | Role::Viewer => Ok(Some(vec![actor.user.id])),
        Role::Supervisor => {
            let assignments: Vec<(UserId, Code<Role>, String)> = user_regions::table
                .inner_join(users::table)
                .inner_join(regions::table)
                .filter(users::role.eq_any([Role::Counsellor.as_str(), Role::Viewer.as_str()]))
                .select((users::id, users::role, regions::path))
                .load(conn)?;
            let mut by_user: BTreeMap<UserId, (Role, Vec<String>)> = BTreeMap::new();
            for (id, role, path) in assignments {
                by_user
                    .entry(id)
                    .or_insert_with(|| (*role, Vec::new()))
                    .1
                    .push(path);
            }
            let mut ids: Vec<UserId> = by_user
                .into_iter()
                .filter(|(_, (role, paths))| manages(actor, *role, paths))
                .map(|(id, _)| id)
                .collect();
            ids.push(actor.user.id);
            Ok(Some(ids))
        }
    }
}

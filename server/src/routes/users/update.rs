use actix_web::{HttpRequest, patch, web};
use hezuo_mobile_api::users::{Role, UpdateUserRequest, User};
use hezuo_mobile_api::{ErrorCode, Problem};
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::auth::password::check_new_password;
use crate::db::id::UserId;
use crate::error::{ApiError, ApiResult};
use crate::models::users as user_model;
use crate::state::AppState;
use crate::validate::Checks;

/// Changes an account (admins only). Disabling it or setting a new password ends all its sessions at once.
/// Admins cannot disable themselves or drop their own admin role, so a deployment never loses its last way in.
#[utoipa::path(tag = "users", params(("id" = Uuid, Path, description = "User id")),
    request_body = UpdateUserRequest, responses(
    (status = 200, description = "The updated account", body = User),
    (status = 403, description = "Only admins change accounts", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such account", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "If-Match no longer current", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[patch("/users/{id}")]
pub async fn update_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<Uuid>,
    body: web::Json<UpdateUserRequest>,
) -> ApiResult<web::Json<User>> {
    caller.require_role(&[Role::Admin])?;
    let if_match = crate::etag::if_match(&req);
    let id = UserId::from(id.into_inner());
    let request = body.into_inner();
    let mut checks = Checks::new();
    let display_name = request
        .display_name
        .as_deref()
        .map(|name| checks.text("display_name", name, 64));
    let phone = request
        .phone
        .as_deref()
        .map(|p| checks.optional_text("phone", Some(p), 32));
    let is_self = id == caller.user.id;
    if is_self && request.is_active == Some(false) {
        checks.fail(
            "is_active",
            "self",
            "不能停用自己的账户",
            "you cannot disable your own account",
        );
    }
    if is_self && request.role.is_some_and(|r| r != Role::Admin) {
        checks.fail(
            "role",
            "self",
            "不能取消自己的管理员角色",
            "you cannot drop your own admin role",
        );
    }
    checks.finish()?;
    let new_hash = match request.password.clone() {
        Some(password) => {
            check_new_password(&password, "password")?;
            let state = state.clone();
            Some(
                web::block(move || state.passwords.hash(&password))
                    .await
                    .map_err(ApiError::internal)?
                    .map_err(ApiError::internal)?,
            )
        }
        None => None,
    };

    let user = state
        .db
        .write(move |conn| {
            let row = user_model::find(conn, id)?.ok_or_else(ApiError::not_found)?;
            let before = user_model::load_api(conn, &row)?;
            crate::etag::check_if_match(if_match.as_deref(), &before)?;
            let role = request.role.unwrap_or_else(|| row.role());
            let region_codes = match &request.region_codes {
                Some(codes) => Some(super::resolve_regions(conn, codes, role)?),
                None if role != Role::Admin
                    && user_model::assigned_regions(conn, row.id)?.is_empty() =>
                {
                    return Err(ApiError::new(ErrorCode::ValidationFailed).with_field(
                        "region_codes",
                        "required",
                        "除管理员外，每个账户至少分配一个行政区划",
                        "every role but admin needs at least one region",
                    ));
                }
                None => None,
            };
            let change = user_model::AccountChange {
                display_name,
                role: request.role,
                phone,
                is_active: request.is_active,
                region_codes,
                password_hash: new_hash,
                unlock: request.unlock,
            };
            Ok(user_model::update(conn, &row, change, &caller.who())?)
        })
        .await?;
    state.documents.feed.publish_access(user.id);
    Ok(web::Json(user))
}

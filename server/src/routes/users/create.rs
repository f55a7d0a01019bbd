use actix_web::{HttpResponse, post, web};
use hezuo_mobile_api::users::{CreateUserRequest, Role, User};
use hezuo_mobile_api::{ErrorCode, Problem};

use crate::auth::Authenticated;
use crate::auth::password::check_new_password;
use crate::db::code::Code;
use crate::error::{ApiError, ApiResult};
use crate::models::now;
use crate::models::users::{self, UserRow};
use crate::state::AppState;
use crate::validate::Checks;

/// Creates an account (admins only) and assigns its regions.
#[utoipa::path(tag = "users", request_body = CreateUserRequest, responses(
    (status = 201, description = "Created", body = User),
    (status = 403, description = "Only admins create accounts", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Username taken", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields or unknown regions", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<CreateUserRequest>,
) -> ApiResult<HttpResponse> {
    caller.require_role(&[Role::Admin])?;
    let request = body.into_inner();
    let mut checks = Checks::new();
    let username = users::normalise_username(&request.username);
    if username.is_none() {
        checks.fail(
            "username",
            "invalid",
            "用户名为3到64个小写字母、数字或 . _ -",
            "usernames are 3–64 lower-case letters, digits, '.', '_' or '-'",
        );
    }
    let display_name = checks.text("display_name", &request.display_name, 64);
    let phone = checks.optional_text("phone", request.phone.as_deref(), 32);
    checks.finish()?;
    check_new_password(&request.password, "password")?;
    let username = username.unwrap_or_default();

    let password = request.password.clone();
    let hash = {
        let state = state.clone();
        web::block(move || state.passwords.hash(&password))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::internal)?
    };

    let user = state
        .db
        .write(move |conn| {
            if users::find_by_username(conn, &username)?.is_some() {
                return Err(ApiError::new(ErrorCode::UsernameTaken));
            }
            let codes = super::resolve_regions(conn, &request.region_codes, request.role)?;
            let created = now();
            let row = UserRow {
                id: crate::db::id::UserId::generate(),
                username,
                display_name,
                role: Code(request.role),
                password_hash: hash,
                phone,
                is_active: true,
                failed_logins: 0,
                locked_until: None,
                created_at: created,
                updated_at: created,
            };
            Ok(users::create(conn, &row, &codes, &caller.who())?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("{}/users/{}", hezuo_mobile_api::API_PREFIX, user.id),
        ))
        .json(user))
}

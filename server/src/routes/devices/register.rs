use crate::db::id::DeviceId;
use actix_web::{HttpResponse, post, web};
use hezuo_mobile_api::devices::{Device, RegisterDeviceRequest};
use hezuo_mobile_api::{ErrorCode, Problem};
use hezuo_sync::ActorId;

use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::models::audit::{self, Entry};
use crate::models::devices::{self, DeviceRow};
use crate::models::{now, sessions};
use crate::state::AppState;
use crate::validate::Checks;

const PLATFORMS: &[&str] = &["android", "ios", "harmonyos", "web", "cli"];

/// Registers the caller's device and binds the current session to it.
///
/// The server assigns the device an automerge actor id; every change the device syncs must carry it. Registering
/// again from the same session returns the same device (200), so a phone that retries never creates duplicates.
#[utoipa::path(tag = "devices", request_body = RegisterDeviceRequest, responses(
    (status = 201, description = "Registered", body = Device),
    (status = 200, description = "This session's device, registered before", body = Device),
    (status = 409, description = "The account has its maximum of active devices (`device_limit_reached`); retire one first", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid name, platform or version", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[post("/devices")]
pub async fn register_device(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: web::Json<RegisterDeviceRequest>,
) -> ApiResult<HttpResponse> {
    let request = body.into_inner();
    let mut checks = Checks::new();
    let name = checks.text("name", &request.name, 100);
    let platform = request.platform.trim().to_ascii_lowercase();
    if !PLATFORMS.contains(&platform.as_str()) {
        checks.fail(
            "platform",
            "unsupported",
            format!("平台应为以下之一：{}", PLATFORMS.join("、")),
            format!("platform must be one of {}", PLATFORMS.join(", ")),
        );
    }
    let app_version = checks.text("app_version", &request.app_version, 50);
    checks.finish()?;

    let state_config = state.config.clone();
    let (device, created) = state
        .db
        .write(move |conn| {
            let session = sessions::find(conn, caller.session_id)?
                .ok_or_else(ApiError::not_found)?;
            if let Some(existing) = session.device_id {
                let row = devices::find(conn, existing)?.ok_or_else(ApiError::not_found)?;
                return Ok((devices::to_api(&row, &caller.user.username)?, false));
            }
            // A limit per account: a held (quarantined) counsellor cannot shed the hold with endless new devices,
            // and the list of phones stays one a supervisor can check.
            let active = devices::count_active_of_user(conn, caller.user.id)?;
            let limit = i64::from(state_config.max_devices_per_user);
            if active >= limit {
                return Err(ApiError::new(ErrorCode::DeviceLimitReached).with_detail(
                    format!("已登记{active}台设备（上限{limit}台）；请在“我的设备”中停用旧手机后再登记"),
                    format!("{active} devices registered (limit {limit}); retire an old phone under your devices first"),
                ));
            }
            let created = now();
            let row = DeviceRow {
                id: DeviceId::generate(),
                user_id: caller.user.id,
                name,
                platform,
                app_version,
                actor_id: ActorId::random().to_string(),
                created_at: created,
                last_seen_at: Some(created),
                revoked_at: None,
                revoked_by: None,
                revoke_reason: None,
            };
            devices::insert(conn, &row)?;
            sessions::bind_device(conn, session.id, row.id)?;
            let device = devices::to_api(&row, &caller.user.username)?;
            let mut actor = caller.who();
            actor.device_id = Some(row.id);
            audit::record(
                conn,
                &actor,
                Entry {
                    action: crate::models::audit::Action::DeviceRegister,
                    entity_type: "device",
                    entity_id: &row.id,
                },
                audit::NONE,
                Some(&device),
            )?;
            Ok((device, true))
        })
        .await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("{}/devices/{}", hezuo_mobile_api::API_PREFIX, device.id),
        ))
        .json(device))
}

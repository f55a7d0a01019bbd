//! Every route of the server, wired in one place. One handler per file; the OpenAPI document is collected from the
//! same registrations, so a route cannot be served without being documented.

pub mod audit;
pub mod auth;
pub mod cases;
pub mod cleanup;
pub mod conflicts;
pub mod console;
pub mod cooperatives;
pub mod coverage;
pub mod devices;
pub mod duplicates;
pub mod field;
pub mod imports;
pub mod map;
pub mod me;
pub mod photos;
pub mod quarantines;
pub mod regions;
pub mod reports;
pub mod reviews;
pub mod stars;
pub mod sync;
pub mod system;
pub mod targets;
pub mod uploads;
pub mod users;
pub mod visits;

use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(system::health::health)
        .service(system::ready::ready)
        .service(system::metrics::metrics)
        .service(
            scope(hezuo_mobile_api::API_PREFIX)
                .route(
                    "/openapi.json",
                    actix_web::web::get().to(system::openapi::openapi_json),
                )
                .service(auth::login::login)
                .service(auth::refresh::refresh)
                .service(auth::logout::logout)
                .service(auth::web_login::web_login)
                .service(auth::web_refresh::web_refresh)
                .service(auth::web_logout::web_logout)
                .service(me::get::me)
                .service(me::password::change_password)
                .service(devices::register::register_device)
                .service(devices::list::list_devices)
                .service(devices::get::get_device)
                .service(devices::revoke::revoke_device)
                .service(users::create::create_user)
                .service(users::list::list_users)
                .service(users::get::get_user)
                .service(users::update::update_user)
                .service(regions::list::list_regions)
                .service(regions::get::get_region)
                .service(cooperatives::create::create_cooperative)
                .service(cooperatives::list::list_cooperatives)
                .service(cooperatives::get::get_cooperative)
                .service(cooperatives::update::update_cooperative)
                .service(cooperatives::responsibility::cooperative_responsibility)
                .service(cooperatives::assign::assign_responsibility)
                .service(cooperatives::unassign::end_responsibility)
                .service(coverage::report::coverage_report)
                .service(coverage::cooperatives::coverage_cooperatives)
                .service(coverage::export::export_coverage)
                .service(imports::regions::import_regions)
                .service(imports::cooperatives::import_cooperatives)
                .service(imports::registry_facts::import_registry_facts)
                .service(imports::complaints::import_complaints)
                .service(imports::targets::import_targets)
                .service(imports::responsibility::import_responsibility)
                .service(targets::progress::target_progress)
                .service(targets::export::export_target_progress)
                .service(targets::metrics_list::list_metrics)
                .service(targets::metrics_install::install_metrics)
                .service(targets::values_enter::enter_value)
                .service(targets::values_list::list_values)
                .service(sync::batch::sync_batch)
                .service(sync::manifest::manifest)
                .service(sync::websocket::websocket)
                .service(quarantines::list::list_quarantines)
                .service(quarantines::release::release_quarantine)
                .service(uploads::discover::discover_uploads)
                .service(uploads::create::create_upload)
                .service(uploads::offset::upload_offset)
                .service(uploads::resume::resume_upload)
                .service(uploads::terminate::terminate_upload)
                .service(visits::photos::visit_photos)
                .service(reviews::queue::review_queue)
                .service(reviews::counts::review_counts)
                .service(reviews::by_region::approval_tree)
                .service(map::points::map_points)
                .service(reviews::bulk_approve::bulk_approve)
                .service(visits::review::visit_review)
                .service(visits::decide::decide_visit)
                .service(visits::comment::comment_on_visit)
                .service(visits::activity::visit_activity)
                .service(visits::history::visit_history)
                .service(visits::diff::visit_diff)
                .service(cooperatives::activity::cooperative_activity)
                .service(cooperatives::parallel_updates::profile_parallel_updates)
                .service(conflicts::list::list_conflicts)
                .service(conflicts::resolve::resolve_conflict)
                .service(duplicates::list::list_duplicates)
                .service(duplicates::merge::merge_duplicate)
                .service(duplicates::dismiss::dismiss_duplicate)
                .service(audit::list::list_audit)
                .service(audit::export::export_audit)
                .service(cleanup::list::list_cleanup)
                .service(cleanup::show::show_cleanup)
                .service(cleanup::decide::decide_cleanup)
                .service(cleanup::classify::classify_all)
                .service(cleanup::rules_list::list_rule_sets)
                .service(cleanup::rules_install::install_rule_set)
                .service(cleanup::report::cleanup_report)
                .service(cleanup::export::export_cleanup)
                .service(cases::open::open_case)
                .service(cases::list::list_cases)
                .service(cases::update_action::update_action)
                .service(cases::close::close_case)
                .service(stars::models_list::list_scoring_models)
                .service(stars::models_install::install_scoring_model)
                .service(stars::campaign_open::open_campaign)
                .service(stars::campaigns_list::list_campaigns)
                .service(stars::campaign_close::close_campaign)
                .service(stars::applications_file::file_application)
                .service(stars::applications_list::list_applications)
                .service(stars::public_notice::export_public_notice)
                .service(stars::results_export::export_results)
                .service(stars::application_show::show_application)
                .service(stars::manual_scores::set_manual_scores)
                .service(stars::review::review_application)
                .service(stars::event_record::record_star_event)
                .service(stars::history::star_history)
                .service(reports::monthly::monthly_report)
                .service(reports::status::report_status)
                .service(reports::unit_get::unit_report)
                .service(reports::unit_save::save_unit_report)
                .service(reports::unit_act::act_on_unit_report)
                .service(reports::unit_export::export_unit_report)
                .service(photos::image::photo_image),
        );
}

/// Answers every request no route took with a problem document: 405 with `Allow` for a documented path asked with
/// another method (`TRACE` included), 404 otherwise.
pub async fn not_found(
    req: actix_web::HttpRequest,
    operations: actix_web::web::Data<crate::openapi::Operations>,
) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
    use crate::error::ApiError;
    use hezuo_mobile_api::ErrorCode;
    match operations.allowed(req.path()) {
        Some(methods) => Err(ApiError::new(ErrorCode::MethodNotAllowed)
            .with_detail(
                format!("此地址只接受 {}", methods.join("、")),
                format!("this path answers {} only", methods.join(", ")),
            )
            .with_allow(&methods.join(", "))),
        None => Err(ApiError::not_found()),
    }
}

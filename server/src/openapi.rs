//! The OpenAPI 3.1 document. Paths are collected from the route registrations in [`crate::routes`]; this adds the
//! title, tags and the bearer security scheme.

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hezuo API",
        description = "合作社辅导员外勤系统接口。Backend of hezuo, the offline-first field-reporting system for \
                       supply-and-marketing cooperative counsellors. Errors are RFC 9457 problem documents \
                       (`application/problem+json`) with a stable `code`; messages are zh-CN unless \
                       `Accept-Language` prefers English.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    components(schemas(
        hezuo_mobile_api::Problem,
        hezuo_mobile_api::ErrorCode,
        crate::routes::visits::decide::Decision
    )),
    tags(
        (name = "auth", description = "登录与令牌 — login, token refresh, logout"),
        (name = "devices", description = "设备 — registered phones and their automerge actor ids"),
        (name = "users", description = "账户 — accounts, roles and region assignments"),
        (name = "regions", description = "行政区划 — the GB/T 2260 region tree"),
        (name = "cooperatives", description = "合作社名录 — the cooperative registry"),
        (name = "imports", description = "导入 — region list and registry imports"),
        (name = "sync", description = "同步 — HTTP batch sync, manifest, quarantines"),
        (name = "photos", description = "照片 — tus uploads, photo images, a visit's expected and received photos"),
        (name = "review", description = "审核 — the review queue and decisions. A submitted visit is `pending`; each \
            configured level (default township, then county) approves in turn, and after the last it is `approved`. \
            `return` (with a note) sends it back to the counsellor's phone; resubmitted, it is pending again \
            (`resubmitted`). `reject` is final. `unapprove` goes from the highest approved level down. A phone's edit \
            of an approved visit reopens it (`edited_after_approval`). Also conflicts and their resolution, version \
            history and diffs, activity, duplicate merges."),
        (name = "cleanup", description = "清理 — shell and dormant cooperatives (RULES.md §1). The engine classifies \
            each cooperative from its approved visits, registry facts and complaints under a versioned rule set: S1–S6 \
            flags with their evidence, a state (active_standard, active_nonstandard, dormant_recoverable, shell, \
            fraud_risk), recommended actions and a zh-CN explanation. Supervisors confirm or override with a reason, \
            open disposal cases and track each action; re-visit dates reach phones through the document's \
            `decisions` map."),
        (name = "coverage", description = "走访覆盖 — who answers for each cooperative (counsellor and 供销专干, with \
            history) and how approved visits cover a region or a counsellor: never visited, the baseline survey, time \
            since the last visit, overdue re-visits, visits per month"),
        (name = "targets", description = "目标 — district targets of the star and sponsorship plans and progress \
            against them (quality and coverage only: no quota on founding new cooperatives)"),
        (name = "stars", description = "星级评定 — star ratings (RULES.md §2). An administrator opens the year's \
            campaign for cooperatives (1–5 stars) or 产业农合联 (3–5 stars) with a versioned scoring model (TOML; the \
            built-in ones are proposals, not official standards). Applications are scored from approved visits and \
            registry facts; reviewers score manual indicators with notes and confirm level by level. A revocation \
            event removes a star at once and bars re-application; falsified applications are barred for 2 years. \
            Exports: the 公示 list and the results, XLSX or CSV."),
        (name = "reports", description = "报表 — the monthly progress report (targets, stars, clean-up), XLSX or CSV"),
        (name = "audit", description = "审计 — the append-only audit log, its query and CSV/XLSX export (admins)"),
        (name = "system", description = "运维 — health, readiness, metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Access token from POST /api/v1/auth/login"))
                    .build(),
            ),
        );
    }
}

/// The complete document: the header above plus every path registered in [`crate::routes::configure`].
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::configure)
        .split_for_parts();
    document
}

/// The document rendered once at start-up, served at `/api/v1/openapi.json`.
pub struct OpenApiJson(pub String);

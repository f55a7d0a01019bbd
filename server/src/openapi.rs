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
    let mut document = document;
    complete_responses(&mut document);
    document
}

/// Adds the answers every operation of a kind can give, where its own documentation does not list them: 401 for
/// one that needs a token, 404 for a path naming something, 400 and 422 for parameters or a JSON body that do not
/// parse or are out of range, 413 for any body, 415 for a JSON body, and 503 (the database out of reach, with
/// `Retry-After`) for every operation that reads the database. The problem document is the same for all of them.
fn complete_responses(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    for (path, item) in document.paths.paths.iter_mut() {
        let reads_database = !matches!(path.as_str(), "/health" | "/api/v1/openapi.json");
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let parameters = operation.parameters.as_deref().unwrap_or_default();
            let has = |place: ParameterIn| parameters.iter().any(|p| p.parameter_in == place);
            let (in_path, in_query) = (has(ParameterIn::Path), has(ParameterIn::Query));
            let needs_token = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            let body = operation.request_body.as_ref();
            let json_body = body.is_some_and(|b| b.content.contains_key("application/json"));
            let mut answers: Vec<(&str, &str)> = Vec::new();
            if needs_token {
                answers.push((
                    "401",
                    "No valid token, or the session ended (`unauthenticated`)",
                ));
            }
            if in_path {
                answers.push((
                    "404",
                    "Nothing with that id, or not in the caller's regions (`not_found`)",
                ));
            }
            if in_path || in_query || json_body {
                answers.push((
                    "400",
                    "A parameter that does not parse (`invalid_query`), or a body that is not JSON (`invalid_json`)",
                ));
                answers.push((
                    "422",
                    "A parameter or body value outside what the operation accepts (`validation_failed`, with the fields)",
                ));
            }
            if body.is_some() {
                answers.push(("413", "The body is too large (`payload_too_large`)"));
            }
            if json_body {
                answers.push((
                    "415",
                    "The body is not `application/json` (`unsupported_media_type`)",
                ));
            }
            if reads_database {
                answers.push((
                    "503",
                    "The database is out of reach; retry after `Retry-After` seconds (`service_unavailable`)",
                ));
            }
            for (status, description) in answers {
                operation
                    .responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem_response(description));
            }
        }
    }
}

fn problem_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            hezuo_mobile_api::Problem::CONTENT_TYPE,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

/// The document rendered once at start-up, served at `/api/v1/openapi.json`.
pub struct OpenApiJson(pub String);

/// The documented operations, to tell a path that exists but not with the request's method (405, with `Allow`) from
/// one that does not exist (404).
pub struct Operations {
    templates: Vec<(Vec<Segment>, Vec<String>)>,
}

enum Segment {
    Literal(String),
    Parameter,
}

impl Operations {
    pub fn of(document: &utoipa::openapi::OpenApi) -> Self {
        let templates = document
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .split('/')
                    .map(|segment| {
                        if segment.starts_with('{') && segment.ends_with('}') {
                            Segment::Parameter
                        } else {
                            Segment::Literal(segment.to_owned())
                        }
                    })
                    .collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("OPTIONS", item.options.is_some()),
                    ("HEAD", item.head.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter(|(_, documented)| *documented)
                .map(|(method, _)| method.to_owned())
                .collect();
                (segments, methods)
            })
            .collect();
        Self { templates }
    }

    /// The methods `path` answers, when some documented operation has that path.
    pub fn allowed(&self, path: &str) -> Option<Vec<&str>> {
        let parts: Vec<&str> = path.split('/').collect();
        let mut methods: Vec<&str> = self
            .templates
            .iter()
            .filter(|(segments, _)| {
                segments.len() == parts.len()
                    && segments
                        .iter()
                        .zip(&parts)
                        .all(|(segment, part)| match segment {
                            Segment::Literal(literal) => literal == part,
                            Segment::Parameter => !part.is_empty(),
                        })
            })
            .flat_map(|(_, methods)| methods.iter().map(String::as_str))
            .collect();
        methods.sort_unstable();
        methods.dedup();
        (!methods.is_empty()).then_some(methods)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_path_lists_its_methods() {
        let operations = Operations::of(&document());
        assert_eq!(
            operations.allowed("/api/v1/cleanup/rules"),
            Some(vec!["GET", "PUT"])
        );
        assert_eq!(
            operations
                .allowed("/api/v1/visits/0193a1b2-0000-7000-8000-000000000000/review/approve"),
            Some(vec!["POST"])
        );
        assert_eq!(operations.allowed("/api/v1/nothing"), None);
        assert_eq!(operations.allowed("/api/v1/visits//review/approve"), None);
    }
}

//! Uploading the region list, the cooperative register, registry facts and complaints (admins only). The request body is the file itself:
//! CSV (UTF-8 or GB18030) or XLSX.

pub mod complaints;
pub mod cooperatives;
pub mod regions;
pub mod registry_facts;
pub mod responsibility;
pub mod targets;

use actix_web::web;
use chrono::NaiveDate;
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::imports::ImportReport;
use hezuo_mobile_api::users::Role;
use serde::Deserialize;
use utoipa::{IntoParams, IntoResponses};

use crate::auth::Authenticated;
use crate::db::DbConn;
use crate::error::ApiResult;
use crate::models::Who;
use crate::state::AppState;

/// Runs an import as the calling administrator (anyone else: 403 before anything is read).
pub async fn run_import(
    state: &web::Data<AppState>,
    caller: Authenticated,
    import: impl FnOnce(&mut DbConn, &Who) -> ApiResult<ImportReport> + Send + 'static,
) -> ApiResult<web::Json<ImportReport>> {
    caller.require_role(&[Role::Admin])?;
    let who = caller.who();
    let report = state.db.run(move |conn| import(conn, &who)).await?;
    Ok(web::Json(report))
}

/// The answers to an import of the region list or the register.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum ImportResponses {
    #[response(status = 200, description = "What was imported and which rows failed")]
    Imported(ImportReport),
    #[response(
        status = 403,
        description = "Only admins import",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 413,
        description = "File too large",
        content_type = "application/problem+json"
    )]
    TooLarge(Problem),
    #[response(
        status = 422,
        description = "Unreadable file or missing columns (`import_file_invalid`)",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
}

/// The answers to an import of facts from a named source.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum SourcedImportResponses {
    #[response(status = 200, description = "What was imported and which rows failed")]
    Imported(ImportReport),
    #[response(
        status = 403,
        description = "Only admins import",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 413,
        description = "File too large",
        content_type = "application/problem+json"
    )]
    TooLarge(Problem),
    #[response(
        status = 422,
        description = "Unreadable file, missing columns or no source (`import_file_invalid`)",
        content_type = "application/problem+json"
    )]
    Invalid(Problem),
}

/// Where an imported file of facts comes from.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ProvenanceQuery {
    /// The body and list the file comes from, e.g. `宁波市市场监管局2026年经营异常名录`.
    pub source: String,
    /// The date the facts hold for, where a row gives none; default today.
    pub as_of: Option<NaiveDate>,
}

impl ProvenanceQuery {
    pub fn provenance(&self) -> Result<crate::import::facts::Provenance, crate::error::ApiError> {
        crate::import::facts::Provenance::new(
            &self.source,
            self.as_of.unwrap_or_else(crate::cleanup::store::today),
        )
        .map_err(|e| crate::import::ImportError::File(e).into())
    }
}

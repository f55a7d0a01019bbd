//! Uploading the region list, the cooperative register, registry facts and complaints (admins only). The request body is the file itself:
//! CSV (UTF-8 or GB18030) or XLSX.

pub mod complaints;
pub mod cooperatives;
pub mod regions;
pub mod registry_facts;
pub mod targets;

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

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

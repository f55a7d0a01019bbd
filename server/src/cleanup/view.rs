//! Stored classifications as the API shows them.

use std::collections::HashMap;

use chrono::NaiveDate;
use hezuo_mobile_api::cleanup::{Classification, EvidenceItem, HumanDecision, RaisedFlag};
use hezuo_sync::model::{CoopState, ShellFlag};
use serde::Deserialize;

use super::store::ClassificationRow;
use diesel::QueryResult;

use crate::models::{stored_json, stored_uuid, to_utc};

#[derive(Deserialize, Default)]
struct Findings {
    #[serde(default)]
    flags: Vec<StoredFlag>,
}

#[derive(Deserialize)]
struct StoredFlag {
    /// An unknown flag fails the read of the findings (corrupt data), as a stored code would.
    flag: ShellFlag,
    evidence: Vec<StoredEvidence>,
}

#[derive(Deserialize)]
struct StoredEvidence {
    visit_id: Option<String>,
    field: String,
    value: serde_json::Value,
    #[serde(default)]
    photos: Vec<String>,
    source: Option<String>,
    as_of: Option<NaiveDate>,
    note_zh: String,
}

impl From<StoredEvidence> for EvidenceItem {
    fn from(e: StoredEvidence) -> Self {
        EvidenceItem {
            visit_id: e.visit_id.and_then(|v| v.parse().ok()),
            field: e.field,
            value: e.value,
            photos: e.photos,
            source: e.source,
            as_of: e.as_of,
            note_zh: e.note_zh,
        }
    }
}

/// The gaps (governance, finance, registry) stored with a classification.
pub fn gaps(row: &ClassificationRow) -> QueryResult<Vec<EvidenceItem>> {
    #[derive(Deserialize, Default)]
    struct Gaps {
        #[serde(default)]
        gaps: Vec<StoredEvidence>,
    }
    Ok(stored_json::<Gaps>(&row.findings_json)?
        .gaps
        .into_iter()
        .map(EvidenceItem::from)
        .collect())
}

pub fn state_zh(code: &str) -> String {
    CoopState::parse(code)
        .map(|s| s.label_zh().to_owned())
        .unwrap_or_else(|| code.to_owned())
}

/// `names`: user id → display name, for the decider.
pub fn classification(
    row: ClassificationRow,
    names: &HashMap<String, String>,
) -> QueryResult<Classification> {
    let findings: Findings = stored_json(&row.findings_json)?;
    let flags = findings
        .flags
        .into_iter()
        .map(|f| RaisedFlag {
            label_zh: f.flag.label_zh().to_owned(),
            flag: f.flag.as_str().to_owned(),
            evidence: f.evidence.into_iter().map(EvidenceItem::from).collect(),
        })
        .collect();
    let decision = match (&row.decision, &row.decided_by, row.decided_at) {
        (Some(decision), Some(by), Some(at)) => Some(HumanDecision {
            decision: decision.clone(),
            state: row.effective_state().as_str().to_owned(),
            reason: row.decision_reason.clone().unwrap_or_default(),
            decided_by: by.clone(),
            decided_by_name: names.get(by).cloned(),
            decided_at: to_utc(at),
        }),
        _ => None,
    };
    Ok(Classification {
        id: stored_uuid(&row.id)?,
        cooperative_id: stored_uuid(&row.cooperative_id)?,
        state_zh: row.state.label_zh().to_owned(),
        gaps: gaps(&row)?,
        actions: row.actions()?,
        inputs: stored_json(&row.inputs_json)?,
        revisit_due: row
            .revisit_due
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        classified_at: to_utc(row.classified_at),
        current: row.current,
        rule_set_version: row.rule_set_version,
        state: row.state.as_str().to_owned(),
        flags,
        explanation_zh: row.explanation_zh,
        decision,
    })
}

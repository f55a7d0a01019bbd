//! Shell-cooperative clean-up (RULES.md §1): the engine's classification of each cooperative with the evidence behind
//! every flag, the human decision on it, disposal cases with their actions, rule-set versions and reports.
//!
//! Codes are strings: states `active_standard`, `active_nonstandard`, `dormant_recoverable`, `shell`, `fraud_risk`;
//! flags `s1`…`s6`; actions `standardise`, `targeted_assistance`, `end_sponsorship`, `remove_nhl_membership`,
//! `push_deregistration`, `refer_for_investigation`, `apply_for_star_rating`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One piece of evidence behind a flag or a gap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceItem {
    /// The approved visit it comes from; absent for registry facts and complaints.
    pub visit_id: Option<Uuid>,
    /// The visit field (`membership.members_farmer`), registry fact (`registry.on_abnormal_list`) or complaint
    /// (`complaints`).
    pub field: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub value: serde_json::Value,
    /// Photos (SHA-256) that document it.
    #[serde(default)]
    pub photos: Vec<String>,
    /// Where a registry fact or complaint comes from, and as of when.
    pub source: Option<String>,
    pub as_of: Option<NaiveDate>,
    pub note_zh: String,
}

/// A raised S-flag with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RaisedFlag {
    /// `s1`…`s6`.
    pub flag: String,
    pub label_zh: String,
    pub evidence: Vec<EvidenceItem>,
}

/// A person's decision on a classification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HumanDecision {
    /// `confirmed` or `overridden`.
    pub decision: String,
    /// The state decided: the engine's when confirmed, the person's when overridden.
    pub state: String,
    pub reason: String,
    pub decided_by: String,
    pub decided_by_name: Option<String>,
    pub decided_at: DateTime<Utc>,
}

/// The engine's classification of one cooperative under one rule-set version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Classification {
    pub id: Uuid,
    pub cooperative_id: Uuid,
    pub rule_set_version: String,
    pub state: String,
    pub state_zh: String,
    pub flags: Vec<RaisedFlag>,
    /// Governance, finance and registry gaps that make a trading cooperative non-standard.
    pub gaps: Vec<EvidenceItem>,
    /// Recommended disposal actions (RULES.md §1.4), to be confirmed by a person.
    pub actions: Vec<String>,
    pub explanation_zh: String,
    /// The approved visits it read (with the heads approved), the registry facts and the complaints.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub inputs: serde_json::Value,
    pub revisit_due: Option<NaiveDate>,
    pub classified_at: DateTime<Utc>,
    /// Whether this is the cooperative's classification now (older ones stay, on the version they used).
    pub current: bool,
    pub decision: Option<HumanDecision>,
}

/// One row of the clean-up view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CleanupItem {
    pub cooperative_id: Uuid,
    pub cooperative_name: String,
    pub uscc: Option<String>,
    pub region_code: String,
    pub classification_id: Uuid,
    /// The engine's state.
    pub state: String,
    /// The decided state when a person decided, else the engine's.
    pub effective_state: String,
    pub flags: Vec<String>,
    pub actions: Vec<String>,
    pub explanation_zh: String,
    pub rule_set_version: String,
    /// `confirmed`, `overridden`, or absent while undecided.
    pub decision: Option<String>,
    pub revisit_due: Option<NaiveDate>,
    pub open_case_id: Option<Uuid>,
    pub classified_at: DateTime<Utc>,
}

/// Filters of the clean-up view.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct CleanupQuery {
    /// A region code: only cooperatives in its subtree.
    pub region: Option<String>,
    /// An effective state.
    pub state: Option<String>,
    /// A flag, `s1`…`s6`.
    pub flag: Option<String>,
    /// `true`: only those a person has decided; `false`: only undecided.
    pub decided: Option<bool>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// A cooperative's clean-up record: the current classification, earlier ones, and its disposal cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CleanupRecord {
    pub cooperative_id: Uuid,
    pub cooperative_name: String,
    /// Absent when the cooperative has no approved visit, substantiated complaint or registry fact to classify on.
    pub current: Option<Classification>,
    /// Earlier classifications, newest first.
    pub history: Vec<Classification>,
    pub cases: Vec<DisposalCase>,
}

/// Confirming or overriding the current classification.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionRequest {
    /// The classification decided on; refused as stale if it is no longer current.
    pub classification_id: Uuid,
    /// `confirm` or `override`.
    pub decision: String,
    /// With `override`: the state decided instead.
    pub state: Option<String>,
    /// Required: why (for an override, what the engine missed).
    pub reason: String,
}

/// One disposal action of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisposalAction {
    pub id: Uuid,
    /// An action code (`end_sponsorship`, `push_deregistration`, …).
    pub action: String,
    pub action_zh: String,
    /// `planned`, `in_progress`, `referred`, `done` or `cancelled`.
    pub status: String,
    pub assignee_user_id: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// For targeted assistance: when the cooperative is visited again (phones show it).
    pub revisit_on: Option<NaiveDate>,
    /// For referrals: the body it went to (农业农村, 市场监管, 公安…).
    pub referred_to: Option<String>,
    pub note: Option<String>,
    pub overdue: bool,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// A disposal case: the actions taken on one decided classification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisposalCase {
    pub id: Uuid,
    pub cooperative_id: Uuid,
    pub cooperative_name: String,
    pub region_code: String,
    pub classification_id: Uuid,
    /// The decided state the case acts on.
    pub state: String,
    /// `open` or `closed`.
    pub status: String,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closing_note: Option<String>,
    pub actions: Vec<DisposalAction>,
    /// Open actions past their due date.
    pub overdue_actions: u32,
}

/// One action to plan when opening a case.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionPlan {
    pub action: String,
    pub assignee_user_id: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub revisit_on: Option<NaiveDate>,
    pub referred_to: Option<String>,
    pub note: Option<String>,
}

/// Opening a disposal case on a cooperative's decided classification.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenCase {
    pub cooperative_id: Uuid,
    /// The actions; absent: the classification's recommended actions, without dates.
    pub actions: Option<Vec<ActionPlan>>,
}

/// Changing one action: any field given replaces the stored one.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionUpdate {
    pub status: Option<String>,
    pub assignee_user_id: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub revisit_on: Option<NaiveDate>,
    pub referred_to: Option<String>,
    pub note: Option<String>,
}

/// Closing a case: every action must be done or cancelled.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CloseCase {
    pub note: String,
}

/// Filters of the case list.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct CaseQuery {
    pub region: Option<String>,
    /// `open` or `closed`.
    pub status: Option<String>,
    /// `true`: only cases with an open action past its due date.
    pub overdue: Option<bool>,
    pub cooperative_id: Option<Uuid>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// A rule-set version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleSetVersion {
    pub version: String,
    pub active: bool,
    /// The thresholds, as in the TOML file.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub rules: serde_json::Value,
    /// The same rule set as a TOML file, to edit and install again under a new version.
    #[serde(default)]
    pub rules_toml: String,
    /// The thresholds that are this project's proposals ([P] in RULES.md), not official rules.
    pub proposals: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
}

/// What a re-classification did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClassifyReport {
    pub rule_set_version: String,
    /// Cooperatives read.
    pub cooperatives: u64,
    /// Those whose classification changed (a new one was stored).
    pub changed: u64,
    pub unchanged: u64,
}

/// Counts for one region (district or township).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionCounts {
    pub region_code: String,
    pub region_name: String,
    /// Cooperatives registered in the region.
    pub cooperatives: u64,
    /// Those with a classification.
    pub classified: u64,
    /// By effective state.
    pub by_state: std::collections::BTreeMap<String, u64>,
    /// By raised flag.
    pub by_flag: std::collections::BTreeMap<String, u64>,
    pub decided: u64,
    pub open_cases: u64,
    pub closed_cases: u64,
    pub overdue_actions: u64,
}

/// One month of clean-up progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressPoint {
    /// `YYYY-MM`.
    pub month: String,
    pub decided: u64,
    pub cases_opened: u64,
    pub actions_done: u64,
    pub cases_closed: u64,
}

/// The clean-up report of a subtree.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CleanupReport {
    pub region_code: Option<String>,
    pub total: RegionCounts,
    pub districts: Vec<RegionCounts>,
    pub townships: Vec<RegionCounts>,
    /// Month by month, oldest first.
    pub progress: Vec<ProgressPoint>,
}

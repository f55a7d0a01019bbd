//! Review of merged visits: the queue, a visit's review with its activity, reviewers' actions, conflicts and their
//! resolution, version history and diffs, duplicate merges, and the audit log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::region_code::RegionLevel;

/// A visit's state in review: `pending`, `approved` (by every level), `returned` (for correction) or `rejected`.
pub type ReviewStateCode = String;

/// One visit in the review queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewItem {
    pub visit_id: Uuid,
    pub cooperative_id: Uuid,
    pub cooperative_name: String,
    pub region_code: String,
    /// The region's name with its township, e.g. `高桥镇 › 岐阳村`.
    #[serde(default)]
    pub region_name: Option<String>,
    pub author_user_id: Option<String>,
    pub author_name: Option<String>,
    pub visit_type: Option<String>,
    pub visit_date: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// `pending`, `approved`, `returned` or `rejected`.
    pub state: ReviewStateCode,
    /// While pending: `submitted`, `resubmitted`, `edited_after_approval` or `unapproved`.
    pub pending_reason: Option<String>,
    /// Levels that approved the current content, lowest first.
    pub approved_levels: Vec<RegionLevel>,
    /// The level the visit waits for, while pending.
    pub awaiting_level: Option<RegionLevel>,
    /// The last note to the counsellor (returned) or reason (rejected).
    pub note: Option<String>,
    pub times_returned: u32,
    pub photos_expected: u32,
    pub photos_received: u32,
    pub open_conflicts: u32,
    pub evidence_flags: u32,
    /// The visit's content version; send it back with an action so that a visit changed meanwhile is not decided
    /// unseen.
    pub version: String,
    pub updated_at: DateTime<Utc>,
}

/// Filters of the review queue (all optional; combined with AND).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ReviewQuery {
    /// `pending` (default), `approved`, `returned`, `rejected` or `all`.
    pub state: Option<String>,
    /// `submitted`, `resubmitted`, `edited_after_approval` or `unapproved`.
    pub pending_reason: Option<String>,
    /// Only visits waiting for this level; `mine` for the caller's own level.
    pub awaiting: Option<String>,
    /// The counsellor (author) user id.
    pub counsellor: Option<String>,
    pub cooperative_id: Option<Uuid>,
    /// A region code: visits of cooperatives in its subtree.
    pub region: Option<String>,
    /// Only visits with (true) or without (false) open conflicts.
    pub conflicts: Option<bool>,
    /// Only visits with (true) or without (false) evidence flags.
    pub flags: Option<bool>,
    /// Only visits with (true) or without (false) photos still missing.
    pub missing_photos: Option<bool>,
    /// Cooperative name (any part) or unified social credit code (any part).
    pub q: Option<String>,
    /// `baseline`, `routine`, `star_recheck`, `follow_up` or `complaint_check`.
    pub visit_type: Option<String>,
    /// Visits dated on or after this day (`YYYY-MM-DD`).
    pub visit_date_from: Option<String>,
    /// Visits dated on or before this day (`YYYY-MM-DD`).
    pub visit_date_to: Option<String>,
    /// Order: `created` (default: the order visits were made), `visit_date`, `submitted_at` or `cooperative`;
    /// a leading `-` reverses it. Pages of another order than `created` are positioned by count, so a visit that
    /// changes place meanwhile may show twice or not at all.
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// How many visits match the queue's filters, by state (the `state` filter itself is ignored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewCounts {
    pub pending: u64,
    pub approved: u64,
    pub returned: u64,
    pub rejected: u64,
    /// All four together.
    pub all: u64,
    /// Pending visits waiting for the caller's own level (absent for callers who do not review).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awaiting_mine: Option<u64>,
}

/// A reviewer's decision on one visit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReviewDecision {
    /// Required to return (what to fix) or reject (why); optional otherwise.
    #[serde(default)]
    pub note: Option<String>,
    /// The level to act at; supervisors act at their own, administrators may name any configured level.
    #[serde(default)]
    pub level: Option<RegionLevel>,
    /// The `version` the reviewer looked at; if the visit changed since, the decision is refused (`review_stale`).
    #[serde(default)]
    pub version: Option<String>,
}

/// Approve many visits at once, each as if approved alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkApproval {
    pub visit_ids: Vec<Uuid>,
    #[serde(default)]
    pub level: Option<RegionLevel>,
}

/// The outcome for one visit of a bulk approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkOutcome {
    pub visit_id: Uuid,
    /// The visit's state afterwards, when the approval applied.
    pub state: Option<ReviewStateCode>,
    /// The error code when it did not (e.g. `review_not_your_turn`).
    pub error: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkApprovalResult {
    pub approved: u32,
    pub outcomes: Vec<BulkOutcome>,
}

/// A comment on a visit in review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    pub note: String,
}

/// One entry of a visit's or cooperative's activity feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityEntry {
    pub at: DateTime<Utc>,
    /// `submitted`, `resubmitted`, `edited_after_approval`, `approved`, `unapproved`, `returned`, `rejected`,
    /// `comment`, `conflict_detected`, `conflict_resolved`, `photo_arrived`.
    pub kind: String,
    pub visit_id: Option<Uuid>,
    pub level: Option<RegionLevel>,
    pub note: Option<String>,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub device_id: Option<String>,
    /// What the entry is about: a field path, a photo hash.
    pub subject: Option<String>,
}

/// A visit as a reviewer opens it: its review, content, conflicts and activity. Photos are at
/// `/visits/{id}/photos`, history at `/visits/{id}/history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitReview {
    pub review: ReviewItem,
    /// The visit as the document holds it (RULES.md §4 field names).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub visit: serde_json::Value,
    pub conflicts: Vec<ConflictInfo>,
    /// Concurrent edits of different fields of this visit (soft information; conflicts are listed above).
    pub parallel_updates: Vec<ParallelUpdate>,
    pub activity: Vec<ActivityEntry>,
    /// Whether the caller may decide it, and at which level.
    pub acting_level: Option<RegionLevel>,
}

/// One value of a conflicted field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConflictCandidate {
    #[cfg_attr(feature = "openapi", schema(value_type = Value))]
    pub value: serde_json::Value,
    pub actor: Option<String>,
    pub device_id: Option<String>,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    /// When the server received the change that wrote it, and when the device says it was made.
    pub received_at: Option<DateTime<Utc>>,
    pub claimed_at: Option<DateTime<Utc>>,
}

/// A field that devices changed concurrently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConflictInfo {
    pub id: Uuid,
    pub cooperative_id: Uuid,
    #[serde(default)]
    pub cooperative_name: Option<String>,
    /// The visit the field belongs to, when it is a visit's.
    pub visit_id: Option<Uuid>,
    /// Dotted path from the document root, e.g. `profile.member_count`.
    pub path: String,
    pub candidates: Vec<ConflictCandidate>,
    pub detected_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub resolution: Option<serde_json::Value>,
}

/// Filters of the conflict list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ConflictQuery {
    pub cooperative_id: Option<Uuid>,
    pub visit_id: Option<Uuid>,
    /// `open` (default), `resolved` or `all`.
    pub state: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// How to settle a conflict: keep one candidate (by position) or enter a new value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConflictResolution {
    #[serde(default)]
    pub candidate: Option<usize>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Value>))]
    pub value: Option<serde_json::Value>,
    #[serde(default)]
    pub note: Option<String>,
}

/// One version of a visit: a change that touched it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitVersion {
    /// The change hash; name it as `from` or `to` of a diff.
    pub version: String,
    /// Who: from the actor binding (never what the change claims). The server's own changes have no device.
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub device_id: Option<String>,
    pub by_server: bool,
    pub received_at: Option<DateTime<Utc>>,
    /// The device's clock when it made the change.
    pub claimed_at: Option<DateTime<Utc>>,
    /// Fields it wrote, relative to the record (the visit, or the profile).
    pub fields: Vec<String>,
}

/// Two devices changed different fields of one record at once (neither had seen the other's change). It merged
/// without a conflict; shown so that a reviewer can check that the two edits fit together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParallelUpdate {
    pub first: VisitVersion,
    pub second: VisitVersion,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitHistory {
    pub visit_id: Uuid,
    /// Oldest first.
    pub versions: Vec<VisitVersion>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DiffQuery {
    /// A version from the history; absent: before the visit existed.
    pub from: Option<String>,
    /// A version from the history; absent: the current one.
    pub to: Option<String>,
}

/// One field that differs between two versions, and who changed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    /// Relative to the visit, e.g. `membership.members_total`.
    pub path: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Value>))]
    pub before: Option<serde_json::Value>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Value>))]
    pub after: Option<serde_json::Value>,
    pub changed_by: Vec<VisitVersion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitDiff {
    pub visit_id: Uuid,
    pub from: Option<String>,
    pub to: String,
    pub fields: Vec<FieldChange>,
}

/// Two cooperatives flagged as the same (one credit code, created offline by two phones).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DuplicateCandidate {
    pub id: Uuid,
    pub uscc: String,
    /// The later entry, created on a phone.
    pub cooperative_id: Uuid,
    pub cooperative_name: String,
    /// The entry it duplicates.
    pub duplicate_of: Uuid,
    pub duplicate_of_name: String,
    pub detected_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// `merged` or `dismissed`.
    pub outcome: Option<String>,
}

/// Merge a duplicate: `survivor` (one of the pair; default the entry duplicated) keeps its id, the other's visits
/// move into it, and the other id redirects to it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MergeDuplicate {
    #[serde(default)]
    pub survivor: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MergeResult {
    pub survivor: Uuid,
    pub merged: Uuid,
    /// Visits carried over into the survivor.
    pub visits_moved: Vec<Uuid>,
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<String>,
    pub actor_device_id: Option<String>,
    /// e.g. `review.approved`, `conflict.resolve`, `cooperative.merge`, `user.create`.
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub before: Option<serde_json::Value>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AuditQuery {
    pub actor: Option<String>,
    /// An action or a prefix ending in `.`, e.g. `review.`.
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// RFC 3339 bounds on the time.
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Export only: `csv` (default) or `xlsx`.
    pub format: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// Where visits stand in review for one region (DHIS2's approval tree): relative to the caller's own level, and by
/// the level each pending visit waits for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegionApproval {
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    /// Whether the region has regions below it to open.
    pub has_children: bool,
    /// Pending visits waiting for the caller's level.
    pub ready_for_me: u64,
    /// Pending visits still waiting for a level below the caller's.
    pub waiting_below: u64,
    /// Pending visits the caller's level approved, waiting for a level above.
    pub waiting_above: u64,
    /// Approved by every level.
    pub approved: u64,
    pub returned: u64,
    pub rejected: u64,
    /// Pending visits by the level they wait for (`township`, `county`, …).
    pub pending_by_level: std::collections::BTreeMap<String, u64>,
}

/// Approval status of the regions below `parent` (or of the caller's own regions).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalTree {
    /// The caller's review level; `ready_for_me`, `waiting_below` and `waiting_above` are relative to it (all zero
    /// for callers without one).
    pub my_level: Option<RegionLevel>,
    pub parent: Option<String>,
    pub regions: Vec<RegionApproval>,
}

/// A cooperative on the map, at its registered location (WGS-84).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapCooperative {
    pub id: Uuid,
    pub name: String,
    pub latitude: f64,
    pub longitude: f64,
}

/// A submitted visit on the map, where the phone recorded it (WGS-84).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapVisit {
    pub visit_id: Uuid,
    pub cooperative_id: Uuid,
    pub cooperative_name: String,
    pub latitude: f64,
    pub longitude: f64,
    pub visit_date: Option<String>,
    /// `pending`, `approved`, `returned` or `rejected`.
    pub state: Option<String>,
    pub evidence_flags: u32,
}

/// What the map of the caller's regions shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapPoints {
    pub cooperatives: Vec<MapCooperative>,
    pub visits: Vec<MapVisit>,
    /// The tile URL template the deployment configured (`{z}/{x}/{y}`); absent: plot on a blank ground.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tile_url: Option<String>,
}

//! The supervisor's side of the API: the review queue, decisions, conflicts, history, duplicates and the audit log.

use uuid::Uuid;

use super::api::{ApiClient, query_pairs};
use super::error::ClientError;
use crate::Page;
use crate::reviews::{
    ActivityEntry, AuditEntry, AuditQuery, BulkApproval, BulkApprovalResult, ConflictInfo,
    ConflictQuery, ConflictResolution, DiffQuery, DuplicateCandidate, MergeDuplicate, MergeResult,
    NewComment, ParallelUpdate, ReviewCounts, ReviewDecision, ReviewItem, ReviewQuery, VisitDiff,
    VisitHistory, VisitReview,
};

impl ApiClient {
    pub fn review_queue(&self, query: &ReviewQuery) -> Result<Page<ReviewItem>, ClientError> {
        self.get("/api/v1/reviews", &query_pairs(query))
    }

    /// How many visits match the queue's filters, by state.
    pub fn review_counts(&self, query: &ReviewQuery) -> Result<ReviewCounts, ClientError> {
        self.get("/api/v1/reviews/counts", &query_pairs(query))
    }

    pub fn visit_review(&self, visit_id: Uuid) -> Result<VisitReview, ClientError> {
        self.get(&format!("/api/v1/visits/{visit_id}/review"), &[])
    }

    /// `decision` is `approve`, `unapprove`, `return` or `reject`.
    pub fn decide_visit(
        &self,
        visit_id: Uuid,
        decision: &str,
        body: &ReviewDecision,
    ) -> Result<ReviewItem, ClientError> {
        self.post(
            &format!("/api/v1/visits/{visit_id}/review/{decision}"),
            body,
        )
    }

    pub fn bulk_approve(&self, approval: &BulkApproval) -> Result<BulkApprovalResult, ClientError> {
        self.post("/api/v1/reviews/approve", approval)
    }

    pub fn comment_on_visit(
        &self,
        visit_id: Uuid,
        note: &str,
    ) -> Result<Vec<ActivityEntry>, ClientError> {
        let comment = NewComment {
            note: note.to_owned(),
        };
        self.post(&format!("/api/v1/visits/{visit_id}/comments"), &comment)
    }

    pub fn visit_activity(&self, visit_id: Uuid) -> Result<Vec<ActivityEntry>, ClientError> {
        self.get(&format!("/api/v1/visits/{visit_id}/activity"), &[])
    }

    pub fn cooperative_activity(
        &self,
        cooperative_id: Uuid,
    ) -> Result<Vec<ActivityEntry>, ClientError> {
        self.get(
            &format!("/api/v1/cooperatives/{cooperative_id}/activity"),
            &[],
        )
    }

    /// Concurrent edits of different fields of a cooperative's profile.
    pub fn profile_parallel_updates(
        &self,
        cooperative_id: Uuid,
    ) -> Result<Vec<ParallelUpdate>, ClientError> {
        self.get(
            &format!("/api/v1/cooperatives/{cooperative_id}/parallel-updates"),
            &[],
        )
    }

    pub fn visit_history(&self, visit_id: Uuid) -> Result<VisitHistory, ClientError> {
        self.get(&format!("/api/v1/visits/{visit_id}/history"), &[])
    }

    pub fn visit_diff(&self, visit_id: Uuid, query: &DiffQuery) -> Result<VisitDiff, ClientError> {
        self.get(
            &format!("/api/v1/visits/{visit_id}/diff"),
            &query_pairs(query),
        )
    }

    pub fn conflicts(&self, query: &ConflictQuery) -> Result<Page<ConflictInfo>, ClientError> {
        self.get("/api/v1/conflicts", &query_pairs(query))
    }

    pub fn resolve_conflict(
        &self,
        conflict_id: Uuid,
        resolution: &ConflictResolution,
    ) -> Result<ConflictInfo, ClientError> {
        self.post(
            &format!("/api/v1/conflicts/{conflict_id}/resolve"),
            resolution,
        )
    }

    pub fn duplicates(&self) -> Result<Page<DuplicateCandidate>, ClientError> {
        self.get("/api/v1/duplicates", &[])
    }

    pub fn merge_duplicate(
        &self,
        pair_id: Uuid,
        merge: &MergeDuplicate,
    ) -> Result<MergeResult, ClientError> {
        self.post(&format!("/api/v1/duplicates/{pair_id}/merge"), merge)
    }

    pub fn dismiss_duplicate(&self, pair_id: Uuid) -> Result<DuplicateCandidate, ClientError> {
        self.post(&format!("/api/v1/duplicates/{pair_id}/dismiss"), &())
    }

    pub fn audit_log(&self, query: &AuditQuery) -> Result<Page<AuditEntry>, ClientError> {
        self.get("/api/v1/audit", &query_pairs(query))
    }
}

//! The append-only audit log: who (user and device, from the session), when, what, and the state before and after.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::db::schema::audit_log;
use crate::models::Who;

/// Declares the audit vocabulary: each action with its stored name.
macro_rules! actions {
    ($($variant:ident => $name:literal,)*) => {
        /// What an audit row says was done. The names are the ones the log has always stored (and its `action` filter
        /// matches by prefix, e.g. `review.`), so existing rows keep their meaning; every action is listed here once.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }
        }
    };
}

actions! {
    SessionCreate => "session.create",
    SessionRevoke => "session.revoke",
    UserCreate => "user.create",
    UserUpdate => "user.update",
    UserPasswordChange => "user.password_change",
    UserLocked => "user.locked",
    DeviceRegister => "device.register",
    DeviceRevoke => "device.revoke",
    QuarantineRelease => "quarantine.release",
    RegionsImport => "regions.import",
    ImportRegistryFacts => "import.registry_facts",
    ImportComplaints => "import.complaints",
    ImportTargets => "import.targets",
    CooperativeCreate => "cooperative.create",
    CooperativeUpdate => "cooperative.update",
    CooperativeFieldCreate => "cooperative.field_create",
    CooperativeImportInsert => "cooperative.import_insert",
    CooperativeImportUpdate => "cooperative.import_update",
    CooperativeMerge => "cooperative.merge",
    CooperativeDuplicateDismiss => "cooperative.duplicate_dismiss",
    ResponsibilityAssigned => "responsibility.assigned",
    ResponsibilityEnded => "responsibility.ended",
    MetricValueEntered => "target.value_entered",
    TargetCatalogueInstalled => "target.catalogue_installed",
    MonthlyReportFiled => "report.filed",
    MonthlyReportAcknowledged => "report.acknowledged",
    MonthlyReportReturned => "report.returned",
    ConflictResolve => "conflict.resolve",
    DocumentChangesAccepted => "document.changes_accepted",
    DocumentOrphansDropped => "document.orphans_dropped",
    ReviewComment => "review.comment",
    ReviewApproved => "review.approved",
    ReviewUnapproved => "review.unapproved",
    ReviewReturned => "review.returned",
    ReviewRejected => "review.rejected",
    CleanupRulesInstalled => "cleanup.rules_installed",
    CleanupConfirmed => "cleanup.confirmed",
    CleanupOverridden => "cleanup.overridden",
    CleanupCaseOpened => "cleanup.case_opened",
    CleanupCaseClosed => "cleanup.case_closed",
    CleanupActionUpdated => "cleanup.action_updated",
    StarModelInstalled => "star.model_installed",
    StarCampaignOpened => "star.campaign_opened",
    StarCampaignClosed => "star.campaign_closed",
    StarApplicationFiled => "star.application_filed",
    StarManualScored => "star.manual_scored",
    StarReviewConfirm => "star.review.confirm",
    StarReviewReject => "star.review.reject",
    StarReviewFalsified => "star.review.falsified",
    StarEventRecorded => "star.event_recorded",
    StarRevoked => "star.revoked",
}

pub struct Entry<'a> {
    pub action: Action,
    pub entity_type: &'a str,
    /// A typed id or a name (a setting, a campaign code).
    pub entity_id: &'a dyn std::fmt::Display,
}

pub fn record<B: Serialize, A: Serialize>(
    conn: &mut DbConn,
    actor: &Who,
    entry: Entry<'_>,
    before: Option<&B>,
    after: Option<&A>,
) -> QueryResult<()> {
    let before_json = before.and_then(|b| serde_json::to_string(b).ok());
    let after_json = after.and_then(|a| serde_json::to_string(a).ok());
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(super::now()),
            audit_log::actor_user_id.eq(actor.user_id),
            audit_log::actor_device_id.eq(actor.device_id),
            audit_log::action.eq(entry.action.as_str()),
            audit_log::entity_type.eq(entry.entity_type),
            audit_log::entity_id.eq(entry.entity_id.to_string()),
            audit_log::before_json.eq(before_json),
            audit_log::after_json.eq(after_json),
        ))
        .execute(conn)?;
    Ok(())
}

/// No before/after state.
pub const NONE: Option<&()> = None;

#[cfg(test)]
mod tests {
    use super::Action;

    #[test]
    fn every_action_has_its_own_name() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count);
    }
}

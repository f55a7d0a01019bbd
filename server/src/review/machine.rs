//! The review state machine of one visit, without storage:
//!
//! ```text
//! (submitted) → pending ─approve at each level, lowest first─→ approved
//!                 │  ↑                                          │
//!                 │  └── unapprove, highest level first ────────┘
//!                 ├─ return (with a note) → returned ─(author resubmits)→ pending (resubmitted)
//!                 └─ reject (with a reason) → rejected (final)
//! approved, or approved at some levels, + an edit from the phone → pending (edited after approval)
//! ```

use hezuo_mobile_api::RegionLevel;
use hezuo_sync::model::{PendingReason, ReviewState};

use super::levels::ReviewLevels;

/// Where a visit stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub state: ReviewState,
    pub pending_reason: Option<PendingReason>,
    /// Levels that approved the current content, lowest first.
    pub approved_levels: Vec<RegionLevel>,
    pub note: Option<String>,
    pub times_returned: u32,
}

impl Status {
    pub fn submitted() -> Self {
        Self {
            state: ReviewState::Pending,
            pending_reason: Some(PendingReason::Submitted),
            approved_levels: Vec::new(),
            note: None,
            times_returned: 0,
        }
    }

    /// The level a pending visit waits for.
    pub fn awaiting(&self, levels: &ReviewLevels) -> Option<RegionLevel> {
        match self.state {
            ReviewState::Pending => levels.after(self.approved_levels.len()),
            _ => None,
        }
    }

    fn reopened(&self, reason: PendingReason) -> Self {
        Self {
            state: ReviewState::Pending,
            pending_reason: Some(reason),
            approved_levels: Vec::new(),
            note: self.note.clone(),
            times_returned: self.times_returned,
        }
    }
}

/// What a reviewer does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Approve,
    Unapprove,
    Return { note: String },
    Reject { note: String },
}

/// Why an action does not apply; each maps to a stable error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Only pending visits are approved, returned or rejected.
    NotPending(ReviewState),
    /// A higher level acts only after the lower ones approved.
    NotYourTurn { awaiting: RegionLevel },
    /// Unapproval goes from the highest approved level down.
    UnapproveFromTop { highest: RegionLevel },
    /// This level has not approved the visit.
    NotApproved,
    /// A level that approved must unapprove before the visit can be returned or rejected below a higher approval.
    ApprovedAbove { highest: RegionLevel },
}

/// What an action leads to. `None` means it changes nothing (the same approval again: a retried request).
pub fn decide(
    status: &Status,
    action: &Action,
    level: RegionLevel,
    levels: &ReviewLevels,
) -> Result<Option<Status>, Refused> {
    let approved = status.approved_levels.len();
    let position = levels.index_of(level).unwrap_or(usize::MAX);
    match action {
        Action::Approve => {
            if status.approved_levels.contains(&level) {
                return Ok(None);
            }
            if status.state != ReviewState::Pending {
                return Err(Refused::NotPending(status.state));
            }
            if position != approved {
                let awaiting = levels.after(approved).unwrap_or(level);
                return Err(Refused::NotYourTurn { awaiting });
            }
            let mut next = status.clone();
            next.approved_levels.push(level);
            if next.approved_levels.len() == levels.all().len() {
                next.state = ReviewState::Approved;
                next.pending_reason = None;
            }
            Ok(Some(next))
        }
        Action::Unapprove => match status.approved_levels.last() {
            Some(highest) if *highest == level => {
                let mut next = status.clone();
                next.approved_levels.pop();
                next.state = ReviewState::Pending;
                next.pending_reason = Some(PendingReason::Unapproved);
                Ok(Some(next))
            }
            Some(highest) if status.approved_levels.contains(&level) => {
                Err(Refused::UnapproveFromTop { highest: *highest })
            }
            _ => Err(Refused::NotApproved),
        },
        Action::Return { note } | Action::Reject { note } => {
            if status.state != ReviewState::Pending {
                return Err(Refused::NotPending(status.state));
            }
            if let Some(highest) = status.approved_levels.last()
                && levels.index_of(*highest).unwrap_or(0) >= position
            {
                return Err(Refused::ApprovedAbove { highest: *highest });
            }
            let returned = matches!(action, Action::Return { .. });
            Ok(Some(Status {
                state: if returned {
                    ReviewState::Returned
                } else {
                    ReviewState::Rejected
                },
                pending_reason: None,
                approved_levels: Vec::new(),
                note: Some(note.clone()),
                times_returned: status.times_returned + u32::from(returned),
            }))
        }
    }
}

/// What the author's change to a reviewed visit leads to: a returned visit submitted again goes back to the queue; a
/// visit that any level approved reopens; anything else only records the new content.
pub fn after_edit(status: &Status, resubmitted: bool) -> Option<Status> {
    match status.state {
        ReviewState::Returned if resubmitted => Some(status.reopened(PendingReason::Resubmitted)),
        ReviewState::Approved | ReviewState::Pending if !status.approved_levels.is_empty() => {
            Some(status.reopened(PendingReason::EditedAfterApproval))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOWNSHIP: RegionLevel = RegionLevel::Township;
    const COUNTY: RegionLevel = RegionLevel::County;

    fn run(status: &Status, action: Action, level: RegionLevel) -> Result<Status, Refused> {
        decide(status, &action, level, &ReviewLevels::default())
            .map(|next| next.unwrap_or_else(|| status.clone()))
    }

    #[test]
    fn approval_goes_township_then_county() {
        let submitted = Status::submitted();
        assert_eq!(
            run(&submitted, Action::Approve, COUNTY),
            Err(Refused::NotYourTurn { awaiting: TOWNSHIP })
        );
        let township = run(&submitted, Action::Approve, TOWNSHIP).expect("township");
        assert_eq!(township.state, ReviewState::Pending);
        assert_eq!(township.awaiting(&ReviewLevels::default()), Some(COUNTY));
        assert_eq!(
            decide(
                &township,
                &Action::Approve,
                TOWNSHIP,
                &ReviewLevels::default()
            ),
            Ok(None),
            "approving twice is a no-op"
        );
        let county = run(&township, Action::Approve, COUNTY).expect("county");
        assert_eq!(county.state, ReviewState::Approved);
        assert_eq!(county.approved_levels, vec![TOWNSHIP, COUNTY]);
    }

    #[test]
    fn unapproval_goes_top_down() {
        let approved = run(
            &run(&Status::submitted(), Action::Approve, TOWNSHIP).expect("township"),
            Action::Approve,
            COUNTY,
        )
        .expect("county");
        assert_eq!(
            run(&approved, Action::Unapprove, TOWNSHIP),
            Err(Refused::UnapproveFromTop { highest: COUNTY })
        );
        let county_withdrawn = run(&approved, Action::Unapprove, COUNTY).expect("county");
        assert_eq!(county_withdrawn.state, ReviewState::Pending);
        assert_eq!(
            county_withdrawn.pending_reason,
            Some(PendingReason::Unapproved)
        );
        let township_withdrawn =
            run(&county_withdrawn, Action::Unapprove, TOWNSHIP).expect("township");
        assert!(township_withdrawn.approved_levels.is_empty());
        assert_eq!(
            run(&township_withdrawn, Action::Unapprove, TOWNSHIP),
            Err(Refused::NotApproved)
        );
    }

    #[test]
    fn return_resubmit_and_edits_after_approval() {
        let note = "请补拍账本".to_owned();
        let returned = run(
            &Status::submitted(),
            Action::Return { note: note.clone() },
            TOWNSHIP,
        )
        .expect("return");
        assert_eq!(returned.state, ReviewState::Returned);
        assert_eq!(returned.times_returned, 1);
        assert_eq!(after_edit(&returned, false), None, "still being fixed");
        let resubmitted = after_edit(&returned, true).expect("resubmitted");
        assert_eq!(resubmitted.pending_reason, Some(PendingReason::Resubmitted));
        assert_eq!(resubmitted.note, Some(note));

        let township = run(&resubmitted, Action::Approve, TOWNSHIP).expect("approve");
        assert_eq!(
            run(&township, Action::Reject { note: "x".into() }, TOWNSHIP),
            Err(Refused::ApprovedAbove { highest: TOWNSHIP })
        );
        assert!(run(&township, Action::Return { note: "y".into() }, COUNTY).is_ok());
        let reopened = after_edit(&township, false).expect("reopened");
        assert_eq!(
            reopened.pending_reason,
            Some(PendingReason::EditedAfterApproval)
        );
        assert!(reopened.approved_levels.is_empty());
        assert_eq!(after_edit(&Status::submitted(), false), None);
        let rejected = run(
            &Status::submitted(),
            Action::Reject { note: "z".into() },
            COUNTY,
        )
        .expect("reject");
        assert_eq!(
            run(&rejected, Action::Approve, TOWNSHIP),
            Err(Refused::NotPending(ReviewState::Rejected))
        );
    }
}

//! Where a disposal case and its actions stand, as stored (`db::code`: an unknown status is a read error).

use serde::Serialize;

/// A case is open until every action is done or cancelled and it is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Closed,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Self::Open, Self::Closed]
            .into_iter()
            .find(|status| status.as_str() == code)
    }
}

/// One disposal action of a case (RULES.md §1.4), as the counsellor or supervisor tracks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Planned,
    InProgress,
    /// Handed to another authority (market regulation, public security).
    Referred,
    Done,
    Cancelled,
}

impl ActionStatus {
    pub const ALL: [Self; 5] = [
        Self::Planned,
        Self::InProgress,
        Self::Referred,
        Self::Done,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::InProgress => "in_progress",
            Self::Referred => "referred",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Planned => "待办",
            Self::InProgress => "办理中",
            Self::Referred => "已移交",
            Self::Done => "已完成",
            Self::Cancelled => "已取消",
        }
    }

    /// Done or cancelled: nothing more to do, so it neither blocks closing the case nor falls overdue.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Cancelled)
    }
}

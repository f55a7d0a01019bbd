//! Where a star campaign and an application stand, as stored (`db::code`: an unknown status is a read error).

use serde::Serialize;

/// A campaign takes applications, scores and decisions until it is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    Open,
    Closed,
}

impl CampaignStatus {
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

/// An application is in review until the last level decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    InReview,
    Rated,
    NotRated,
    /// Found to rest on falsified evidence (RULES.md §2.4, 弄虚作假): no star, and a bar on applying again.
    Falsified,
}

impl ApplicationStatus {
    const ALL: [Self; 4] = [Self::InReview, Self::Rated, Self::NotRated, Self::Falsified];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InReview => "in_review",
            Self::Rated => "rated",
            Self::NotRated => "not_rated",
            Self::Falsified => "falsified",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == code)
    }

    /// How the console and the exports name it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::InReview => "评审中",
            Self::Rated => "已评定",
            Self::NotRated => "未评定",
            Self::Falsified => "弄虚作假",
        }
    }
}

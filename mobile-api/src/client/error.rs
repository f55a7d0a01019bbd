use crate::error::{ErrorCode, Problem};

/// What went wrong with a call.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with a problem document.
    #[error("{0}")]
    Api(Box<Problem>),
    /// No answer: no link, a dropped connection or a timeout. Safe to retry later.
    #[error("network unavailable: {0}")]
    Transport(String),
    /// The server answered with something that is not what the API promises.
    #[error("unexpected response (HTTP {status}): {message}")]
    Protocol { status: u16, message: String },
    /// The phone has no session; log in first.
    #[error("not logged in")]
    NotLoggedIn,
    #[error("local storage: {0}")]
    Storage(#[from] std::io::Error),
    /// The change breaks a rule of the trust boundary; the server would refuse it, so it was not saved.
    #[error("{}", .0.message_zh)]
    Refused(hezuo_sync::trust::Refusal),
    /// A request the phone cannot make (e.g. an unknown cooperative or visit).
    #[error("{0}")]
    Invalid(String),
}

impl ClientError {
    /// Whether the same call may succeed later without any change.
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Transport(_) => true,
            ClientError::Api(problem) => problem.code.is_retryable(),
            ClientError::Protocol { status, .. } => *status >= 500,
            ClientError::NotLoggedIn
            | ClientError::Storage(_)
            | ClientError::Refused(_)
            | ClientError::Invalid(_) => false,
        }
    }

    /// The stable code of a server-side refusal.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api(problem) => Some(problem.code),
            _ => None,
        }
    }

    pub fn problem(&self) -> Option<&Problem> {
        match self {
            ClientError::Api(problem) => Some(problem),
            _ => None,
        }
    }
}

//! Who made a change: the one answer the audit log, the document's change rows and review activity share.

use serde::Serialize;

/// A person, on a registered device or not; neither for the server itself (a command-line job, a rule applied on its
/// own).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Who {
    pub user_id: Option<String>,
    pub device_id: Option<String>,
}

impl Who {
    /// The server acting on its own.
    pub fn system() -> Self {
        Self::default()
    }

    /// A person; `device_id` empty or absent when the session has no registered device.
    pub fn person(user_id: &str, device_id: Option<&str>) -> Self {
        Self {
            user_id: Some(user_id.to_owned()),
            device_id: device_id.filter(|d| !d.is_empty()).map(str::to_owned),
        }
    }
}

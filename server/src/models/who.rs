//! Who made a change: the one answer the audit log, the document's change rows and review activity share.

use serde::Serialize;

use crate::db::id::{DeviceId, UserId};

/// A person, on a registered device or not; neither for the server itself (a command-line job, a rule applied on its
/// own).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Who {
    pub user_id: Option<UserId>,
    pub device_id: Option<DeviceId>,
}

impl Who {
    /// The server acting on its own.
    pub fn system() -> Self {
        Self::default()
    }

    /// A person, on the registered device a session has, if it has one.
    pub fn person(user_id: UserId, device_id: Option<DeviceId>) -> Self {
        Self {
            user_id: Some(user_id),
            device_id,
        }
    }
}

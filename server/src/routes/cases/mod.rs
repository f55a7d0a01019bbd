//! Disposal cases: opened on a decided classification with the recommended (or chosen) actions, each action tracked
//! to completion, overdue ones listed, and the case closed when every action is done or cancelled (the domain side is
//! `cleanup::disposal`).

pub mod close;
pub mod list;
pub mod open;
pub mod update_action;

use crate::validate::Checks;

/// Checks free-text fields of an action plan or update.
pub fn check_text(checks: &mut Checks, field: &str, value: Option<&str>) -> Option<String> {
    value.and_then(|v| checks.optional_text(field, Some(v), 500))
}

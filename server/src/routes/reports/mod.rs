//! Reports for administrators and supervisors.

pub mod monthly;

//! Reports for administrators and supervisors: the monthly figures, and the monthly reporting cycle of townships and
//! counties.

pub mod monthly;
pub mod status;
pub mod unit_act;
pub mod unit_export;
pub mod unit_get;
pub mod unit_save;

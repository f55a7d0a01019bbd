//! The console's map of cooperatives and visits.

pub mod points;

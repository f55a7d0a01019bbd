//! Cooperatives entered twice (the same credit code created offline by two phones): supervisors list and merge them
//! (the domain side is `review::duplicates`).

pub mod dismiss;
pub mod list;
pub mod merge;

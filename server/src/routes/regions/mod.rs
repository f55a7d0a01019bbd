//! Reading the region tree. Region names and codes are public (GB/T 2260), so every logged-in user may read all of it.

pub mod get;
pub mod list;

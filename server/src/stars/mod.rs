//! Star ratings (星级评定, RULES.md §2): scoring models read from TOML and versioned, yearly campaigns, applications
//! scored from approved evidence with reviewers' manual scores, the review by level, revocation events and bars, the
//! star history, and what phones learn of it.

pub mod applications;
pub mod campaigns;
pub mod engine;
pub mod exports;
pub mod model;
pub mod phone;
pub mod revocation;
pub mod status;
pub mod store;
pub mod subject;
pub mod view;

pub use model::OrgKind;

#[cfg(test)]
mod tests;

//! Star ratings (星级评定, RULES.md §2): scoring models read from TOML, the subject an application is scored on, and
//! the pure engine that scores it. Work in progress for issue 8: campaigns, applications, review by level, revocation,
//! targets and exports are not built yet.

pub mod engine;
pub mod model;
pub mod subject;

#[cfg(test)]
mod tests;

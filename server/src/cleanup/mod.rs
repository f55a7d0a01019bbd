//! Shell-cooperative clean-up (RULES.md §1): a versioned rule set, the engine that classifies a cooperative from its
//! approved visits, registry facts and complaints, the stored classifications with the human decision on each,
//! disposal cases, what phones learn (re-visits) and the reports.

pub mod cases;
pub mod decision;
pub mod disposal;
pub mod engine;
pub mod phone;
pub mod report;
pub mod rule_sets;
pub mod rules;
pub mod status;
pub mod store;
pub mod view;

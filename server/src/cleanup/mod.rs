//! Shell-cooperative clean-up (issue 7, RULES.md §1): a versioned rule set and the engine that classifies a
//! cooperative from its approved visits and registry facts. Work in progress: the engine and rule set are here and
//! unit-tested; storage, the API, disposal cases and reports are not built yet.

pub mod engine;
pub mod rules;

//! Conflicted fields (concurrent values kept by automerge) and their resolution by a supervisor (the domain side is
//! `review::conflicts`).

pub mod list;
pub mod resolve;

//! Visits as the server projects them from the documents.

pub mod photos;

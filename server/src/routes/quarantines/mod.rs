//! Devices put on hold for a document after refused changes: admins list them and release them (the rows are
//! `models::quarantines`).

pub mod list;
pub mod release;

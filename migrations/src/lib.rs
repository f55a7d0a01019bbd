//! SQL migrations for both backends, embedded in the binary.
//!
//! `sqlite/` and `postgres/` hold the same version names; each pair creates the same portable schema
//! (BigInt, Text, Binary, Bool and naive-UTC Timestamp columns only), so one diesel `schema.rs` serves both.

use diesel_migrations::{EmbeddedMigrations, embed_migrations};

pub const SQLITE: EmbeddedMigrations = embed_migrations!("sqlite");
pub const POSTGRES: EmbeddedMigrations = embed_migrations!("postgres");

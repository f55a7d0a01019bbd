//! The typed document model.

#[macro_use]
mod macros;
pub mod describe;
pub mod field;
pub mod schema;
pub mod values;
pub mod vocab;

pub use schema::*;
pub use values::{Day, Percent, PhotoHash};
pub use vocab::*;

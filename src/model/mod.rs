//! The data model: table schemas, dictionary encoding, narrow key columns, dates, and
//! the star schema.

pub mod date;
pub mod dict;
pub mod keys;
pub mod schema;
pub mod star;

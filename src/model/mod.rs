//! The data model: table schemas, dictionary encoding, dates, and the star schema.

pub mod date;
pub mod dict;
pub mod schema;
pub mod star;

//! The data model: table schemas, dictionary encoding, narrow key columns, dates, and
//! the star schema with the row operations that fill it.
//!
//! The model is the bottom layer: it imports nothing of ingest or transform. Committing
//! a staged file (decoding its text, deriving the channel, counting warnings) is the
//! transform's last step, which writes rows through the tables' `put_row`, so a table's
//! declaration here stays the one place that knows its columns and its key.

pub mod columns;
pub mod date;
pub mod dict;
pub mod idtable;
pub mod keys;
pub mod platforms;
mod row_index;
pub mod schema;
pub mod star;
mod star_table;
mod table_memory;

//! The warehouse written out and read back: the SQLite export read by SQLite, Parquet
//! read by an independent reader (and files from pyarrow and DuckDB loaded), and
//! snapshots restored exactly or refused whole.
//!
//! One binary per area (see tests/ingest.rs); these modules are tests/exports/*.rs.

mod common;
// Only the SQLite export's tests use it (see exports/sqlite.rs).
#[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
mod sql_common;

// Declared in this block, the modules are tests/exports/*.rs.
mod exports {
    mod parquet;
    mod snapshot;
    mod sqlite;
}

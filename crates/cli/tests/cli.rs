//! The `bi-platform` command as a process: `report` and `generate` (exit codes, JSON,
//! never a panic), `sql`, `pivot`, and the SQLite and Parquet exports read back.
//!
//! One test binary, as the engine's areas (tests/ingest.rs at the top explains the
//! layout); these modules are tests/cli/*.rs.

mod common;

// Declared in this block, the modules are tests/cli/*.rs.
mod cli {
    mod command;
    mod export_sqlite;
    mod parquet;
    mod pivot;
    mod platforms;
    mod sql;
}

//! The pivot: every cell of random pivots against SQLite's GROUP BY, a tenant scope as a
//! wall, and the XLSX workbook against the pivot's CSV.
//!
//! One binary per area (see tests/ingest.rs); these modules are tests/pivot/*.rs.

mod common;
// SQLite (rusqlite) is native only (see pivot/sqlite.rs).
#[cfg(not(target_arch = "wasm32"))]
mod sql_common;

// Declared in this block, the modules are tests/pivot/*.rs.
mod pivot {
    mod sqlite;
    mod tenants;
    mod xlsx;
}

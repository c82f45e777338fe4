//! SQL over the warehouse: each dashboard written as SQL gives its kernel's rows, every
//! query of a corpus and thousands of generated ones give SQLite's answers, the
//! executor's fast paths give the general path's, and a tenant scope is a wall.
//!
//! One binary per area (see tests/ingest.rs); these modules are tests/sql/*.rs.

// SQLite (rusqlite, the reference) is a native dev-dependency: `wasm-pack test` builds
// every test target for wasm32, where this binary is empty.
#![cfg(not(target_arch = "wasm32"))]

mod sql_common;

// Declared in this block, the modules are tests/sql/*.rs.
mod sql {
    mod dashboards;
    mod differential;
    mod fast_paths;
    mod generated;
}

//! Resource limits (docs/formats.md): hostile or oversized inputs refused or loaded with
//! bounded memory and time, the memory budget, and the heap counter they rest on.
//!
//! One binary per area (see tests/ingest.rs); these modules are tests/limits/*.rs. The
//! heap counter is process-wide, so these tests are a binary of their own and take one
//! lock ([`serial`]) to measure only themselves.

use std::sync::{Mutex, MutexGuard};

/// Held by each test of this binary that measures the heap or allocates much, so that
/// no other test allocates meanwhile (a panicking test does not poison it for others).
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

// Declared in this block, the modules are tests/limits/*.rs.
mod limits {
    mod inputs;
    mod memory_budget;
    mod memory_counter;
    mod query_budget;
}

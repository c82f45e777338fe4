//! The Parquet reader on any bytes, through the warehouse under a memory budget: never
//! a panic, never an allocation a file's declared sizes ask for beyond the budget (a
//! page claiming gigabytes, lying lengths), every row accounted for in the report, and
//! every dashboard runs on what was added.

use crate::{check_dashboards, check_report};
use bi_platform::{memory, Warehouse};

/// The room a load has above what is live when it starts.
const ROOM: u64 = 64 << 20;

/// Loads `bytes` as a Parquet file under a budget of 64 MiB above the live heap.
pub fn check_parquet(bytes: &[u8]) {
    let mut w = Warehouse::new();
    w.set_memory_budget(Some(memory::live_bytes() + ROOM));
    let reports = w.load("campaigns.parquet", bytes);
    for report in &reports {
        check_report(report);
    }
    w.set_memory_budget(None);
    check_dashboards(&w);
}

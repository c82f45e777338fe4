//! Heap accounting and the memory budget of a load.
//!
//! In the browser the engine lives in a wasm32 linear memory of at most 4 GiB. When an
//! allocation cannot be served there, Rust aborts: the Web Worker's instance is dead and
//! every file already loaded is lost with it. So the engine counts its own heap and
//! refuses a file *before* it gets there:
//!
//! - [`CountingAllocator`] wraps [`std::alloc::System`] (dlmalloc on wasm32, the C
//!   allocator natively) and keeps the live heap bytes in an atomic counter. It is the
//!   crate's `#[global_allocator]` (in `lib.rs`), so every allocation of the engine, of
//!   its dependencies and of a program linking it is counted. The cost is one relaxed
//!   atomic add per allocation and per free, plus a load (and rarely a `fetch_max`) to
//!   keep the peak.
//! - A budget is an `Option<u64>` of live heap bytes (`None`: no limit).
//!   [`crate::ingest::IngestStream`] checks it after every chunk it takes (and before
//!   parsing an XLSX or JSON file whole), [`crate::Warehouse::push`] before it commits
//!   a part of a file and [`crate::Warehouse::commit`] before it adds the rest, with an
//!   estimate of what adding it will allocate. Past the budget the file is refused with
//!   [`LoadError::OutOfMemory`]; the parts it committed are rolled back, and everything
//!   loaded before stays.
//!
//! [`default_budget`] is `None` natively (the operating system's memory is the limit,
//! set one with [`crate::Warehouse::set_memory_budget`]) and, on wasm32, the 4 GiB
//! address space less [`WASM_RESERVE`].
//!
//! ```
//! use bi_platform::memory;
//! let before = memory::live_bytes();
//! let block = vec![0u8; 1 << 20];
//! assert!(memory::live_bytes() >= before + (1 << 20) || memory::live_bytes() < before);
//! drop(block);
//! // 1 MiB more must fit under a budget of what is live plus 2 MiB...
//! assert!(memory::check(Some(memory::live_bytes() + (2 << 20)), 1 << 20).is_ok());
//! // ...but not under a budget already used up.
//! assert!(memory::check(Some(0), 1 << 20).is_err());
//! ```
//!
//! The counter is process-wide: natively, tests running on other threads move it too.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Live heap bytes (requested sizes, without the allocator's own overhead).
static LIVE: AtomicUsize = AtomicUsize::new(0);
/// The highest value `LIVE` reached since the last [`reset_peak`].
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The largest wasm32 linear memory: 65,536 pages of 64 KiB.
pub const WASM_ADDRESS_SPACE: u64 = 4 << 30;

/// What the wasm32 budget leaves free of the 4 GiB: 512 MiB.
///
/// Budgets are checked between chunks, so this covers what one step can allocate beyond
/// the check: the page's 4 MiB slice copied into the engine, a staged column or dictionary
/// doubling its capacity within one chunk (the old and the new buffer live side by side
/// while it is copied), dashboard results and chart data built while the file streams,
/// the wasm stack and static data, and dlmalloc's per-block overhead and fragmentation
/// (live bytes count what was asked for, not the pages the allocator holds).
pub const WASM_RESERVE: u64 = 512 << 20;

/// The budget a new warehouse starts with: `None` natively, 4 GiB less
/// [`WASM_RESERVE`] (3.5 GiB) on wasm32.
pub fn default_budget() -> Option<u64> {
    if cfg!(target_arch = "wasm32") {
        Some(WASM_ADDRESS_SPACE - WASM_RESERVE)
    } else {
        None
    }
}

/// Bytes currently allocated on the heap, by everything in the process.
pub fn live_bytes() -> u64 {
    LIVE.load(Ordering::Relaxed) as u64
}

/// The most bytes live at once since the last [`reset_peak`] (or since start).
pub fn peak_bytes() -> u64 {
    PEAK.load(Ordering::Relaxed) as u64
}

/// Starts a new peak measurement from what is live now; returns that.
pub fn reset_peak() -> u64 {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    live as u64
}

/// Loading a file would take the engine's heap past its memory budget: `used` bytes
/// were live, `needed` more were about to be allocated (0 when `used` alone is already
/// over), `budget` is the limit. Its own type (not [`crate::LoadError`], which wraps it
/// as `OutOfMemory`), so this module depends on nothing of the engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "out of memory: loading this file {what}, over the engine's memory budget of \
     {budget_mib} (in a browser the engine has at most 4 GiB), so nothing of it was \
     added. Split the file into smaller ones, load fewer files at once (or reload the \
     page to start afresh), or use the bi-platform command line, which has no 4 GiB \
     limit",
    what = if *needed == 0 {
        format!("took the engine's heap to {}", mib(*used))
    } else {
        format!("needs about {} more on top of the {} in use", mib(*needed), mib(*used))
    },
    budget_mib = mib(*budget)
)]
pub struct OverBudget {
    pub used: u64,
    pub needed: u64,
    pub budget: u64,
}

/// `Ok` when `needed` more bytes fit in `budget` on top of what is live now.
pub fn check(budget: Option<u64>, needed: u64) -> Result<(), OverBudget> {
    check_with(budget, live_bytes(), needed)
}

/// `Ok` when `used + needed` fits in `budget` (`None`: always).
pub fn check_with(budget: Option<u64>, used: u64, needed: u64) -> Result<(), OverBudget> {
    match budget {
        Some(budget) if used.saturating_add(needed) > budget => Err(OverBudget {
            used,
            needed,
            budget,
        }),
        _ => Ok(()),
    }
}

/// The global allocator: [`System`], counting live bytes (see the module docs).
pub struct CountingAllocator;

#[inline]
fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    // A plain load first: the peak only moves while memory grows to a new high.
    if live > PEAK.load(Ordering::Relaxed) {
        PEAK.fetch_max(live, Ordering::Relaxed);
    }
}

#[inline]
fn shrank(bytes: usize) {
    LIVE.fetch_sub(bytes, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; the counters are bookkeeping
// only and never affect what is returned.
unsafe impl GlobalAlloc for CountingAllocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        new
    }
}

/// A size in MiB with one decimal, for messages.
pub(crate) fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[test]
    fn no_budget_never_refuses() {
        assert_eq!(check_with(None, u64::MAX, u64::MAX), Ok(()));
        assert_eq!(check(None, u64::MAX), Ok(()));
    }

    #[test]
    fn a_budget_refuses_what_does_not_fit_and_names_the_figures() {
        assert_eq!(check_with(Some(100 * MIB), 60 * MIB, 40 * MIB), Ok(()));
        let error = check_with(Some(100 * MIB), 60 * MIB, 40 * MIB + 1).unwrap_err();
        assert_eq!(
            error,
            OverBudget {
                used: 60 * MIB,
                needed: 40 * MIB + 1,
                budget: 100 * MIB
            }
        );
        let message = error.to_string();
        for needle in [
            "100.0 MiB",
            "60.0 MiB",
            "Split the file",
            "command line",
            "nothing of it was added",
        ] {
            assert!(message.contains(needle), "{needle:?} not in {message}");
        }
        // Already over the budget: refused even for nothing more.
        assert!(check_with(Some(MIB), 2 * MIB, 0).is_err());
        // No overflow at the extremes.
        assert!(check_with(Some(u64::MAX), u64::MAX, u64::MAX).is_ok());
    }

    #[test]
    fn the_default_budget_is_none_natively() {
        if cfg!(target_arch = "wasm32") {
            assert_eq!(default_budget(), Some(3584 * MIB));
        } else {
            assert_eq!(default_budget(), None);
        }
    }
}

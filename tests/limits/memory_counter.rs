//! The heap counter, apart from the library's unit tests (where other tests allocate and
//! free on other threads at the same time, which makes exact before/after comparisons of
//! a process-wide counter flaky), and under the binary's lock ([`crate::serial`]), which
//! every test here that allocates much takes.

use bi_platform::memory::{live_bytes, peak_bytes};

const MIB: u64 = 1 << 20;

#[test]
fn the_counter_follows_allocations_and_the_peak_holds_the_high() {
    let _serial = crate::serial();
    // Tests of this binary that allocate little run without the lock, so the counter
    // may move by a few bytes meanwhile: each comparison allows a MiB either way.
    let before = live_bytes();
    let mut block: Vec<u8> = std::hint::black_box(Vec::with_capacity(64 * MIB as usize));
    block.push(1);
    assert!(
        live_bytes() + MIB >= before + 64 * MIB,
        "{before} {}",
        live_bytes()
    );
    assert!(peak_bytes() + MIB >= before + 64 * MIB);
    block.shrink_to_fit();
    assert!(live_bytes() < before + MIB);
    drop(block);
    let zeroed = std::hint::black_box(vec![0u64; 8 * MIB as usize]);
    assert!(live_bytes() + MIB >= before + 64 * MIB);
    drop(zeroed);
    assert!(live_bytes() < before + MIB);
}

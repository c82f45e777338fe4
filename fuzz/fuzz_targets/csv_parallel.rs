//! The first byte picks threads or (odd) the page's parsing workers, their count, the
//! split threshold and the chunking; the rest is the file, read in parallel and compared
//! with the one-shot load on one thread (staged whole); the parallel load commits
//! parts of a few rows (drawn from the seed) as it reads.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((&seed, file)) = data.split_first() {
        bi_platform_fuzz::checks::check_parallel(seed, file);
    }
});

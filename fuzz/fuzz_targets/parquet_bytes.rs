//! Bytes through the Parquet reader, then the warehouse, under a memory budget.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bi_platform_fuzz::checks::check_parquet(data);
});

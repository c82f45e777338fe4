//! Whole bytes through `Warehouse::load` (the delimited reader for most inputs).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bi_platform_fuzz::checks::check_load("campaigns.csv", data);
});

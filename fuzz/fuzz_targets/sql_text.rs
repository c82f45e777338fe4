//! SQL text, or choices of the grammar's generator, to a result on a small warehouse
//! under a small memory budget, on the fast paths and the general path alike.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bi_platform_fuzz::checks::check_sql(data);
});

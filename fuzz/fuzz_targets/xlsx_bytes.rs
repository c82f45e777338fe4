//! Bytes through the XLSX reader; a zip is also loaded through the warehouse.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bi_platform_fuzz::checks::check_xlsx(data);
});

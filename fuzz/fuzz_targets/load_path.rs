//! Up to four files (split on `\0\0FILE\0\0`) into one warehouse: reports, then every
//! dashboard, chart, KPI and export, all-tenant and scoped.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bi_platform_fuzz::checks::check_load_path(data);
});

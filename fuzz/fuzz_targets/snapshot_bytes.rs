//! Snapshots cut short, changed, with lying lengths or other versions, restored.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bi_platform_fuzz::checks::check_snapshot(data);
});

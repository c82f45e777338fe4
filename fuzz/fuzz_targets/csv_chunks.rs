//! The first byte picks the chunking; the rest is the file, streamed through
//! `IngestStream` and compared with the one-shot load.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((&seed, file)) = data.split_first() {
        bi_platform_fuzz::checks::check_chunks(seed, file);
    }
});

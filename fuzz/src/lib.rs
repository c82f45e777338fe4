//! Fuzz targets for bi-platform's readers and load path. See `fuzz_targets/`.
//! The checks they run are the crate `bi-platform-fuzz-checks` (crates/fuzz-checks),
//! which also replays the corpora as ordinary tests.
pub use bi_platform_fuzz_checks as checks;

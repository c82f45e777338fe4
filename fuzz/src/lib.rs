//! Fuzz targets for bi-platform's readers and load path. See `fuzz_targets/`.
pub mod checks;

//! Replays every fuzz corpus file (`fuzz/corpus/<target>/`) and every saved crash, hang
//! or blow-up (`fuzz/regressions/<target>/`) through the same checks the fuzz targets
//! run (`fuzz/src/checks.rs`, included here), as an ordinary test: no nightly, no
//! libFuzzer. A failure names the file; `cargo +nightly fuzz run <target> <file>` runs it
//! under the fuzzer again.

#[allow(dead_code)]
#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `check` on every file of the target's corpus and regressions; returns how many.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut count = 0;
    for dir in ["corpus", "regressions"] {
        for file in files(&root.join(dir).join(target)) {
            // A running fuzzer may replace corpus files under us.
            let Ok(bytes) = std::fs::read(&file) else {
                continue;
            };
            let outcome = std::panic::catch_unwind(|| check(&bytes));
            assert!(outcome.is_ok(), "{target}: {} fails", file.display());
            count += 1;
        }
    }
    count
}

/// A seeded target's input: the first byte is the seed, the rest the file.
fn seeded(bytes: &[u8], check: fn(u8, &[u8])) {
    if let Some((&seed, file)) = bytes.split_first() {
        check(seed, file);
    }
}

#[test]
fn csv_bytes() {
    let n = replay("csv_bytes", |b| {
        checks::check_load("campaigns.csv", b);
    });
    assert!(n >= 8, "{n} files");
}

#[test]
fn csv_chunks() {
    let n = replay("csv_chunks", |b| seeded(b, checks::check_chunks));
    assert!(n >= 7, "{n} files");
}

#[test]
fn csv_parallel() {
    let n = replay("csv_parallel", |b| seeded(b, checks::check_parallel));
    assert!(n >= 7, "{n} files");
}

/// Two, four and six threads, with thresholds of 1, 17 and 33 bytes, on the CSV seeds.
#[test]
fn csv_parallel_every_thread_count() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/csv_bytes");
    for file in files(&root) {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        if bytes.len() > 64 << 10 {
            continue;
        }
        for seed in [0, 12, 19] {
            checks::check_parallel(seed, &bytes);
        }
    }
}

#[test]
fn xlsx_bytes() {
    let n = replay("xlsx_bytes", checks::check_xlsx);
    assert!(n >= 4, "{n} files");
}

#[test]
fn json_bytes() {
    let n = replay("json_bytes", checks::check_json);
    assert!(n >= 4, "{n} files");
}

#[test]
fn load_path() {
    let n = replay("load_path", checks::check_load_path);
    assert!(n >= 3, "{n} files");
}

/// Every chunking seed, not only the one a corpus file starts with, on the CSV seeds.
#[test]
fn csv_chunks_every_chunking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/csv_bytes");
    for file in files(&root) {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        if bytes.len() > 64 << 10 {
            continue;
        }
        for seed in 0..4 {
            checks::check_chunks(seed, &bytes);
        }
    }
}

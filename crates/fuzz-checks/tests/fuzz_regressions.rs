//! Replays every fuzz corpus file (`fuzz/corpus/<target>/`) and every saved crash, hang
//! or blow-up (`fuzz/regressions/<target>/`) through the same checks the fuzz targets
//! run (this crate, `bi_platform_fuzz_checks`), as an ordinary test: no nightly, no
//! libFuzzer. A failure names the file; `cargo +nightly fuzz run <target> <file>` runs it
//! under the fuzzer again.

use bi_platform_fuzz_checks as checks;
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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
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
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/csv_bytes");
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

#[test]
fn parquet_bytes() {
    let n = replay("parquet_bytes", checks::check_parquet);
    assert!(n >= 5, "{n} files");
}

#[test]
fn sql_text() {
    let n = replay("sql_text", checks::check_sql);
    assert!(n >= 20, "{n} files");
}

#[test]
fn snapshot_bytes() {
    let n = replay("snapshot_bytes", checks::check_snapshot);
    assert!(n >= 6, "{n} files");
}

/// The generator's statements compile: most inputs are statements the planner accepts,
/// not syntax errors (else the target would fuzz the parser's error path only).
#[test]
fn sql_generator_makes_statements_that_compile() {
    use bi_platform::generate::{sample_files, SampleSpec};
    use bi_platform::sql;
    let files = sample_files(&SampleSpec::default()).unwrap();
    let mut w = bi_platform::Warehouse::new();
    w.load("marketing_campaigns.csv", &files.campaigns_csv);
    let schema = sql::schema(w.star());
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut compiled = 0;
    for _ in 0..500 {
        let choices: Vec<u8> = (0..64)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let text = checks::generated_sql(&choices, &schema);
        if sql::parse::compile_one(&text, &schema).is_ok() {
            compiled += 1;
        }
    }
    assert!(compiled >= 250, "{compiled} of 500 compiled");
}

/// Every chunking seed, not only the one a corpus file starts with, on the CSV seeds.
#[test]
fn csv_chunks_every_chunking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/csv_bytes");
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

/// The comparison `check_parallel` and `check_chunks` rest on sees what dashboards would
/// not: rows stored in another order (every dashboard sums them alike), and a warehouse
/// that remembers other bytes (a later load of the same file would not be recognised as
/// unchanged). Equal loads pass.
#[test]
fn assert_same_warehouse_sees_storage_order_and_loaded_bytes() {
    use bi_platform::Warehouse;
    const HEADER: &str =
        "tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n";
    const A: &str = "t1,c1,2024-11-01,100,10,1,1.00,2.00\n";
    const B: &str = "t2,c2,2024-11-02,200,20,2,3.00,4.00\n";
    let load = |bytes: String| {
        let mut w = Warehouse::new();
        let reports = w.load("file.csv", bytes.as_bytes());
        (w, reports)
    };
    let same = |x: &(Warehouse, Vec<bi_platform::LoadReport>),
                y: &(Warehouse, Vec<bi_platform::LoadReport>)| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            checks::assert_same_warehouse((&x.0, &x.1), (&y.0, &y.1), "test")
        }))
        .is_ok()
    };
    let ab = load(format!("{HEADER}{A}{B}"));
    assert!(same(&ab, &load(format!("{HEADER}{A}{B}"))));

    let ba = load(format!("{HEADER}{B}{A}"));
    assert_eq!(ab.1, ba.1, "the same reports");
    assert!(!same(&ab, &ba), "rows in another order");

    let upper = load(format!(
        "{}{A}{B}",
        HEADER.replace("tenant_id", "Tenant_ID")
    ));
    assert_eq!(ab.1, upper.1, "the same reports");
    assert_eq!(checks::contents(&ab.0), checks::contents(&upper.0));
    assert!(!same(&ab, &upper), "other bytes loaded");
}

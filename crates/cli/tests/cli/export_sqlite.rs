//! `bi-platform export --sqlite` as a process: the command's contract (exit codes,
//! messages, atomic replacement). What the export holds is tested against the engine in
//! the engine's tests/exports/sqlite.rs.

#![cfg(not(target_arch = "wasm32"))]

use crate::common::TempDir;
use rusqlite::Connection;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_bi-platform");
const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/seed-data");

fn run(args: &[&str], files: &[&Path]) -> Output {
    Command::new(BIN)
        .args(args)
        .args(files)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn no_panic(o: &Output) {
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
    assert_ne!(o.status.code(), Some(101), "{}", stderr(o));
}

fn seed_paths() -> [std::path::PathBuf; 2] {
    [
        Path::new(SEED).join("marketing_campaigns.csv"),
        Path::new(SEED).join("sales_targets.xlsx"),
    ]
}

#[test]
fn the_command_writes_the_seed_warehouse_and_replaces_an_old_file() {
    let dir = TempDir::new("export-sqlite-cli");
    let out = dir.path().join("data_warehouse.db");
    std::fs::write(&out, b"an older file").unwrap();
    let [c, t] = seed_paths();
    let o = run(&["export", "--sqlite", out.to_str().unwrap()], &[&c, &t]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "nothing on stdout");
    assert!(stderr(&o).contains("fact_campaigns 300"), "{}", stderr(&o));
    let conn = Connection::open(&out).unwrap();
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM dim_sales_targets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 720);
    // No temporary file is left beside it.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");

    // A tenant and a filter.
    let o = run(
        &[
            "export",
            "--sqlite",
            out.to_str().unwrap(),
            "--tenant",
            "tenant_002",
            "--channel",
            "Email",
        ],
        &[&c, &t],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let conn = Connection::open(&out).unwrap();
    let tenants: Vec<String> = conn
        .prepare("SELECT DISTINCT tenant_id FROM fact_campaigns UNION SELECT channel FROM fact_campaigns")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(tenants, ["Email", "tenant_002"]);
}

#[test]
fn the_commands_errors_name_the_problem_and_leave_existing_files_alone() {
    let dir = TempDir::new("export-sqlite-cli-errors");
    let [c, _] = seed_paths();
    // Usage: no --sqlite, no data file, a bad date.
    let out = dir.path().join("x.db");
    for (args, files, needle) in [
        (vec!["export"], vec![c.as_path()], "--sqlite"),
        (
            vec!["export", "--sqlite", out.to_str().unwrap()],
            vec![],
            "DATA_FILE",
        ),
        (
            vec![
                "export",
                "--sqlite",
                out.to_str().unwrap(),
                "--from",
                "2024-13-45",
            ],
            vec![c.as_path()],
            "2024-13-45",
        ),
    ] {
        let o = run(&args, &files);
        no_panic(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!out.exists());
    }
    // No file loads: 1, nothing written.
    let missing = dir.path().join("missing.csv");
    let o = run(&["export", "--sqlite", out.to_str().unwrap()], &[&missing]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("missing.csv"), "{}", stderr(&o));
    assert!(!out.exists());
    // A missing directory is created, as --parquet creates its own.
    let nested = dir.path().join("new-dir").join("x.db");
    let o = run(&["export", "--sqlite", nested.to_str().unwrap()], &[&c]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(nested.is_file());
    // The output cannot be written (its directory would be inside a file; it is a
    // directory): 1, the message names the path, and what was there stays.
    std::fs::write(dir.path().join("a-file"), b"x").unwrap();
    let nowhere = dir.path().join("a-file").join("x.db");
    let o = run(&["export", "--sqlite", nowhere.to_str().unwrap()], &[&c]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&nowhere.display().to_string()),
        "{}",
        stderr(&o)
    );
    let taken = dir.path().join("taken.db");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("keep"), b"x").unwrap();
    let o = run(&["export", "--sqlite", taken.to_str().unwrap()], &[&c]);
    no_panic(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&taken.display().to_string()),
        "{}",
        stderr(&o)
    );
    assert!(taken.join("keep").exists());
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["a-file", "new-dir", "taken.db"],
        "no partial file left"
    );
}

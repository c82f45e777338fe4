//! `bi-platform pivot` as a process: CSV on stdout equal to the engine's pivot CSV,
//! `--xlsx` writing the same cells as a workbook, exit 2 for an unknown field or
//! measure (before any file is read), 1 when no file loads.

#![cfg(not(target_arch = "wasm32"))]

use crate::common::TempDir;
use bi_platform::pivot::{pivot, PivotRequest};
use bi_platform::{Query, TenantScope, Warehouse};
use calamine::{Data, DataType, Reader, Xlsx};
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_bi-platform");
const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/seed-data");

fn campaigns() -> PathBuf {
    Path::new(SEED).join("marketing_campaigns.csv")
}

fn engine_csv(request: &str, query: &Query) -> String {
    let mut w = Warehouse::new();
    w.load("c.csv", &std::fs::read(campaigns()).unwrap());
    let request: PivotRequest = serde_json::from_str(request).unwrap();
    pivot(&w, query, &request).unwrap().to_csv()
}

#[test]
fn prints_the_engines_csv() {
    let out = Command::new(BIN)
        .args([
            "pivot",
            "--rows",
            "tenant,channel",
            "--columns",
            "quarter",
            "--measures",
            "sum:spend",
            "--measures",
            "ctr",
            "--tenant",
            "tenant_001",
        ])
        .arg(campaigns())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let query = Query {
        tenants: TenantScope::Only(vec!["tenant_001".into()]),
        ..Query::default()
    };
    let want = engine_csv(
        r#"{"rows": ["tenant", "channel"], "columns": ["quarter"], "measures": ["sum:spend", "ctr"]}"#,
        &query,
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), want);
}

#[test]
fn writes_the_workbook() {
    let dir = TempDir::new("pivot_cli");
    let path = dir.path().join("pivot.xlsx");
    let out = Command::new(BIN)
        .args([
            "pivot",
            "--rows",
            "region",
            "--columns",
            "channel",
            "--measures",
            "sum:revenue,rows",
            "--top",
            "2",
            "--xlsx",
        ])
        .arg(&path)
        .arg(campaigns())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let csv = engine_csv(
        r#"{"rows": ["region"], "columns": ["channel"], "measures": ["sum:revenue", "rows"], "top_n": {"n": 2}}"#,
        &Query::default(),
    );
    let mut book: Xlsx<_> = calamine::open_workbook(&path).unwrap();
    let range = book.worksheet_range("Pivot").unwrap();
    // The last line: "Total", then the grand total's cells, as the CSV has them.
    let last = csv.lines().last().unwrap().split(',').collect::<Vec<_>>();
    let row = csv.lines().count() as u32 - 1;
    assert_eq!(
        range.get_value((row, 0)),
        Some(&Data::String("Total".into()))
    );
    for (c, want) in last.iter().enumerate().skip(1) {
        let got = range.get_value((row, c as u32)).unwrap().as_f64().unwrap();
        assert_eq!(got, want.parse::<f64>().unwrap(), "column {c}");
    }
    // Top 2 regions, then "Others".
    assert_eq!(
        range.get_value((4, 0)),
        Some(&Data::String("Others".into()))
    );
}

#[test]
fn usage_errors_exit_2_and_say_what_is_wrong() {
    for (args, says) in [
        (
            vec!["pivot", "--rows", "colour", "--measures", "rows"],
            "unknown pivot field 'colour'",
        ),
        (
            vec!["pivot", "--rows", "tenant", "--measures", "median:spend"],
            "unknown pivot measure 'median:spend'",
        ),
        (vec!["pivot", "--rows", "tenant"], "--measures"),
    ] {
        let out = Command::new(BIN)
            .args(&args)
            .arg("no-such-file.csv")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{args:?}"
        );
    }
    let out = Command::new(BIN)
        .args([
            "pivot",
            "--rows",
            "tenant",
            "--measures",
            "rows",
            "no-such-file.csv",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

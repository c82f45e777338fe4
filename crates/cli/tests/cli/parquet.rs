//! `bi-platform export --parquet` as a process: the files it writes read back (by
//! `report`) to the same dashboards as the data files they came from.

#![cfg(not(target_arch = "wasm32"))]

use crate::common::TempDir;
use bi_platform::parquet::export::table_names;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

const CAMPAIGNS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/seed-data/marketing_campaigns.csv"
);
const TARGETS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/seed-data/sales_targets.xlsx"
);

/// Reads a Parquet file with the `parquet` crate's row API (an independent decoder of
/// logical types): the column names and every row's fields.
fn read_rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<Field>>) {
    let reader = SerializedFileReader::new(bytes::Bytes::copy_from_slice(bytes)).unwrap();
    let names = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let rows = reader
        .get_row_iter(None)
        .unwrap()
        .map(|r| {
            r.unwrap()
                .get_column_iter()
                .map(|(_, f)| f.clone())
                .collect()
        })
        .collect();
    (names, rows)
}

/// The command line: `export --parquet DIR` writes the nine files, which `report`
/// reads back to the same dashboards; `--tenant` scopes them; no `--parquet` is a usage
/// error.
#[test]
fn the_cli_exports_and_reads_parquet() {
    let bin = env!("CARGO_BIN_EXE_bi-platform");
    let dir = TempDir::new("parquet-cli");
    let out = dir.path().join("out");
    let run =
        |args: &[&std::ffi::OsStr]| std::process::Command::new(bin).args(args).output().unwrap();
    let export = run(&[
        "export".as_ref(),
        "--parquet".as_ref(),
        out.as_os_str(),
        CAMPAIGNS.as_ref(),
        TARGETS.as_ref(),
    ]);
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    for name in table_names() {
        assert!(out.join(format!("{name}.parquet")).is_file(), "{name}");
    }
    let dashboards = |files: &[&std::ffi::OsStr]| {
        let mut args: Vec<&std::ffi::OsStr> = vec!["report".as_ref(), "--json".as_ref()];
        args.extend(files);
        let output = run(&args);
        assert!(output.status.success());
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        json["dashboards"].clone()
    };
    let fact = out.join("fact_campaigns.parquet");
    let targets = out.join("dim_sales_targets.parquet");
    assert_eq!(
        dashboards(&[fact.as_os_str(), targets.as_os_str()]),
        dashboards(&[CAMPAIGNS.as_ref(), TARGETS.as_ref()])
    );

    let scoped = dir.path().join("scoped");
    let export = run(&[
        "export".as_ref(),
        "--parquet".as_ref(),
        scoped.as_os_str(),
        "--tenant".as_ref(),
        "tenant_002".as_ref(),
        CAMPAIGNS.as_ref(),
    ]);
    assert!(export.status.success());
    let bytes = std::fs::read(scoped.join("dim_tenant.parquet")).unwrap();
    let (_, rows) = read_rows(&bytes);
    assert_eq!(rows, vec![vec![Field::Str("tenant_002".into())]]);

    let usage = run(&["export".as_ref(), CAMPAIGNS.as_ref()]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("--parquet"));
}

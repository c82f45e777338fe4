//! Parquet out and in (issue 11): the export holds every SQL table with its derived
//! columns, exactly (money as decimals); an independent reader (the `parquet` crate's
//! record reader, not the column code the export and import use) reads it back with the
//! warehouse's counts and exact sums; files written by pyarrow and DuckDB (snappy and
//! zstd; tests/fixtures/parquet/make_fixtures.py) load with aliases, types and rejects
//! by row number; and an export reloads to the same warehouse (property test).
#![cfg(all(not(target_arch = "wasm32"), feature = "parquet"))]

use crate::common::*;
use bi_platform::parquet::export::{export, table_names, ParquetTable};
use bi_platform::sql::{self, Val};
use bi_platform::{LoadReport, Query, TenantScope, Warehouse};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use proptest::prelude::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/parquet");
const CAMPAIGNS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/seed-data/marketing_campaigns.csv"
);
const TARGETS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/seed-data/sales_targets.xlsx"
);

/// The input tables' files of an export, in load order.
const INPUT_TABLES: [&str; 3] = ["fact_campaigns", "dim_sales_targets", "dim_customers"];

fn table<'t>(tables: &'t [ParquetTable], name: &str) -> &'t ParquetTable {
    tables.iter().find(|t| t.name == name).expect(name)
}

/// Loads an export's input tables into a new warehouse, as `bi-platform report
/// out/fact_campaigns.parquet ...` would.
fn reload(tables: &[ParquetTable]) -> (Warehouse, Vec<LoadReport>) {
    let mut w = Warehouse::new();
    let mut reports = Vec::new();
    for name in INPUT_TABLES {
        let t = table(tables, name);
        if t.rows > 0 {
            reports.extend(w.load(&format!("{name}.parquet"), &t.bytes));
        }
    }
    (w, reports)
}

/// Every SQL table of a warehouse under a scope, as values; dimension tables sorted
/// (their order is the dictionaries' key order, which loading order decides).
fn sql_tables(w: &Warehouse, scope: &TenantScope) -> Vec<(String, Vec<Vec<Val<'static>>>)> {
    table_names()
        .map(|name| {
            let rows = sql::query(w.star(), scope, &format!("SELECT * FROM {name}"))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let mut rows: Vec<Vec<Val<'static>>> = rows
                .rows
                .into_iter()
                .map(|r| r.into_iter().map(Val::into_static).collect())
                .collect();
            if !INPUT_TABLES.contains(&name) {
                rows.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
            }
            (name.to_string(), rows)
        })
        .collect()
}

/// The warehouse and its reload agree on every table and every dashboard, in every
/// tenant scope.
fn assert_same_warehouse(a: &Warehouse, b: &Warehouse) {
    let mut scopes = vec![TenantScope::All];
    scopes.extend(
        a.tenants()
            .iter()
            .map(|t| TenantScope::Only(vec![t.to_string()])),
    );
    assert_eq!(a.tenants(), b.tenants());
    for scope in scopes {
        assert_eq!(sql_tables(a, &scope), sql_tables(b, &scope), "{scope:?}");
        let q = Query {
            tenants: scope.clone(),
            ..Query::default()
        };
        assert_eq!(all_json(a, &q), all_json(b, &q), "{scope:?}");
    }
}

fn seed() -> Warehouse {
    let mut w = Warehouse::new();
    w.load("c.csv", &std::fs::read(CAMPAIGNS).unwrap());
    w.load("t.xlsx", &std::fs::read(TARGETS).unwrap());
    w
}

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

/// A DECIMAL field as exact millionths.
fn micros(field: &Field) -> i128 {
    match field {
        Field::Decimal(d) => {
            assert_eq!(d.scale(), 6);
            let bytes = d.data();
            let fill = if bytes[0] & 0x80 != 0 { 0xFF } else { 0 };
            let mut wide = [fill; 16];
            wide[16 - bytes.len()..].copy_from_slice(bytes);
            i128::from_be_bytes(wide)
        }
        other => panic!("not a decimal: {other:?}"),
    }
}

#[test]
fn an_independent_reader_sees_the_warehouses_counts_and_exact_sums() {
    let w = seed();
    let tables = export(w.star(), &TenantScope::All).unwrap();
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, table_names().collect::<Vec<_>>());
    for t in &tables {
        let (columns, rows) = read_rows(&t.bytes);
        let expected = sql::query(
            w.star(),
            &TenantScope::All,
            &format!("SELECT * FROM {}", t.name),
        )
        .unwrap();
        assert_eq!(columns, expected.columns, "{}", t.name);
        assert_eq!(rows.len(), expected.rows.len(), "{}", t.name);
        assert_eq!(rows.len(), t.rows);
    }
    let (columns, rows) = read_rows(&table(&tables, "fact_campaigns").bytes);
    let at = |name: &str| columns.iter().position(|c| c == name).unwrap();
    for (money, sql_sum) in [
        ("spend", "SUM(spend)"),
        ("revenue", "SUM(revenue)"),
        ("profit", "SUM(profit)"),
    ] {
        let sum: i128 = rows.iter().map(|r| micros(&r[at(money)])).sum();
        let expected = sql::query(
            w.star(),
            &TenantScope::All,
            &format!("SELECT {sql_sum} FROM fact_campaigns"),
        )
        .unwrap();
        assert_eq!(expected.rows[0][0], Val::Money(sum), "{money}");
    }
    let clicks: i64 = rows
        .iter()
        .map(|r| match r[at("clicks")] {
            Field::Long(v) => v,
            ref other => panic!("{other:?}"),
        })
        .sum();
    let expected = sql::query(
        w.star(),
        &TenantScope::All,
        "SELECT SUM(clicks) FROM fact_campaigns",
    )
    .unwrap();
    assert_eq!(expected.rows[0][0], Val::Int(clicks));
    // Dates are DATE, derived ratios DOUBLE, the category text.
    assert!(matches!(rows[0][at("date")], Field::Date(_)));
    assert!(matches!(rows[0][at("roi")], Field::Double(_) | Field::Null));
    assert!(matches!(rows[0][at("performance_category")], Field::Str(_)));
}

#[test]
fn the_seed_round_trips_and_a_tenant_scope_exports_only_that_tenant() {
    let w = seed();
    let tables = export(w.star(), &TenantScope::All).unwrap();
    let (back, reports) = reload(&tables);
    for r in &reports {
        assert_eq!(r.rows_rejected, 0, "{r:#?}");
        assert!(
            r.extra_columns.is_empty(),
            "derived columns are not extras: {r:#?}"
        );
    }
    assert_same_warehouse(&w, &back);

    let tenant = w.tenants()[0].to_string();
    let scope = TenantScope::Only(vec![tenant.clone()]);
    let scoped = export(w.star(), &scope).unwrap();
    let (only, _) = reload(&scoped);
    assert_eq!(only.tenants(), vec![tenant.as_str()]);
    assert_eq!(sql_tables(&only, &TenantScope::All), sql_tables(&w, &scope));
}

/// Money beyond DECIMAL(18,6) (10^12 and more) is written as DECIMAL(38,6), exactly.
#[test]
fn money_too_wide_for_decimal18_stays_exact() {
    let csv = "tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
               a,c1,2024-11-01,10,1,0,9223372036854.775807,0.000001\n\
               a,c2,2024-11-02,10,1,0,1.5,999999999999.999999\n";
    let (w, _) = fresh("big.csv", csv.as_bytes());
    let tables = export(w.star(), &TenantScope::All).unwrap();
    let (columns, rows) = read_rows(&table(&tables, "fact_campaigns").bytes);
    let spend = columns.iter().position(|c| c == "spend").unwrap();
    assert_eq!(micros(&rows[0][spend]), i128::from(i64::MAX));
    let (back, _) = reload(&tables);
    assert_same_warehouse(&w, &back);
}

fn fixture(name: &str) -> LoadReport {
    let bytes = std::fs::read(format!("{FIXTURES}/{name}")).unwrap();
    let (w, report) = fresh(name, &bytes);
    if report.error.is_none() {
        check_fixture_contents(&w, name);
    }
    report
}

/// What every fixture holds once loaded (make_fixtures.py's ROWS without rows 3 and 5).
fn check_fixture_contents(w: &Warehouse, name: &str) {
    let rows = sql::query(
        w.star(),
        &TenantScope::All,
        "SELECT tenant_id, campaign_id, date, impressions, clicks, conversions, spend, revenue, region, loaded_at, score FROM fact_campaigns ORDER BY tenant_id, campaign_id",
    )
    .unwrap();
    let text: Vec<Vec<String>> = rows
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.to_text().map_or("NULL".into(), |t| t.into_owned()))
                .collect()
        })
        .collect();
    let money = |r: usize, c: usize| match rows.rows[r][c] {
        Val::Money(m) => m,
        ref other => panic!("{other:?}"),
    };
    assert_eq!(text.len(), 4, "{name}: {text:?}");
    assert_eq!(
        &text[0][..6],
        ["t1", "c1", "2024-11-01", "1000", "100", "10"],
        "{name}"
    );
    assert_eq!(money(0, 6), 12_345_678, "{name}");
    assert_eq!(money(0, 7), 40_500_000, "{name}");
    assert_eq!(money(1, 6), 1, "{name}");
    assert_eq!(&text[2][..3], ["t2", "c3", "2024-11-04"], "{name}");
    assert_eq!(money(2, 6), 999_999_999_999_999_999, "{name}");
    assert_eq!(text[2][8], "NULL", "{name}: a null region is missing");
    assert_eq!(text[3][..3], ["t3", "c5", "2024-12-31"], "{name}");
    // Extra columns keep the value as text: the timestamp in UTC, the double exactly.
    assert_eq!(text[0][9], "2024-11-01 12:30:05", "{name}");
    assert_eq!(text[0][10], "0.5", "{name}");
    assert_eq!(text[3][10], "0.0000001", "{name}");
}

#[test]
fn files_written_by_pyarrow_and_duckdb_load_with_rejects_by_row_number() {
    for name in [
        "pyarrow_snappy.parquet",
        "pyarrow_zstd.parquet",
        "duckdb_snappy.parquet",
        "duckdb_zstd.parquet",
    ] {
        let report = fixture(name);
        assert_eq!(report.error, None, "{name}");
        assert_eq!(report.table, Some("fact_campaigns"), "{name}");
        assert_accounting(&report);
        assert_eq!((report.rows_read, report.rows_loaded), (6, 4), "{name}");
        let rejected: Vec<(u64, Option<&str>)> = report
            .rejected
            .iter()
            .map(|r| (r.line, r.column.as_deref()))
            .collect();
        assert_eq!(
            rejected,
            [(3, Some("clicks")), (5, Some("spend"))],
            "{name}"
        );
        assert_eq!(report.extra_columns, ["loaded_at", "score"], "{name}");
    }
}

#[test]
fn an_unsupported_codec_is_named() {
    let report = fixture("pyarrow_brotli.parquet");
    let error = report.error.expect("refused");
    assert!(
        error.contains("BROTLI") && error.contains("snappy"),
        "{error}"
    );
}

#[test]
fn damaged_files_are_refused_with_a_message() {
    let w = seed();
    let tables = export(w.star(), &TenantScope::All).unwrap();
    let bytes = &table(&tables, "fact_campaigns").bytes;
    for cut in [4, bytes.len() / 2, bytes.len() - 1] {
        let (_, report) = fresh("cut.parquet", &bytes[..cut]);
        let error = report.error.expect("refused");
        assert!(
            error.starts_with("the Parquet file cannot be read"),
            "{error}"
        );
    }
    // Flipped bytes in the data pages: refused or loaded, never a panic, and every row
    // read is accounted for.
    for at in (8..bytes.len() - 8).step_by(bytes.len() / 64) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x5A;
        let (_, report) = fresh("flipped.parquet", &damaged);
        if report.error.is_none() {
            assert_accounting(&report);
        }
    }
}

/// An export's dimension tables are recognised, and refused saying what to load.
#[test]
fn dimension_files_say_what_they_are() {
    let w = seed();
    let tables = export(w.star(), &TenantScope::All).unwrap();
    for t in tables
        .iter()
        .filter(|t| !INPUT_TABLES.contains(&t.name.as_str()))
    {
        let (_, report) = fresh(&t.name, &t.bytes);
        let error = report.error.unwrap();
        assert!(
            error.starts_with(&format!("this file holds {}", t.name)),
            "{error}"
        );
    }
}

const TENANTS: [&str; 3] = ["a", "B", "tenant é"];

/// One generated campaign row: a few tenants and campaigns (so rows replace each
/// other), optional text missing, money with up to 6 decimals and up to 10^13, unicode
/// and delimiters in text, some rows rejected (clicks > impressions).
fn campaign_row() -> impl Strategy<Value = String> {
    (
        0..3usize,
        0..6u32,
        0..40i32,
        (0..2000u32, 0..2000u32, 0..50u32),
        (0..10_000_000_000_000_000_000u64, 0..2_000_000_000u64),
        prop::option::of("[a-zé ,\"]{1,6}"),
        prop::option::of(prop::sample::select(vec!["North", "South", "Ünter"])),
        prop::option::of("[A-Za-z0-9 ]{0,5}"),
    )
        .prop_map(
            |(t, c, day, (imp, clicks, conv), (spend, revenue), name, region, extra)| {
                let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
                format!(
                    "{},c{c},{},2024-10-{:02},{imp},{clicks},{conv},{}.{:06},{}.{:06},{},P{},{}\n",
                    TENANTS[t],
                    name.as_deref().map_or(String::new(), quote),
                    1 + day % 28,
                    spend / 1_000_000,
                    spend % 1_000_000,
                    revenue / 1_000_000,
                    revenue % 1_000_000,
                    region.unwrap_or(""),
                    c % 3,
                    extra.as_deref().map_or(String::new(), quote),
                )
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Generated warehouse -> export -> read back: the same tables (exact money) and
    /// the same dashboards in every scope.
    #[test]
    fn an_export_reloads_to_the_same_warehouse(
        rows in prop::collection::vec(campaign_row(), 1..60),
        targets in prop::collection::vec((0..3usize, 0..3u32, 1..13u8, 0..1_000_000u64, 0..100u32, 0..1_000_000u64), 0..12),
        customers in prop::collection::vec((0..3usize, 0..5u32, 0..100_000_000u64, 0..20u32), 0..10),
    ) {
        let mut w = Warehouse::new();
        let mut csv = "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product,note\n".to_string();
        csv.extend(rows);
        w.load("c.csv", csv.as_bytes());
        let mut t = "tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n".to_string();
        for (tenant, r, month, rev, conv, spend) in targets {
            t.push_str(&format!("{},R{r},P{r},2024,{month},{}.{:02},{conv},{}.{:02}\n", TENANTS[tenant], rev / 100, rev % 100, spend / 100, spend % 100));
        }
        w.load("t.csv", t.as_bytes());
        let customers: Vec<serde_json::Value> = customers.into_iter().map(|(tenant, id, spent, orders)| serde_json::json!({
            "tenant_id": TENANTS[tenant], "customer_id": format!("u{id}"),
            "total_spent": format!("{}.{:06}", spent / 1_000_000, spent % 1_000_000), "total_orders": orders,
        })).collect();
        if !customers.is_empty() {
            w.load("u.json", serde_json::to_string(&customers).unwrap().as_bytes());
        }
        let tables = export(w.star(), &TenantScope::All).unwrap();
        let (back, reports) = reload(&tables);
        for r in &reports {
            prop_assert_eq!(r.rows_rejected, 0, "{:#?}", r);
        }
        assert_same_warehouse(&w, &back);
    }
}

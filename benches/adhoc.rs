//! The ad-hoc corpus (`bench/adhoc.sql`, issue 28 point 6): 25 analyst questions beyond
//! the seven dashboards, each timed over one warehouse loaded once. `bench/adhoc.py`
//! (`make bench-adhoc`) runs this bench, reads criterion's medians from
//! `<criterion home>/adhoc/<name>/new/estimates.json` and sets them beside DuckDB's and
//! SQLite's times on the same files.
//!
//! The data: the generator's files in `BI_ADHOC_DIR` (campaigns.csv,
//! sales_targets.xlsx, customers.json, as `bi-platform generate` writes them), so ours
//! reads the same bytes as the peers; without it, the same files built in memory for
//! `BI_BENCH_ROWS` campaign rows (default 1M, 100 skewed tenants). The queries are read
//! when the bench starts (`BI_ADHOC_SQL`, default `bench/adhoc.sql`), so editing the
//! corpus needs no rebuild.
//!
//! `cargo bench --bench adhoc` (`-- <name>` for one query, `-- --quick` for a sanity run).

use std::path::{Path, PathBuf};
use std::time::Duration;

use bi_platform::sql::{self, parse, Options};
use bi_platform::{TenantScope, Warehouse};
use criterion::{criterion_group, criterion_main, Criterion};

mod common;

/// The corpus's statements with their names: the text after each `-- name: <id>` line
/// up to the next one (comments before the first name are the file's header).
fn corpus(text: &str) -> Vec<(String, String)> {
    let mut queries: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.trim().strip_prefix("-- name:") {
            queries.push((name.trim().to_string(), String::new()));
        } else if let Some((_, sql)) = queries.last_mut() {
            sql.push_str(line);
            sql.push('\n');
        }
    }
    queries
}

fn load_dir(dir: &Path) -> Warehouse {
    let mut warehouse = Warehouse::new();
    for name in ["campaigns.csv", "sales_targets.xlsx", "customers.json"] {
        let path = dir.join(name);
        let bytes =
            std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let reports = warehouse.load(name, &bytes);
        assert!(
            reports
                .iter()
                .all(|r| r.rows_rejected == 0 && r.rows_loaded > 0),
            "{name} did not load cleanly"
        );
    }
    warehouse
}

fn bench(c: &mut Criterion) {
    let sql_path = std::env::var_os("BI_ADHOC_SQL")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/adhoc.sql"));
    let text = std::fs::read_to_string(&sql_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", sql_path.display()));
    let warehouse = match std::env::var_os("BI_ADHOC_DIR") {
        Some(dir) => load_dir(Path::new(&dir)),
        None => {
            let rows = std::env::var("BI_BENCH_ROWS")
                .ok()
                .and_then(|r| r.parse().ok())
                .unwrap_or(1_000_000);
            common::warehouse(rows)
        }
    };
    let star = warehouse.star();
    let schema = sql::schema(star);
    let options = Options::with_clock();
    let mut group = c.benchmark_group("adhoc");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for (name, text) in corpus(&text) {
        let statement = parse::compile_one(&text, &schema)
            .unwrap_or_else(|e| panic!("{name} does not compile: {e}"));
        group.bench_function(name.as_str(), |b| {
            b.iter(|| {
                sql::run(star, &TenantScope::All, &statement, &options)
                    .expect("runs")
                    .rows
                    .len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

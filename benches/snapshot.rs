//! Snapshot and restore of a warehouse holding the generator's three files at 1M
//! campaign rows (100 skewed tenants): what the page does after each load and when it
//! opens. `cargo bench --bench snapshot` (`-- --quick` for a short run).
//!
//! Prints the snapshot's size first.

use std::time::Duration;

use bi_platform::generate::{targets_xlsx, write_campaigns_csv, write_customers_json, SampleSpec};
use bi_platform::Warehouse;
use criterion::{criterion_group, criterion_main, Criterion};

fn warehouse(rows: u32) -> (Warehouse, Vec<bi_platform::LoadReport>) {
    let spec = SampleSpec {
        tenants: 100,
        campaigns_per_tenant: rows / 100,
        ..SampleSpec::default()
    };
    let mut warehouse = Warehouse::new();
    let mut csv = Vec::new();
    write_campaigns_csv(&spec, &mut csv).expect("writing to memory");
    let mut reports = warehouse.load("campaigns.csv", &csv);
    assert_eq!(reports[0].rows_loaded, spec.campaign_rows());
    drop(csv);
    let xlsx = targets_xlsx(&spec).expect("building the workbook in memory");
    reports.extend(warehouse.load("sales_targets.xlsx", &xlsx));
    let mut json = Vec::new();
    write_customers_json(&spec, &mut json).expect("writing to memory");
    reports.extend(warehouse.load("customers.json", &json));
    (warehouse, reports)
}

fn bench(c: &mut Criterion) {
    let (warehouse, reports) = warehouse(1_000_000);
    let bytes = warehouse.snapshot_with_reports(&reports);
    let s = warehouse.star();
    println!(
        "snapshot of {} campaign, {} target and {} customer rows: {:.1} MB ({:.1} bytes a campaign row)",
        s.campaigns.len(),
        s.targets.len(),
        s.customers.len(),
        bytes.len() as f64 / 1e6,
        bytes.len() as f64 / s.campaigns.len() as f64
    );
    let mut group = c.benchmark_group("snapshot_1m");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("snapshot", |b| {
        b.iter(|| warehouse.snapshot_with_reports(&reports))
    });
    group.bench_function("restore", |b| {
        b.iter(|| Warehouse::restore_with_reports(&bytes).expect("restores"))
    });
    // A restore defers the hash tables (the dictionaries' intern tables, the tables' key
    // indexes) to the next load: restoring and then loading one row pays for them, as
    // every restore did before they were deferred.
    let one_row = b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
                    tenant_001,new_campaign,2024-11-01,100,10,1,1.00,2.00\n";
    group.bench_function("restore_then_load_one_row", |b| {
        b.iter(|| {
            let (mut w, _) = Warehouse::restore_with_reports(&bytes).expect("restores");
            w.load("one.csv", one_row)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Every SPEC §6 dashboard over the generator's campaigns (100 skewed tenants) plus
//! its sales targets and customers, for all tenants (`Query::default()`) and for one
//! tenant (`tenant_001`, the largest, about 19% of the rows), at 1M campaign rows.
//! With `BI_BENCH_LARGE=1` also at 10M rows (about 3 GB of RAM and a few minutes
//! to generate and load).
//!
//! `cargo bench --bench dashboards` (`BI_BENCH_LARGE=1 cargo bench --bench dashboards`).
//!
//! After loading, it prints where `fact_campaigns`' memory goes (bytes a row per column,
//! key index, dictionaries: `StarSchema::campaign_memory`).
//!
//! `campaign_performance` without a limit returns every fact row in scope (1M rows for
//! all tenants), as the contract's row-per-fact grain says; the page asks for a page
//! of it (`limit`), so that case is measured too, and so is the page's whole `view`.

use std::time::Duration;

use bi_platform::{view, Dashboard, Query, TenantScope};
use common::warehouse;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

mod common;

fn bench_size(c: &mut Criterion, rows: u32) {
    let warehouse = warehouse(rows);
    let memory = warehouse.star().campaign_memory();
    println!("memory: {memory}");
    println!(
        "memory: fact_campaigns {:.1} bytes a row in columns ({}), {:.1} in the key index, \
         {:.1} in dictionaries",
        memory.per_row(memory.column_bytes()),
        memory
            .columns
            .iter()
            .map(|c| format!("{} {:.1}", c.name, memory.per_row(c.bytes)))
            .collect::<Vec<_>>()
            .join(", "),
        memory.per_row(memory.index),
        memory.per_row(memory.dictionary_bytes()),
    );
    let label = if rows >= 1_000_000 {
        format!("{}M", rows / 1_000_000)
    } else {
        format!("{}k", rows / 1_000)
    };
    let scopes = [
        ("all_tenants", Query::default()),
        (
            "one_tenant",
            Query {
                tenants: TenantScope::Only(vec!["tenant_001".to_string()]),
                ..Query::default()
            },
        ),
    ];
    let mut group = c.benchmark_group(format!("dashboards_{label}"));
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for dashboard in Dashboard::ALL {
        for (scope, query) in &scopes {
            group.bench_with_input(
                BenchmarkId::new(dashboard.name(), scope),
                query,
                |b, query| b.iter(|| warehouse.dashboard(dashboard, query).expect("dashboard")),
            );
        }
    }
    for (scope, query) in &scopes {
        let paged = Query {
            limit: Some(100),
            ..query.clone()
        };
        group.bench_with_input(
            BenchmarkId::new("campaign_performance_limit_100", scope),
            &paged,
            |b, query| {
                b.iter(|| {
                    warehouse
                        .dashboard(Dashboard::CampaignPerformance, query)
                        .expect("dashboard")
                })
            },
        );
    }
    // What the page asks for on a tenant or filter change: the whole view (every
    // dashboard once, campaign_performance paged to 50 rows, KPIs, chart data).
    for (scope, query) in &scopes {
        let page = view::Page {
            offset: None,
            limit: Some(50),
            ..view::Page::default()
        };
        group.bench_with_input(BenchmarkId::new("view", scope), query, |b, query| {
            b.iter(|| view::view(&warehouse, query, &page).expect("view"))
        });
    }
    group.finish();
}

fn dashboards(c: &mut Criterion) {
    let rows: u32 = std::env::var("BI_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    bench_size(c, rows);
    if std::env::var("BI_BENCH_LARGE").is_ok_and(|v| v == "1") {
        bench_size(c, 10_000_000);
    }
}

criterion_group!(benches, dashboards);
criterion_main!(benches);

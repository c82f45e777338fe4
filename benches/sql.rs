//! SQL over the star schema at 1M campaign rows (the generator's 100 skewed tenants,
//! its targets and customers): the seven dashboards written as SQL
//! ([`Dashboard::sql`], `target_vs_actual` as a join), plus a few analyst questions,
//! for all tenants and for one tenant. Planning is measured apart from running.
//!
//! `cargo bench --bench sql` (`cargo bench --bench sql -- --quick` for a sanity run).

use std::time::Duration;

use bi_platform::sql::{self, parse, Options};
use bi_platform::{Dashboard, TenantScope};
use common::warehouse;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

mod common;

const QUESTIONS: &[(&str, &str)] = &[
    (
        "revenue_by_region_month",
        "SELECT region, strftime('%Y-%m', date) AS month, SUM(revenue) FROM fact_campaigns \
         GROUP BY 1, 2 ORDER BY 1, 2",
    ),
    (
        "top3_campaigns_per_tenant",
        "SELECT * FROM (SELECT tenant_id, campaign_id, revenue, ROW_NUMBER() OVER \
         (PARTITION BY tenant_id ORDER BY revenue DESC) AS rn FROM fact_campaigns) \
         WHERE rn <= 3 ORDER BY tenant_id, rn",
    ),
    (
        "filtered_count",
        "SELECT COUNT(*), SUM(spend) FROM fact_campaigns WHERE channel = 'Search' \
         AND date >= '2024-11-01' AND roi > 1",
    ),
];

fn bench(c: &mut Criterion) {
    let warehouse = warehouse(1_000_000);
    let star = warehouse.star();
    let schema = sql::schema(star);
    let options = Options::with_clock();
    let scopes = [
        ("all_tenants", TenantScope::All),
        (
            "one_tenant",
            TenantScope::Only(vec!["tenant_001".to_string()]),
        ),
    ];
    let mut queries: Vec<(String, &str)> = Dashboard::ALL
        .iter()
        .map(|d| (d.name().to_string(), d.sql()))
        .collect();
    queries.extend(QUESTIONS.iter().map(|(n, q)| (n.to_string(), *q)));
    let mut group = c.benchmark_group("sql_1M");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for (name, text) in &queries {
        let statement = parse::compile_one(text, &schema).expect("the query compiles");
        group.bench_with_input(BenchmarkId::new("plan", name), text, |b, text| {
            b.iter(|| parse::compile_one(text, &schema).expect("compiles"))
        });
        for (scope_name, scope) in &scopes {
            group.bench_with_input(
                BenchmarkId::new(name.as_str(), scope_name),
                &statement,
                |b, statement| {
                    b.iter(|| {
                        sql::run(star, scope, statement, &options)
                            .expect("runs")
                            .rows
                            .len()
                    })
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! What a click-to-filter costs at 1M campaign rows (issue 13), natively: the hit test
//! that maps the click to its datum, then the whole page for the new query (every
//! dashboard once, KPIs, chart data: `view::view`), and `page`: the view as the page
//! asks for it after a click on the unfiltered view (the clicked chart's own chart kept
//! from that view, one screenful of each table), encoded as JSON (standing in for the
//! page's encoding to JS) and all seven charts drawn (to SVG here, to canvases in the
//! page).
//!
//! `cargo bench --bench crossfilter` (`BI_BENCH_ROWS=100000` for a smaller run). The page's
//! own figure is `node bench/page/crossfilter.mjs`; both are in BENCHMARKS.md.

use std::time::Duration;

use bi_platform::chart::ChartMemo;
use bi_platform::chart::{draw, hit};
use bi_platform::{view, Dashboard, Query, TenantScope};
use common::warehouse;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use plotters::prelude::SVGBackend;

mod common;

fn crossfilter(c: &mut Criterion) {
    let rows: u32 = std::env::var("BI_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let warehouse = warehouse(rows);
    let page = view::Page {
        offset: None,
        limit: Some(50),
        ..view::Page::default()
    };
    let all = view::view(&warehouse, &Query::default(), &page).expect("view");
    let shown = view::Page {
        tables: Dashboard::ALL
            .into_iter()
            .filter(|d| *d != Dashboard::CampaignPerformance)
            .map(|d| {
                let first = view::TablePage {
                    limit: Some(100),
                    ..view::TablePage::default()
                };
                (d, first)
            })
            .collect(),
        ..page.clone()
    };
    let channels = all
        .charts
        .iter()
        .find(|c| c.id == "channels")
        .expect("chart");
    let mut svg = String::new();
    let marks = draw(
        channels,
        SVGBackend::with_string(&mut svg, (1200, 640)),
        2.0,
    )
    .expect("draw");
    let bar = marks.regions[0];
    let (x, y) = bar.centre();
    let first_day = all.charts[0].categories[0].clone();
    let first_campaign = warehouse
        .star()
        .dims
        .campaign
        .value(0)
        .expect("a campaign")
        .to_string();

    let mut group = c.benchmark_group(format!("crossfilter_{}k", rows / 1000));
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("hit_test", |b| {
        b.iter(|| hit(channels, &marks, f64::from(x), f64::from(y)).expect("a bar"))
    });
    // The clicks: a channel bar (every tenant), a tenant bar, a day on the trend, a month
    // of the attainment chart, Ctrl-click a second channel, a campaign drilled into.
    let clicks = [
        (
            "channel",
            Query {
                channels: vec![channels.categories[0].clone()],
                ..Query::default()
            },
        ),
        (
            "tenant",
            Query {
                tenants: TenantScope::Only(vec!["tenant_001".into()]),
                ..Query::default()
            },
        ),
        (
            "day",
            Query {
                dates: vec![first_day],
                ..Query::default()
            },
        ),
        (
            "month",
            Query {
                months: vec!["2024-11".into()],
                ..Query::default()
            },
        ),
        (
            "two_channels",
            Query {
                channels: channels.categories[..2].to_vec(),
                ..Query::default()
            },
        ),
        (
            "campaign",
            Query {
                tenants: TenantScope::Only(vec!["tenant_001".into()]),
                campaigns: vec![first_campaign],
                ..Query::default()
            },
        ),
    ];
    for (name, query) in &clicks {
        group.bench_with_input(BenchmarkId::new("view", name), query, |b, q| {
            b.iter(|| view::view(&warehouse, q, &page).expect("view"))
        });
        // As the page asks after a click on the unfiltered view: the clicked chart's own
        // chart kept from that view (the memo), each table one screenful.
        let mut memo = ChartMemo::default();
        view::view_with(&warehouse, &Query::default(), &shown, &mut memo).expect("view");
        group.bench_with_input(BenchmarkId::new("page", name), query, |b, q| {
            b.iter(|| {
                let v = view::view_with(&warehouse, q, &shown, &mut memo).expect("view");
                let json = serde_json::to_vec(&v).expect("json");
                let mut drawn = 0;
                for chart in &v.charts {
                    let mut out = String::new();
                    draw(chart, SVGBackend::with_string(&mut out, (1200, 640)), 2.0).expect("draw");
                    drawn += out.len();
                }
                (json.len(), drawn)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, crossfilter);
criterion_main!(benches);

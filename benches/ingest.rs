//! Native ingest throughput: the generator's campaigns CSV (1M rows, ~115 MB, 100
//! skewed tenants) parsed, validated and committed into a fresh warehouse.
//!
//! `cargo bench --bench ingest` (set `BI_BENCH_ROWS` to change the size).

use bi_platform::generate::{write_campaigns_csv, SampleSpec};
use bi_platform::ingest::IngestStream;
use bi_platform::Warehouse;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn campaigns_csv(rows: u32) -> Vec<u8> {
    let spec = SampleSpec {
        tenants: 100,
        campaigns_per_tenant: rows / 100,
        ..SampleSpec::default()
    };
    let mut bytes = Vec::new();
    write_campaigns_csv(&spec, &mut bytes).expect("writing to memory");
    bytes
}

fn ingest(c: &mut Criterion) {
    let rows: u32 = std::env::var("BI_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let csv = campaigns_csv(rows);
    let mut group = c.benchmark_group("ingest_csv");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(csv.len() as u64));
    group.bench_function(format!("{rows}_rows_load"), |b| {
        b.iter(|| {
            let mut warehouse = Warehouse::new();
            let reports = warehouse.load("campaigns.csv", &csv);
            assert_eq!(reports[0].rows_loaded, u64::from(rows));
            warehouse
        })
    });
    group.bench_function(format!("{rows}_rows_stream_4mb_chunks"), |b| {
        b.iter(|| {
            let mut stream = IngestStream::new("campaigns.csv");
            for chunk in csv.chunks(4 << 20) {
                stream.push(chunk);
            }
            let mut warehouse = Warehouse::new();
            warehouse.commit(stream.finish());
            warehouse
        })
    });
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);

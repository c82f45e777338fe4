//! Native ingest throughput: the generator's campaigns CSV (1M rows, ~115 MB, 100
//! skewed tenants) and its sales targets workbook scaled up to ~200k rows (834
//! tenants x 240 targets, ~8 MB of XLSX), each parsed, validated and committed into a
//! fresh warehouse. Criterion reports both MB/s and rows/s.
//!
//! `ingest_phases` times staging and the commit of a one-thread load apart.
//!
//! `cargo bench --bench ingest` (set `BI_BENCH_ROWS` to change the CSV's size,
//! `BI_BENCH_XLSX_TENANTS` the workbook's: 240 rows per tenant, at most 4,369).

use bi_platform::generate::{targets_xlsx, write_campaigns_csv, SampleSpec};
use bi_platform::ingest::delimited::parse_piece;
use bi_platform::ingest::IngestStream;
use bi_platform::Warehouse;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

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
    group.throughput(Throughput::ElementsAndBytes {
        elements: u64::from(rows),
        bytes: csv.len() as u64,
    });
    group.bench_function(format!("{rows}_rows_load"), |b| {
        b.iter(|| {
            let mut warehouse = Warehouse::new();
            let reports = warehouse.load("campaigns.csv", &csv);
            assert_eq!(reports[0].rows_loaded, u64::from(rows));
            warehouse
        })
    });
    // Peak heap of one load by each path, above what was live before it (the input
    // included in neither), printed once: staging a part holds a few MB, staging the
    // whole file holds it all beside the tables being filled.
    for (path, parts) in [("committed in parts", true), ("staged whole", false)] {
        let base = bi_platform::memory::reset_peak();
        let mut warehouse = Warehouse::new();
        let mut stream = warehouse.stream("campaigns.csv");
        for chunk in csv.chunks(8 << 20) {
            if parts {
                warehouse.push(&mut stream, chunk);
            } else {
                stream.push(chunk);
            }
        }
        warehouse.commit(stream.finish());
        let peak = bi_platform::memory::peak_bytes().saturating_sub(base);
        let kept = bi_platform::memory::live_bytes().saturating_sub(base);
        eprintln!(
            "ingest_csv/{rows}_rows, {path}: peak heap {:.1} MiB, warehouse {:.1} MiB",
            peak as f64 / f64::from(1 << 20),
            kept as f64 / f64::from(1 << 20)
        );
    }
    // The CLI's configuration: every core reads delimited text (`--threads`), files
    // streamed in 8 MB chunks and committed in parts as they are read
    // (`Warehouse::push`). One thread and every core, to read the scaling off.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut thread_counts = vec![1, cores];
    thread_counts.dedup();
    for threads in thread_counts {
        group.bench_function(
            format!("{rows}_rows_stream_8mb_chunks_{threads}_threads"),
            |b| {
                b.iter(|| {
                    let mut warehouse = Warehouse::new();
                    warehouse.set_threads(threads);
                    let mut stream = warehouse.stream("campaigns.csv");
                    for chunk in csv.chunks(8 << 20) {
                        warehouse.push(&mut stream, chunk);
                    }
                    let reports = warehouse.commit(stream.finish());
                    assert_eq!(reports[0].rows_loaded, u64::from(rows));
                    warehouse
                })
            },
        );
    }
    // The same, one thread, with the file staged whole and committed at its end (the
    // path before parts; still the path of XLSX, JSON and Parquet): what parts cost or
    // save, in the same run.
    group.bench_function(format!("{rows}_rows_stream_8mb_chunks_staged_whole"), |b| {
        b.iter(|| {
            let mut warehouse = Warehouse::new();
            let mut stream = warehouse.stream("campaigns.csv");
            for chunk in csv.chunks(8 << 20) {
                stream.push(chunk);
            }
            let reports = warehouse.commit(stream.finish());
            assert_eq!(reports[0].rows_loaded, u64::from(rows));
            warehouse
        })
    });
    group.finish();

    // The two phases of a one-thread load apart (BENCHMARKS.md, "Ingest"): staging
    // (read, validate, stage; 8 MB chunks) and the commit into an
    // empty warehouse, each timed without the other.
    let mut phases = c.benchmark_group("ingest_phases");
    phases.sample_size(10);
    let stage = || {
        let mut stream = IngestStream::new("campaigns.csv");
        for chunk in csv.chunks(8 << 20) {
            stream.push(chunk);
        }
        stream.finish()
    };
    phases.bench_function(format!("{rows}_rows_stage"), |b| b.iter(stage));
    // What the page's parsing workers do with the same file: each 4 MB run the stream
    // hands out, read by `parse_piece` into an answer (one piece per run, as on two
    // cores). Staging's time against this one is what handing a run out costs.
    let runs: Vec<(Vec<u8>, Vec<u8>)> = {
        let mut stream = IngestStream::new("campaigns.csv").with_outsourcing(1, 1 << 20);
        let mut runs = Vec::new();
        for chunk in csv.chunks(4 << 20) {
            stream.push(chunk);
            if let Some(work) = stream.work() {
                runs.push((work.spec.clone(), work.pieces[0].to_vec()));
            }
        }
        runs
    };
    phases.bench_function(format!("{rows}_rows_parse_pieces"), |b| {
        b.iter(|| {
            runs.iter()
                .map(|(spec, piece)| parse_piece(spec, 0, piece).len())
                .sum::<usize>()
        })
    });
    phases.bench_function(format!("{rows}_rows_commit"), |b| {
        b.iter_batched(
            stage,
            |staged| {
                let mut warehouse = Warehouse::new();
                let reports = warehouse.commit(staged);
                assert_eq!(reports[0].rows_loaded, u64::from(rows));
                warehouse
            },
            BatchSize::PerIteration,
        )
    });
    phases.finish();
}

/// The generator's sales targets workbook (one `targets` sheet, 240 rows per
/// tenant, built with rust_xlsxwriter) for `tenants` tenants.
fn targets_workbook(tenants: u32) -> (Vec<u8>, u64) {
    let spec = SampleSpec {
        tenants,
        ..SampleSpec::default()
    };
    let xlsx = targets_xlsx(&spec).expect("building the workbook in memory");
    (xlsx, spec.target_rows())
}

fn ingest_xlsx(c: &mut Criterion) {
    let tenants: u32 = std::env::var("BI_BENCH_XLSX_TENANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(834);
    let (xlsx, rows) = targets_workbook(tenants);
    let mut group = c.benchmark_group("ingest_xlsx");
    group.sample_size(10);
    group.throughput(Throughput::ElementsAndBytes {
        elements: rows,
        bytes: xlsx.len() as u64,
    });
    group.bench_function(format!("{rows}_rows_load"), |b| {
        b.iter(|| {
            let mut warehouse = Warehouse::new();
            let reports = warehouse.load("sales_targets.xlsx", &xlsx);
            assert_eq!(reports[0].rows_loaded, rows);
            warehouse
        })
    });
    group.finish();
}

criterion_group!(benches, ingest, ingest_xlsx);
criterion_main!(benches);

//! The checks every fuzz target runs, shared with `tests/fuzz_regressions.rs` (which
//! includes this file with `#[path]`), so a corpus or crash file replayed as an
//! ordinary test asserts exactly what the fuzzer asserted.
//!
//! Only `bi_platform` and `serde_json` (already a dependency of it) are used.

use bi_platform::ingest::IngestStream;
use bi_platform::{chart, export, Dashboard, LoadReport, Query, TenantScope, Warehouse};

/// Asserts the accounting of one load report.
pub fn check_report(report: &LoadReport) {
    assert_eq!(
        report.rows_read,
        report.rows_loaded + report.rows_rejected,
        "rows_read = rows_loaded + rows_rejected: {report:?}"
    );
    assert_eq!(
        report.rejected.len() as u64,
        report.rows_rejected,
        "{report:?}"
    );
    if report.error.is_some() {
        assert_eq!((report.table, report.rows_read), (None, 0), "{report:?}");
    }
}

/// Runs every dashboard, chart, KPI and export of the warehouse under the default query
/// and under the scope of its first tenant, and checks that the scoped results name no
/// other tenant in their `tenant_id` column.
pub fn check_dashboards(warehouse: &Warehouse) {
    let all = Query::default();
    run_everything(warehouse, &all, None);
    let tenants: Vec<String> = warehouse.tenants().iter().map(|t| t.to_string()).collect();
    if let Some(first) = tenants.first() {
        let scoped = Query {
            tenants: TenantScope::Only(vec![first.clone()]),
            ..Query::default()
        };
        run_everything(warehouse, &scoped, Some(first));
    }
    let _ = chart::filter_options(warehouse);
}

fn run_everything(warehouse: &Warehouse, query: &Query, tenant: Option<&str>) {
    for dashboard in Dashboard::ALL {
        let result = warehouse
            .dashboard(dashboard, query)
            .expect("a query without dates always runs");
        if let (Some(tenant), Some(column)) = (tenant, result.column("tenant_id")) {
            for row in &result.rows {
                assert_eq!(
                    row[column].to_plain_string(),
                    tenant,
                    "{} leaks another tenant",
                    dashboard.name()
                );
            }
        }
        let csv = export::dashboard_csv(&result);
        assert!(csv.lines().count() > result.rows.len() || csv.contains('"'));
    }
    chart::charts(warehouse, query).expect("charts run");
    chart::kpis(warehouse, query).expect("kpis run");
}

/// Loads `bytes` as one file into a fresh warehouse, checks the reports and runs every
/// dashboard. Returns the warehouse and its reports.
pub fn check_load(name: &str, bytes: &[u8]) -> (Warehouse, Vec<LoadReport>) {
    let mut warehouse = Warehouse::new();
    let reports = warehouse.load(name, bytes);
    assert!(!reports.is_empty());
    for report in &reports {
        check_report(report);
    }
    let _ = export::rejects_csv(&reports);
    check_dashboards(&warehouse);
    (warehouse, reports)
}

/// Chunk lengths derived from `seed`: a small xorshift walk over 1..=max.
pub fn chunk_lengths(seed: u8, total: usize) -> Vec<usize> {
    let max = match seed % 4 {
        0 => 1,
        1 => 7,
        2 => 64,
        _ => 4096,
    };
    let mut state = u32::from(seed) | 0x9E37_7900;
    let mut lengths = Vec::new();
    let mut left = total;
    while left > 0 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let len = (state as usize % max + 1).min(left);
        lengths.push(len);
        left -= len;
    }
    lengths
}

/// The dashboards of a warehouse as comparable JSON.
pub fn dashboards_json(warehouse: &Warehouse) -> Vec<serde_json::Value> {
    Dashboard::ALL
        .into_iter()
        .map(|d| {
            serde_json::to_value(warehouse.dashboard(d, &Query::default()).expect("runs"))
                .expect("serialises")
        })
        .collect()
}

/// Streams `bytes` through [`IngestStream`] in chunks chosen by `seed` and asserts the
/// reports and dashboards equal those of the one-shot load.
pub fn check_chunks(seed: u8, bytes: &[u8]) {
    let (whole, expected) = check_load("file.csv", bytes);
    let mut stream = IngestStream::new("file.csv");
    let mut at = 0;
    for len in chunk_lengths(seed, bytes.len()) {
        stream.push(&bytes[at..at + len]);
        at += len;
    }
    assert_eq!(stream.bytes_read(), bytes.len() as u64);
    let mut streamed = Warehouse::new();
    let reports = streamed.commit(stream.finish());
    assert_eq!(
        reports, expected,
        "chunking changed the reports (seed {seed})"
    );
    assert_eq!(
        dashboards_json(&streamed),
        dashboards_json(&whole),
        "chunking changed the dashboards (seed {seed})"
    );
}

/// Streams `bytes` with several threads splitting runs of quote-free lines (`seed`
/// picks the chunking, the thread count and the least run worth splitting, down to one
/// byte) and asserts the reports and dashboards equal those of the one-shot load on one
/// thread.
///
/// Only the comparison: the other targets run every dashboard, chart and export over
/// the same inputs, so this one spends its executions on the split.
pub fn check_parallel(seed: u8, bytes: &[u8]) {
    let mut whole = Warehouse::new();
    let expected = whole.load("file.csv", bytes);
    let threads = 2 + usize::from(seed % 5);
    let min_run = 1 + usize::from(seed >> 3) * 16;
    // Odd seeds read as the page does: runs handed out to parsing workers (here
    // `parse_piece` in turn, as a worker with its own memory would), even seeds on threads.
    let outsourced = seed & 1 == 1;
    let mut stream = if outsourced {
        IngestStream::new("file.csv").with_outsourcing(threads, min_run)
    } else {
        IngestStream::new("file.csv").with_parallel_reading(threads, min_run)
    };
    let mut at = 0;
    for len in chunk_lengths(seed.rotate_left(4), bytes.len()) {
        stream.push(&bytes[at..at + len]);
        at += len;
        if let Some(work) = stream.work() {
            let answers: Vec<Vec<u8>> = work
                .pieces
                .iter()
                .enumerate()
                .map(|(i, piece)| bi_platform::ingest::delimited::parse_piece(&work.spec, i, piece))
                .collect();
            let answers: Vec<&[u8]> = answers.iter().map(Vec::as_slice).collect();
            stream.absorb_work(&answers);
        }
    }
    let mut parallel = Warehouse::new();
    let reports = parallel.commit(stream.finish());
    assert_eq!(
        reports, expected,
        "{threads} threads changed the reports (seed {seed})"
    );
    assert_eq!(
        dashboards_json(&parallel),
        dashboards_json(&whole),
        "{threads} threads changed the dashboards (seed {seed})"
    );
}

/// Splits the input on the byte sequence `\0\0FILE\0\0` into up to four files and loads
/// them in order into one warehouse.
pub fn check_load_path(bytes: &[u8]) {
    const SEP: &[u8] = b"\0\0FILE\0\0";
    let mut files: Vec<&[u8]> = Vec::new();
    let mut rest = bytes;
    while files.len() < 3 {
        match rest.windows(SEP.len()).position(|w| w == SEP) {
            Some(i) => {
                files.push(&rest[..i]);
                rest = &rest[i + SEP.len()..];
            }
            None => break,
        }
    }
    files.push(rest);
    let mut warehouse = Warehouse::new();
    for (i, file) in files.iter().enumerate() {
        let reports = warehouse.load(&format!("file{i}"), file);
        assert!(!reports.is_empty());
        for report in &reports {
            check_report(report);
        }
    }
    check_dashboards(&warehouse);
}

/// The XLSX reader on any bytes: a zip goes through the warehouse (which picks the
/// XLSX reader by its `PK` signature), anything else straight to the reader.
pub fn check_xlsx(bytes: &[u8]) {
    if bytes.starts_with(b"PK\x03\x04") {
        check_load("workbook.xlsx", bytes);
    } else {
        let _ = bi_platform::ingest::xlsx::read_xlsx(bytes);
    }
}

/// The JSON reader on any bytes, then the warehouse.
pub fn check_json(bytes: &[u8]) {
    if let Ok(tables) = bi_platform::ingest::json::read_json(bytes) {
        for table in &tables {
            let _ = table.loaded_rows();
        }
    }
    check_load("api.json", bytes);
}

//! The checks every fuzz target runs (fuzz/, cargo-fuzz's crate, depends on this one),
//! shared with this crate's `tests/fuzz_regressions.rs`, so a corpus or crash file
//! replayed as an ordinary test asserts exactly what the fuzzer asserted.
//!
//! Only `bi_platform` is used.

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

/// Streams `bytes` through [`IngestStream`] in chunks chosen by `seed` and asserts the
/// reports and the warehouse equal those of the one-shot load ([`assert_same_warehouse`]).
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
    assert_same_warehouse(
        (&streamed, &reports),
        (&whole, &expected),
        &format!("chunking (seed {seed})"),
    );
}

/// How the simulated page's parsing workers answer one run handed out to them
/// (`with_outsourcing`): whatever they do, the load must be the one-thread load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workers {
    /// Every piece read by `parse_piece`, the answers given back in order.
    Answer,
    /// Nobody answers: the engine reads the run itself when the next bytes come.
    Silent,
    /// One answer is cut short: refused, the run read here.
    Damaged,
    /// The answers come back in reverse order: refused, never absorbed out of order.
    Swapped,
    /// The answers of the previous run come back (a slow worker): refused by run number.
    Stale,
}

impl Workers {
    /// Half the runs answered properly, the other half split over the four misbehaviours,
    /// drawn from `state` (advanced once per run).
    fn draw(state: &mut u32) -> Workers {
        *state ^= *state << 13;
        *state ^= *state >> 17;
        *state ^= *state << 5;
        match *state % 8 {
            0..=3 => Workers::Answer,
            4 => Workers::Silent,
            5 => Workers::Damaged,
            6 => Workers::Swapped,
            _ => Workers::Stale,
        }
    }
}

/// Everything a warehouse stores, as text, for a readable difference when two
/// warehouses' snapshots differ: each table's columns in declaration order, a dimension
/// key shown as the value the row sees through its dictionary (and the key itself, as
/// the key order is part of the contents), the extra columns likewise, then every
/// dictionary whole (values no row points at included).
pub fn contents(warehouse: &Warehouse) -> String {
    use bi_platform::model::schema::TableKind;
    use bi_platform::model::star::Values;
    use std::fmt::Write;
    let star = warehouse.star();
    let mut out = String::new();
    for table in TableKind::ALL {
        let (rows, columns, extras) = star.stored(table);
        writeln!(out, "{} ({rows} rows)", table.name()).unwrap();
        for column in columns {
            let dict = column.feeds.and_then(|f| star.dims.dict(f.dim));
            let seen = |key: u32| match dict {
                Some(dict) => format!("{key}:{:?}", dict.value(key)),
                None => key.to_string(),
            };
            let values: Vec<String> = match column.values {
                Values::Keys(k) => k.iter().map(seen).collect(),
                Values::U32(v) => v.iter().map(|&k| seen(k)).collect(),
                Values::I64(v) => v.iter().map(i64::to_string).collect(),
                Values::Days(v) => v.iter().map(|d| format!("{d:?}")).collect(),
                Values::U16(v) => v.iter().map(u16::to_string).collect(),
                Values::U8(v) => v.iter().map(u8::to_string).collect(),
            };
            writeln!(out, "  {} = [{}]", column.name, values.join(", ")).unwrap();
        }
        for (name, column) in extras.names.iter().zip(&extras.columns) {
            let values: Vec<String> = column
                .iter()
                .map(|&k| format!("{k}:{:?}", extras.values.value(k)))
                .collect();
            writeln!(out, "  extra {name:?} = [{}]", values.join(", ")).unwrap();
        }
        let extra_values: Vec<&str> = extras.values.values().collect();
        writeln!(out, "  extra values {extra_values:?}").unwrap();
    }
    let d = &star.dims;
    for (dim, dict) in d.all() {
        let name = dim.name();
        writeln!(out, "dim {name}: {:?}", dict.values().collect::<Vec<_>>()).unwrap();
    }
    out
}

/// Asserts that `got` (with its reports) holds exactly what `expected` holds: the
/// reports (rows, rejects with their lines and reasons, warnings, extra columns,
/// `unchanged_from`, errors) compared directly, then the warehouses' snapshots byte for
/// byte ([`Warehouse::snapshot_with_reports`]: every dictionary in key order, every
/// column of every table at its stored width, the extra columns, and the loaded files'
/// fingerprints, which decide `unchanged_from` for a later file). On a difference the
/// contents are compared as text first ([`contents`]), to show where.
///
/// The snapshot of `got` must also restore: a consistent warehouse (equal column
/// lengths, keys within their dictionaries, distinct dictionary values and row keys),
/// which is what running the dashboards over it used to show, at a fraction of the cost.
///
/// Dashboards, charts and exports are functions of these contents (the warehouse's
/// other state is a cache of orderings derived from them and its settings), so equal
/// contents answer them equally; the targets `csv_bytes`, `csv_chunks` and `load_path`
/// still run all of them on every input.
pub fn assert_same_warehouse(
    got: (&Warehouse, &[LoadReport]),
    expected: (&Warehouse, &[LoadReport]),
    what: &str,
) {
    assert_eq!(got.1, expected.1, "{what} changed the reports");
    let snapshot = got.0.snapshot_with_reports(got.1);
    if snapshot != expected.0.snapshot_with_reports(expected.1) {
        assert_eq!(
            contents(got.0),
            contents(expected.0),
            "{what} changed the warehouse"
        );
        panic!("{what} changed the warehouse's snapshot (key widths or loaded files)");
    }
    let restored = Warehouse::restore_with_reports(&snapshot);
    assert!(
        restored.is_ok(),
        "{what}: the warehouse is not consistent: {:?}",
        restored.err()
    );
}

/// Streams `bytes` with several threads splitting runs of quote-free lines (`seed`
/// picks the chunking, the thread count and the least run worth splitting, down to one
/// byte) and asserts the reports and the warehouse equal those of the one-shot load on
/// one thread ([`assert_same_warehouse`]).
///
/// Odd seeds read as the page does: runs handed out to parsing workers (here
/// `parse_piece` in turn, as a worker with its own memory would), who answer, stay
/// silent, damage an answer, swap answers or give a stale run's answers ([`Workers`],
/// drawn per run from the seed); even seeds read on threads: the stream's own parsing
/// threads reading while the warehouse commits (the CLI's pipeline) when `seed & 2`,
/// else scoped threads splitting each run.
///
/// Only the comparison: the other targets run every dashboard, chart and export over
/// the same inputs, so this one spends its executions on the split.
pub fn check_parallel(seed: u8, bytes: &[u8]) {
    // The reference: one thread, the file staged whole and committed at its end.
    let mut whole = Warehouse::new();
    let mut one_shot = IngestStream::new("file.csv");
    one_shot.push(bytes);
    let expected = whole.commit(one_shot.finish());
    // Read in parallel and committed in parts of a few rows as it is read.
    let part_rows = 1 + u64::from(seed.rotate_left(2) % 8);
    let mut parallel = Warehouse::new();
    let outsourced = seed & 1 == 1;
    // One parsing worker is the page on two cores; threads start at two.
    let threads = usize::from(!outsourced) + 1 + usize::from(seed % 5);
    let min_run = 1 + usize::from(seed >> 3) * 16;
    let pipelined = !outsourced && seed & 2 == 2;
    let mut stream = if outsourced {
        IngestStream::new("file.csv").with_outsourcing(threads, min_run)
    } else if pipelined {
        IngestStream::new("file.csv").with_parse_threads(threads, min_run)
    } else {
        IngestStream::new("file.csv").with_parallel_reading(threads, min_run)
    }
    .with_part_rows(part_rows);
    // Answers given back `lag` pushes after their run was handed out (the page's
    // pipeline), what still waits before the end.
    let lag = usize::from(seed.rotate_left(1) % 4);
    let mut behaviour = u32::from(seed) | 0x5EED_0000;
    let mut previous: Vec<Vec<u8>> = Vec::new();
    let mut behaviours = Vec::new();
    let mut waiting = std::collections::VecDeque::new();
    let absorb = |stream: &mut IngestStream, (run, answers): (u64, Vec<Vec<u8>>)| {
        let given: Vec<&[u8]> = answers.iter().map(Vec::as_slice).collect();
        stream.absorb_work(run, &given);
    };
    let mut at = 0;
    for len in chunk_lengths(seed.rotate_left(4), bytes.len()) {
        parallel.push(&mut stream, &bytes[at..at + len]);
        at += len;
        if let Some(work) = stream.work().filter(|_| outsourced) {
            let mut answers: Vec<Vec<u8>> = work
                .pieces
                .iter()
                .enumerate()
                .map(|(i, piece)| bi_platform::ingest::delimited::parse_piece(&work.spec, i, piece))
                .collect();
            let workers = Workers::draw(&mut behaviour);
            behaviours.push(workers);
            match workers {
                Workers::Answer => {}
                Workers::Silent => {
                    previous = answers;
                    answers = Vec::new();
                }
                Workers::Damaged => {
                    let last = answers.last_mut().expect("a run has a piece");
                    last.truncate(last.len() / 2);
                }
                Workers::Swapped => answers.reverse(),
                Workers::Stale => std::mem::swap(&mut answers, &mut previous),
            }
            if workers != Workers::Stale && workers != Workers::Silent {
                previous = answers.clone();
            }
            if workers != Workers::Silent {
                waiting.push_back((work.run, answers));
            }
        }
        while waiting.len() > lag {
            absorb(&mut stream, waiting.pop_front().expect("waiting"));
        }
    }
    for answers in waiting {
        absorb(&mut stream, answers);
    }
    let reports = parallel.commit(stream.finish());
    let what = if outsourced {
        format!(
            "{threads} workers answering {behaviours:?} {lag} pushes late from {min_run} \
             bytes, parts of {part_rows} rows (seed {seed})"
        )
    } else {
        let how = if pipelined {
            "parse threads"
        } else {
            "threads"
        };
        format!("{threads} {how} from {min_run} bytes, parts of {part_rows} rows (seed {seed})")
    };
    assert_same_warehouse((&parallel, &reports), (&whole, &expected), &what);
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

mod parquet;
mod snapshot;
mod sql;

pub use parquet::check_parquet;
pub use snapshot::check_snapshot;
pub use sql::{check_sql, generated_sql};

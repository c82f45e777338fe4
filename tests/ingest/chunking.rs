//! The streaming path: a file fed to `IngestStream` in chunks of any size gives the same
//! load reports and dashboards as `Warehouse::load` of the whole file (SPEC §3 encodings,
//! line endings, quoting; the reader's own promise that chunking never matters).
//!
//! The delimited fixtures in tests/fixtures/chunk_*.csv are written by
//! tests/fixtures/make_chunk_fixtures.py. All six hold the same 34 campaign rows (two
//! rejected, one `conversions_gt_clicks` warning, a blank line, quoted fields with
//! delimiters, doubled quotes, LF and CRLF inside quotes, an extra `notes` column), in
//! different clothes:
//!
//! | file | encoding | line ending | delimiter | title lines |
//! |---|---|---|---|---|
//! | chunk_crlf_bom.csv | UTF-8 with BOM | CRLF | `,` | 2 |
//! | chunk_lf.csv | UTF-8 | LF | `,` | 0 |
//! | chunk_cr.csv | UTF-8 | CR | `,` | 1 |
//! | chunk_utf16le.csv | UTF-16LE with BOM | CRLF | `,` | 2 |
//! | chunk_cp1252.csv | Windows-1252 (é, €) | CRLF | `,` | 2 |
//! | chunk_semicolon.csv | UTF-8 | LF | `;` with decimal commas | 2 |

use crate::common::*;
use bi_platform::ingest::IngestStream;
use bi_platform::{LoadReport, Warehouse};
use proptest::prelude::*;

struct Fixture {
    name: &'static str,
    bytes: &'static [u8],
    /// Title lines above the header.
    titles: u64,
}

const FIXTURES: [Fixture; 6] = [
    Fixture {
        name: "chunk_crlf_bom.csv",
        bytes: include_bytes!("../fixtures/chunk_crlf_bom.csv"),
        titles: 2,
    },
    Fixture {
        name: "chunk_lf.csv",
        bytes: include_bytes!("../fixtures/chunk_lf.csv"),
        titles: 0,
    },
    Fixture {
        name: "chunk_cr.csv",
        bytes: include_bytes!("../fixtures/chunk_cr.csv"),
        titles: 1,
    },
    Fixture {
        name: "chunk_utf16le.csv",
        bytes: include_bytes!("../fixtures/chunk_utf16le.csv"),
        titles: 2,
    },
    Fixture {
        name: "chunk_cp1252.csv",
        bytes: include_bytes!("../fixtures/chunk_cp1252.csv"),
        titles: 2,
    },
    Fixture {
        name: "chunk_semicolon.csv",
        bytes: include_bytes!("../fixtures/chunk_semicolon.csv"),
        titles: 2,
    },
];

/// JSON and XLSX are parsed whole, but their detection (leading whitespace, a BOM, the
/// zip signature) happens as bytes arrive.
fn whole_files() -> Vec<(&'static str, Vec<u8>)> {
    let ndjson = "\u{feff}\r\n  \r\n{\"tenant_id\": \"t1\", \"campaign_id\": \"c1\", \"date\": \"2024-11-01\", \"impressions\": \"1,000\", \"clicks\": 10, \"conversions\": 1, \"spend\": \"€1.50\", \"revenue\": 3}\r\n\
                  {\"tenant_id\": \"t1\", \"campaign_id\": \"c2\", \"date\": \"11/02/2024\", \"impressions\": 100, \"clicks\": 200, \"conversions\": 1, \"spend\": 1, \"revenue\": 3}\r\n\
                  {\"tenant_id\": \"t2\", \"campaign_id\": \"c1\", \"date\": \"2024-11-03T10:00:00Z\", \"impressions\": 100, \"clicks\": 10, \"conversions\": 1, \"spend\": 0.1, \"revenue\": 0.2}\r\n";
    let array = "\n\n   [{\"tenant_id\": \"t1\", \"customer_id\": \"u1\", \"total_spent\": \"1,200.50\", \"total_orders\": 3},\n\
                 {\"tenant_id\": \"t1\", \"customer_id\": \"u2\", \"total_spent\": 99.5, \"total_orders\": \"1\"}, 7]";
    let paged = "{\"page\": 2, \"data\": [{\"tenant_id\": \"t1\", \"region\": \"North\", \"product\": \"A\", \"year\": 2024, \"month\": \"11\", \"target_revenue\": 10, \"target_conversions\": 1, \"target_spend\": 5}], \"total\": 1}";
    let utf16_json: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(array.encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    vec![
        ("rows.ndjson", ndjson.as_bytes().to_vec()),
        ("customers.json", array.as_bytes().to_vec()),
        ("customers16.json", utf16_json),
        ("targets.json", paged.as_bytes().to_vec()),
        ("book.xlsx", workbook()),
    ]
}

fn workbook() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let header = [
        "tenant_id",
        "campaign_id",
        "date",
        "impressions",
        "clicks",
        "conversions",
        "spend",
        "revenue",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..40u32 {
        ws.write_string(r, 0, format!("t{}", r % 3)).unwrap();
        ws.write_string(r, 1, format!("c{r}")).unwrap();
        ws.write_string(r, 2, format!("2024-11-{:02}", 1 + r % 28))
            .unwrap();
        ws.write_number(r, 3, 1000.0 + f64::from(r)).unwrap();
        ws.write_number(r, 4, if r == 9 { 5000.0 } else { 10.0 })
            .unwrap();
        ws.write_number(r, 5, 1.0).unwrap();
        ws.write_number(r, 6, 1.25 * f64::from(r)).unwrap();
        ws.write_number(r, 7, 2.5 * f64::from(r)).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

/// Loads `bytes` through an `IngestStream` cut at `cuts` (sorted offsets, repeats make
/// empty chunks), committing a part of a delimited file every few rows
/// (`Warehouse::push`).
fn load_cut(name: &str, bytes: &[u8], cuts: &[usize]) -> (Warehouse, Vec<LoadReport>) {
    let mut w = Warehouse::new();
    let mut stream = w.stream(name).with_part_rows(3);
    let mut start = 0;
    for &cut in cuts {
        let cut = cut.clamp(start, bytes.len());
        w.push(&mut stream, &bytes[start..cut]);
        start = cut;
    }
    w.push(&mut stream, &bytes[start..]);
    assert_eq!(stream.bytes_read(), bytes.len() as u64);
    let reports = w.commit(stream.finish());
    (w, reports)
}

fn load_chunked(name: &str, bytes: &[u8], size: usize) -> (Warehouse, Vec<LoadReport>) {
    let cuts: Vec<usize> = (size..bytes.len()).step_by(size).collect();
    load_cut(name, bytes, &cuts)
}

fn assert_same(name: &str, bytes: &[u8], cuts: &[usize], how: &str) {
    let mut whole = Warehouse::new();
    let expected = whole.load(name, bytes);
    let (streamed, got) = load_cut(name, bytes, cuts);
    assert_eq!(got, expected, "{name}, {how}: load reports differ");
    assert_eq!(
        all_json(&streamed, &all()),
        all_json(&whole, &all()),
        "{name}, {how}: dashboards differ"
    );
}

#[test]
fn delimited_fixtures_load_as_described() {
    for f in &FIXTURES {
        let (w, reports) = fresh(f.name, f.bytes);
        let r = &reports;
        assert_eq!(r.table, Some("fact_campaigns"), "{}: {r:#?}", f.name);
        assert_eq!(
            (r.rows_read, r.rows_loaded, r.rows_rejected),
            (34, 32, 2),
            "{}: {r:#?}",
            f.name
        );
        let lines: Vec<u64> = r.rejected.iter().map(|x| x.line).collect();
        assert_eq!(
            lines,
            [f.titles + 12, f.titles + 20],
            "{}: line numbers",
            f.name
        );
        assert_eq!(r.rejected[0].reason, "clicks (1260) > impressions (1259)");
        assert_eq!(r.rejected[1].column.as_deref(), Some("date"));
        assert_eq!(
            r.warnings.get("conversions_gt_clicks"),
            Some(&1),
            "{}",
            f.name
        );
        assert_eq!(r.extra_columns, ["notes"], "{}", f.name);
        let names: std::collections::BTreeSet<String> =
            facts(&w).into_iter().filter_map(|x| x.name).collect();
        let expected: std::collections::BTreeSet<String> = [
            "Sale, big - Search",
            "The \"Best\" - Email",
            "Two\nlines - Video",
            "Two\r\nlines; CRLF - Display",
            "Café | Réseau - Social Media",
            "Plain - Search",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(names, expected, "{}", f.name);
        let c05 = fact(&w, "c05");
        assert_eq!(
            (c05.spend, c05.revenue),
            (m("15.25"), m("40.50")),
            "{}",
            f.name
        );
    }
}

#[test]
fn every_fixture_gives_the_same_dashboards() {
    let (first, _) = fresh(FIXTURES[0].name, FIXTURES[0].bytes);
    let expected = all_json(&first, &all());
    for f in &FIXTURES[1..] {
        let (w, _) = fresh(f.name, f.bytes);
        assert_eq!(all_json(&w, &all()), expected, "{}", f.name);
    }
}

#[test]
fn fixed_chunk_sizes_change_nothing() {
    for f in &FIXTURES {
        for size in [1, 2, 3, 7, 64, 4096] {
            let cuts: Vec<usize> = (size..f.bytes.len()).step_by(size).collect();
            assert_same(f.name, f.bytes, &cuts, &format!("chunks of {size}"));
        }
    }
    for (name, bytes) in whole_files() {
        for size in [1, 2, 3, 7, 64, 4096] {
            let cuts: Vec<usize> = (size..bytes.len()).step_by(size).collect();
            assert_same(name, &bytes, &cuts, &format!("chunks of {size}"));
        }
    }
}

#[test]
fn whole_files_load_as_described() {
    let mut w = Warehouse::new();
    let mut tables = Vec::new();
    for (name, bytes) in whole_files() {
        for r in w.load(name, &bytes) {
            assert_accounting(&r);
            tables.push((name, r.table, r.rows_loaded, r.rows_rejected));
        }
    }
    assert_eq!(
        tables,
        [
            ("rows.ndjson", Some("fact_campaigns"), 2, 1),
            ("customers.json", Some("dim_customers"), 2, 1),
            ("customers16.json", Some("dim_customers"), 2, 1),
            ("targets.json", Some("dim_sales_targets"), 1, 0),
            ("book.xlsx", Some("fact_campaigns"), 38, 1),
        ]
    );
}

#[test]
fn chunk_cut_inside_every_byte_pair_of_the_head() {
    // Two chunks, cut at every offset of the first 300 bytes: BOMs, title lines, the
    // header and the first quoted fields.
    for f in &FIXTURES {
        let mut whole = Warehouse::new();
        let expected = whole.load(f.name, f.bytes);
        for cut in 0..300.min(f.bytes.len()) {
            let (_, got) = load_cut(f.name, f.bytes, &[cut]);
            assert_eq!(got, expected, "{} cut at {cut}", f.name);
        }
    }
}

#[test]
fn stream_reports_progress_and_equal_bytes_are_recognised() {
    let f = &FIXTURES[0];
    let mut w = Warehouse::new();
    w.load("first.csv", f.bytes);
    let (_, reports) = load_chunked(f.name, f.bytes, 5);
    assert_eq!(reports[0].rows_loaded, 32);
    let mut stream = IngestStream::new("again.csv");
    for chunk in f.bytes.chunks(11) {
        stream.push(chunk);
    }
    let again = w.commit(stream.finish());
    assert_eq!(again[0].unchanged_from.as_deref(), Some("first.csv"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_splits_change_nothing(
        which in 0..FIXTURES.len() + 5,
        mut cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..24),
    ) {
        let whole = whole_files();
        let (name, bytes): (&str, &[u8]) = if which < FIXTURES.len() {
            (FIXTURES[which].name, FIXTURES[which].bytes)
        } else {
            let (n, b) = &whole[which - FIXTURES.len()];
            (n, b)
        };
        let mut offsets: Vec<usize> = cuts.drain(..).map(|i| i.index(bytes.len() + 1)).collect();
        offsets.sort_unstable();
        let mut expected_w = Warehouse::new();
        let expected = expected_w.load(name, bytes);
        let (streamed, got) = load_cut(name, bytes, &offsets);
        prop_assert_eq!(&got, &expected, "{} cut at {:?}", name, offsets);
        prop_assert_eq!(all_json(&streamed, &all()), all_json(&expected_w, &all()));
    }
}

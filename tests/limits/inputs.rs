//! Resource limits (docs/formats.md): hostile or oversized inputs are refused, or loaded,
//! with bounded memory and time and a message naming the limit.
//!
//! The engine's counting global allocator ([`bi_platform::memory`]) records the peak of
//! live heap bytes; the tests take the binary's lock ([`crate::serial`]) so that each one
//! measures only itself. Run with `--nocapture` to see the figures (`limits: ...` lines).

use bi_platform::ingest::xlsx::{inflate_budget, MAX_INFLATED_BYTES, MAX_SHEETS};
use bi_platform::{memory, LoadReport, Query, Warehouse};
use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

/// Live heap bytes, from the engine's own counting allocator ([`memory`]).
fn live() -> usize {
    memory::live_bytes() as usize
}

/// Starts measuring a peak from what is live now; returns that.
fn start_peak() -> usize {
    memory::reset_peak() as usize
}

/// The peak of live heap bytes since [`start_peak`].
fn peak_since_start() -> usize {
    memory::peak_bytes() as usize
}

const MIB: usize = 1 << 20;

/// Loads `bytes` into a fresh warehouse, runs the dashboards, and returns the reports,
/// the heap held above what was live before (peak) and the time taken.
fn measured_load(name: &str, bytes: &[u8]) -> (Vec<LoadReport>, usize, Duration) {
    let base = start_peak();
    let start = Instant::now();
    let mut warehouse = Warehouse::new();
    let reports = warehouse.load(name, bytes);
    warehouse
        .dashboards(&Query::default())
        .expect("dashboards run");
    let elapsed = start.elapsed();
    let peak = peak_since_start().saturating_sub(base);
    for report in &reports {
        assert_eq!(report.rows_read, report.rows_loaded + report.rows_rejected);
    }
    eprintln!(
        "limits: {name}: {:.1} MiB input, peak heap {:.1} MiB above the input, {:.2?}: {}",
        bytes.len() as f64 / MIB as f64,
        peak as f64 / MIB as f64,
        elapsed,
        reports[0]
            .error
            .clone()
            .unwrap_or_else(|| format!("{} rows loaded", reports[0].rows_loaded))
    );
    (reports, peak, elapsed)
}

fn error_of(reports: &[LoadReport]) -> String {
    assert_eq!(reports.len(), 1, "{reports:?}");
    reports[0].error.clone().expect("refused with an error")
}

const CAMPAIGN_HEADER: &str =
    "tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue";

// ---------------------------------------------------------------- XLSX ----------

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

/// Writes a workbook whose sheets are given as XML producers (so a sheet of hundreds of
/// MB never sits in memory: it is written into the compressor piece by piece).
/// Writes a sheet's XML into the zip entry.
type SheetWriter = Box<dyn FnOnce(&mut dyn Write)>;

fn workbook(sheets: Vec<(String, SheetWriter)>) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(CONTENT_TYPES.as_bytes()).unwrap();
    zip.start_file("_rels/.rels", options).unwrap();
    zip.write_all(ROOT_RELS.as_bytes()).unwrap();
    let mut book = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#,
    );
    let mut rels = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    );
    for (i, (name, _)) in sheets.iter().enumerate() {
        let n = i + 1;
        book.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(
            r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#
        ));
    }
    book.push_str("</sheets></workbook>");
    rels.push_str("</Relationships>");
    zip.start_file("xl/workbook.xml", options).unwrap();
    zip.write_all(book.as_bytes()).unwrap();
    zip.start_file("xl/_rels/workbook.xml.rels", options)
        .unwrap();
    zip.write_all(rels.as_bytes()).unwrap();
    for (i, (_, write)) in sheets.into_iter().enumerate() {
        zip.start_file(format!("xl/worksheets/sheet{}.xml", i + 1), options)
            .unwrap();
        write(&mut zip);
    }
    zip.finish().unwrap().into_inner()
}

const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_END: &str = "</sheetData></worksheet>";

fn inline(reference: &str, text: &str) -> String {
    format!(r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// A campaigns sheet: the header, then `rows` rows.
fn campaigns_sheet(rows: usize, tag: &str) -> String {
    let mut xml = String::from(SHEET_START);
    let header: Vec<String> = CAMPAIGN_HEADER
        .split(',')
        .enumerate()
        .map(|(i, h)| inline(&format!("{}1", (b'A' + i as u8) as char), h))
        .collect();
    xml.push_str(&format!(r#"<row r="1">{}</row>"#, header.concat()));
    for r in 2..rows + 2 {
        xml.push_str(&format!(
            r#"<row r="{r}">{}{}{}<c r="D{r}"><v>100</v></c><c r="E{r}"><v>10</v></c><c r="F{r}"><v>1</v></c><c r="G{r}"><v>5</v></c><c r="H{r}"><v>7</v></c></row>"#,
            inline(&format!("A{r}"), "t1"),
            inline(&format!("B{r}"), &format!("{tag}_{r}")),
            inline(&format!("C{r}"), "2024-11-01"),
        ));
    }
    xml.push_str(SHEET_END);
    xml
}

const BOMB_INFLATED: usize = 200 * MIB;

/// A workbook whose one sheet is 200 MiB of repeated `<row>` XML.
fn zip_bomb() -> Vec<u8> {
    workbook(vec![(
        "Bomb".into(),
        Box::new(|out: &mut dyn Write| {
            out.write_all(SHEET_START.as_bytes()).unwrap();
            let row = campaigns_sheet(1, "x");
            let row = &row[row.rfind("<row r=\"2\"").unwrap()..row.rfind(SHEET_END).unwrap()];
            let piece = row.repeat(MIB / row.len());
            let mut written = 0;
            while written < BOMB_INFLATED {
                out.write_all(piece.as_bytes()).unwrap();
                written += piece.len();
            }
            out.write_all(SHEET_END.as_bytes()).unwrap();
        }),
    )])
}

#[test]
fn an_xlsx_zip_bomb_is_refused_within_bounded_memory() {
    let _serial = crate::serial();
    let bomb = zip_bomb();
    assert!(bomb.len() < MIB, "the bomb is {} bytes", bomb.len());
    let (reports, peak, elapsed) = measured_load("bomb.xlsx", &bomb);
    let error = error_of(&reports);
    assert!(error.contains("zip bomb"), "{error}");
    assert!(error.contains("declare 200."), "{error}");
    assert!(error.contains("at most 1024.0 MiB"), "{error}");
    // Refused from the headers alone: nothing near the inflated size is ever held.
    assert!(peak < 8 * MIB, "peak heap {peak}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

/// Rewrites the uncompressed size of every zip entry larger than 1 MiB, in the local
/// headers and the central directory, to 1000 bytes: the headers lie.
fn lie_about_sizes(zip: &mut [u8]) {
    let mut i = 0;
    while i + 46 <= zip.len() {
        let (signature, offset) = match &zip[i..i + 4] {
            b"PK\x03\x04" => (true, 22),
            b"PK\x01\x02" => (true, 24),
            _ => (false, 0),
        };
        if signature {
            let size = u32::from_le_bytes(zip[i + offset..i + offset + 4].try_into().unwrap());
            if size as usize > MIB {
                zip[i + offset..i + offset + 4].copy_from_slice(&1000u32.to_le_bytes());
            }
        }
        i += 1;
    }
}

#[test]
fn an_xlsx_zip_bomb_with_lying_headers_is_refused_within_bounded_memory() {
    let _serial = crate::serial();
    let mut bomb = zip_bomb();
    lie_about_sizes(&mut bomb);
    let (reports, peak, elapsed) = measured_load("liar.xlsx", &bomb);
    let error = error_of(&reports);
    assert!(
        error.contains("zip bomb") || error.contains("cannot be read"),
        "{error}"
    );
    // At most the inflate budget is ever read, into one small buffer.
    assert!(peak < 8 * MIB, "peak heap {peak}");
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
}

#[test]
fn the_inflate_budget_grows_with_the_file_between_its_bounds() {
    assert_eq!(inflate_budget(1000), 64 << 20);
    assert_eq!(inflate_budget(1 << 20), 100 << 20);
    assert_eq!(inflate_budget(100 << 20), MAX_INFLATED_BYTES);
}

#[test]
fn two_far_apart_cells_do_not_allocate_the_sheet_between_them() {
    let _serial = crate::serial();
    // A1 and XFD1048576: a dense range would be 17 billion cells.
    let book = workbook(vec![(
        "Far".into(),
        Box::new(|out: &mut dyn Write| {
            let xml = campaigns_sheet(2, "far");
            let xml = xml.replace(
                SHEET_END,
                &format!(
                    r#"<row r="1048576">{}</row>{SHEET_END}"#,
                    inline("XFD1048576", "far away")
                ),
            );
            out.write_all(xml.as_bytes()).unwrap();
        }),
    )]);
    let (reports, peak, elapsed) = measured_load("far.xlsx", &book);
    assert_eq!(reports[0].error, None);
    assert_eq!((reports[0].rows_loaded, reports[0].rows_rejected), (2, 1));
    assert!(
        reports[0].rejected[0]
            .reason
            .contains("column 16384, which has no header"),
        "{:?}",
        reports[0].rejected
    );
    assert!(peak < 8 * MIB, "peak heap {peak}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
}

fn many_sheets(count: usize) -> Vec<u8> {
    workbook(
        (0..count)
            .map(|i| {
                let sheet: SheetWriter = Box::new(move |out| {
                    out.write_all(campaigns_sheet(1, &format!("s{i}")).as_bytes())
                        .unwrap()
                });
                (format!("Sheet {i}"), sheet)
            })
            .collect(),
    )
}

#[test]
fn a_workbook_of_hundreds_of_sheets_loads_every_sheet() {
    let _serial = crate::serial();
    let book = many_sheets(300);
    let (reports, peak, elapsed) = measured_load("300 sheets.xlsx", &book);
    assert_eq!(reports[0].error, None);
    assert_eq!(reports[0].rows_loaded, 300);
    assert_eq!(reports[0].sheets.as_ref().map(Vec::len), Some(300));
    assert!(peak < 32 * MIB, "peak heap {peak}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn a_workbook_of_more_sheets_than_the_limit_is_refused() {
    let _serial = crate::serial();
    let book = many_sheets(MAX_SHEETS + 1);
    let (reports, _, elapsed) = measured_load("1025 sheets.xlsx", &book);
    let error = error_of(&reports);
    assert!(
        error.contains("has 1025 sheets; at most 1024 sheets"),
        "{error}"
    );
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

// ----------------------------------------------------------- delimited ----------

#[test]
fn a_csv_field_beyond_the_record_limit_is_refused_naming_the_limit() {
    let _serial = crate::serial();
    let mut csv = format!("{CAMPAIGN_HEADER},campaign_name\nt1,c1,2024-11-01,1,1,1,1,1,ok\n");
    csv.push_str("t1,c2,2024-11-01,1,1,1,1,1,\"");
    csv.push_str(&"a".repeat(65 * MIB));
    csv.push_str("\"\n");
    let (reports, peak, elapsed) = measured_load("huge field.csv", csv.as_bytes());
    let error = error_of(&reports);
    assert!(
        error.contains("a record starting near line 3 is longer than 64 MB"),
        "{error}"
    );
    // The record buffer stops at the limit (it doubles up to 64 MiB).
    assert!(peak < 140 * MIB, "peak heap {peak}");
    assert!(elapsed < Duration::from_secs(30), "{elapsed:?}");
}

#[test]
fn a_csv_field_of_many_mb_below_the_limit_loads() {
    let _serial = crate::serial();
    let name = "n".repeat(8 * MIB);
    let csv = format!("{CAMPAIGN_HEADER},campaign_name\nt1,c1,2024-11-01,1,1,1,1,1,{name}\n");
    let (reports, peak, elapsed) = measured_load("big field.csv", csv.as_bytes());
    assert_eq!(reports[0].error, None);
    assert_eq!(reports[0].rows_loaded, 1);
    assert!(peak < 80 * MIB, "peak heap {peak}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn a_line_of_a_million_fields_is_rejected_as_one_row() {
    let _serial = crate::serial();
    let mut csv = format!("{CAMPAIGN_HEADER}\nt1,c1,2024-11-01,1,1,1,1,1\nt1,c2");
    csv.push_str(&",x".repeat(1_000_000 - 2));
    csv.push_str("\nt1,c3,2024-11-01,1,1,1,1,1\n");
    let (reports, peak, elapsed) = measured_load("wide line.csv", csv.as_bytes());
    let report = &reports[0];
    assert_eq!(report.error, None);
    assert_eq!((report.rows_loaded, report.rows_rejected), (2, 1));
    assert_eq!(
        report.rejected[0].reason,
        "the row has 1000000 fields but the header has 8"
    );
    assert!(peak < 64 * MIB, "peak heap {peak}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn a_header_of_thousands_of_columns_loads_with_its_extra_columns() {
    let _serial = crate::serial();
    let extra: Vec<String> = (0..5000).map(|i| format!("extra_{i}")).collect();
    let mut csv = format!("{CAMPAIGN_HEADER},{}\n", extra.join(","));
    for r in 0..100 {
        csv.push_str(&format!(
            "t1,c{r},2024-11-01,1,1,1,1,1,{}\n",
            vec!["v"; 5000].join(",")
        ));
    }
    let (reports, peak, elapsed) = measured_load("wide header.csv", csv.as_bytes());
    let report = &reports[0];
    assert_eq!(report.error, None);
    assert_eq!(report.rows_loaded, 100);
    assert_eq!(report.extra_columns.len(), 5000);
    assert!(peak < 64 * MIB, "peak heap {peak}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

// ---------------------------------------------------------------- JSON ----------

#[test]
fn deeply_nested_json_is_refused_naming_the_depth_limit() {
    let _serial = crate::serial();
    for (name, text) in [
        ("arrays.json", "[".repeat(1_000_000)),
        ("objects.json", "{\"a\":".repeat(200_000)),
        (
            "in a row.json",
            format!(
                "[{{\"tenant_id\":\"t1\",\"customer_id\":\"k\",\"total_spent\":1,\"total_orders\":1,\"deep\":{}1{}}}]",
                "[".repeat(500),
                "]".repeat(500)
            ),
        ),
    ] {
        let (reports, peak, elapsed) = measured_load(name, text.as_bytes());
        let error = error_of(&reports);
        assert!(
            error.contains("nested more than 128 levels deep"),
            "{name}: {error}"
        );
        assert!(peak < 16 * MIB, "peak heap {peak}");
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    }
}

#[test]
fn deeply_nested_json_lines_reject_only_their_rows() {
    let _serial = crate::serial();
    let text = format!(
        "{{\"tenant_id\":\"t1\",\"customer_id\":\"k1\",\"total_spent\":1,\"total_orders\":1}}\n{{\"tenant_id\":{}1{}}}\n",
        "[".repeat(1000),
        "]".repeat(1000)
    );
    let (reports, _, _) = measured_load("lines.json", text.as_bytes());
    let report = &reports[0];
    assert_eq!((report.rows_loaded, report.rows_rejected), (1, 1));
    assert!(
        report.rejected[0]
            .reason
            .contains("nested more than 128 levels deep"),
        "{:?}",
        report.rejected
    );
}

/// A line of 32 million empty fields is 32 MB, under the record limit, but the reader
/// keeps an end offset per field: the field count is capped too (MAX_RECORD_FIELDS).
#[test]
fn a_line_of_tens_of_millions_of_empty_fields_is_bounded() {
    let _serial = crate::serial();
    let mut csv = format!("{CAMPAIGN_HEADER}\nt1,c1,2024-11-01,1,1,1,1,1\n");
    csv.push_str(&",".repeat(32 * MIB));
    csv.push('\n');
    let (reports, peak, _) = measured_load("commas.csv", csv.as_bytes());
    assert!(peak < 128 * MIB, "peak heap {peak}");
    let error = reports[0].error.as_deref().unwrap_or_default();
    assert!(
        error.contains("2097152 fields, the most accepted"),
        "{error}"
    );
}

#[test]
fn an_xlsx_file_beyond_the_file_limit_is_dropped_as_it_streams_in() {
    use bi_platform::ingest::{IngestStream, MAX_XLSX_FILE_BYTES};
    let _serial = crate::serial();
    let mut chunk = vec![0u8; 8 * MIB];
    chunk[..4].copy_from_slice(b"PK\x03\x04");
    let base = start_peak();
    let start = Instant::now();
    let mut stream = IngestStream::new("huge.xlsx");
    let mut pushed = 0u64;
    while pushed <= MAX_XLSX_FILE_BYTES + 64 * MIB as u64 {
        stream.push(&chunk);
        chunk[..4].fill(0);
        pushed += chunk.len() as u64;
    }
    let held = live().saturating_sub(base);
    let ingested = stream.finish();
    let peak = peak_since_start().saturating_sub(base);
    let error = ingested.result.expect_err("refused").to_string();
    eprintln!(
        "limits: huge.xlsx: {} MiB pushed in 8 MiB chunks, {:.1} MiB held at the end, peak heap {:.1} MiB, {:.2?}: {error}",
        pushed >> 20,
        held as f64 / MIB as f64,
        peak as f64 / MIB as f64,
        start.elapsed()
    );
    assert!(
        error.contains("may be at most 256 MiB (the XLSX file limit)"),
        "{error}"
    );
    // Once past the limit the bytes are only hashed.
    assert!(held < 2 * MIB, "held {held}");
    assert!(peak < 400 * MIB, "peak heap {peak}");
}

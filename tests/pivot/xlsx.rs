//! The pivot's XLSX against its CSV (tests the layout of src/pivot_xlsx.rs): for random
//! pivots (fields in rows and columns, measures, top N, sorting) over a generated
//! sample and a small warehouse of awkward values (formula-like text, quotes, commas,
//! missing values, an extra column), the workbook read back with calamine must hold
//! every cell of `PivotResult::to_csv` at the same position: text equal, numbers equal
//! to the last bit, days as dates. Cells covered by a merged range must be empty, and
//! the CSV must repeat the range's value (or nothing) over it; only header cells merge.
//! Every value cell has its column type's number format, and is bold exactly on
//! subtotal and total rows and columns; the header and label panes are frozen.

#![cfg(feature = "xlsx-writer")]

use bi_platform::generate::{sample_files, SampleSpec};
use bi_platform::model::date::{day_from_excel_serial, format_day};
use bi_platform::pivot::{self, Field, HeaderKind, Measure, PivotRequest, PivotSort, TopN};
use bi_platform::pivot_xlsx::{self, number_format, Placement, SHEET_NAME};
use bi_platform::{Query, TenantScope, Warehouse};
use calamine::{Data, Reader, Xlsx};
use proptest::prelude::*;
use std::io::{Cursor, Read};
use std::sync::OnceLock;

fn sample() -> &'static Warehouse {
    static W: OnceLock<Warehouse> = OnceLock::new();
    W.get_or_init(|| {
        let spec = SampleSpec {
            tenants: 4,
            campaigns_per_tenant: 60,
            ..SampleSpec::default()
        };
        let files = sample_files(&spec).unwrap();
        let mut w = Warehouse::new();
        w.load("campaigns.csv", &files.campaigns_csv);
        w
    })
}

/// Values that a spreadsheet or a CSV reader could take for something else.
fn awkward() -> &'static Warehouse {
    static W: OnceLock<Warehouse> = OnceLock::new();
    W.get_or_init(|| {
        let mut w = Warehouse::new();
        w.load(
            "awkward.csv",
            "tenant_id,campaign_id,campaign_name,date,channel,region,product,impressions,clicks,conversions,spend,revenue,note\n\
             =cmd,c1,\"Sale, \"\"big\"\"\",2024-02-29,Search,North,A,100,10,1,1.10,3.00,+1\n\
             =cmd,c2,-minus,2024-12-31,,South,B,0,0,0,0,0,@x\n\
             plain,c3,\u{e9}t\u{e9},2023-01-01,Social,,A,5,1,0,99999999.99,0.01,\n\
             plain,c4, lead,2024-03-01,Email,North,,7,7,7,0.000001,0.5,-2\n"
                .as_bytes(),
        );
        w
    })
}

/// Reads the CSV the pivot exports (RFC 4180 as `export::csv_field` writes it).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut chars = line.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (false, '"') if field.is_empty() => quoted = true,
                (false, ',') => fields.push(std::mem::take(&mut field)),
                (_, c) => field.push(c),
            }
        }
        fields.push(field);
        rows.push(fields);
    }
    rows
}

/// A CSV text field as the cell's text: the CSV guards formula-like text with `'`.
fn unguard(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => text,
    }
}

/// Checks one pivot's workbook against its CSV; `Err` says where they differ.
fn check(w: &Warehouse, query: &Query, request: &PivotRequest) -> Result<(), String> {
    let result = match pivot::pivot(w, query, request) {
        Ok(r) => r,
        Err(pivot::PivotError::TooLarge { .. }) => return Ok(()),
        Err(e) => return Err(format!("pivot: {e}")),
    };
    let csv = parse_csv(&result.to_csv());
    let bytes = pivot_xlsx::write(&result).map_err(|e| e.to_string())?;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(&bytes))
        .map_err(|e: calamine::XlsxError| e.to_string())?;
    let range = book
        .worksheet_range(SHEET_NAME)
        .map_err(|e| e.to_string())?;
    let merged: Vec<((u32, u32), (u32, u32))> = book
        .merge_cells_by_sheet_name(SHEET_NAME)
        .unwrap()
        .into_iter()
        .map(|d| (d.start, d.end))
        .collect();
    let styles = book
        .worksheet_style(SHEET_NAME)
        .map_err(|e| e.to_string())?;
    let place = Placement::of(&result);

    // Nothing beyond the CSV's cells.
    let width = csv.iter().map(Vec::len).max().unwrap_or(0);
    if let Some((r, c)) = range.end() {
        if r as usize >= csv.len() || c as usize >= width {
            return Err(format!(
                "a cell at {r},{c} beyond the CSV's {}x{width}",
                csv.len()
            ));
        }
    }
    let region_of = |r: u32, c: u32| {
        merged
            .iter()
            .find(|(s, e)| s.0 <= r && r <= e.0 && s.1 <= c && c <= e.1)
    };
    for (s, e) in &merged {
        if e.0 as usize >= place.header_rows || (s.1 as usize) < place.label_columns {
            return Err(format!(
                "{s:?}-{e:?} merges cells outside the column headers"
            ));
        }
    }
    for (r, line) in csv.iter().enumerate() {
        for (c, want) in line.iter().enumerate() {
            let at = (r as u32, c as u32);
            let got = range.get_value(at).cloned().unwrap_or(Data::Empty);
            if let Some((start, _)) = region_of(at.0, at.1) {
                if *start != at {
                    if got != Data::Empty {
                        return Err(format!("{at:?} inside a merged range holds {got:?}"));
                    }
                    let first = &csv[start.0 as usize][start.1 as usize];
                    if !want.is_empty() && want != first {
                        return Err(format!(
                            "{at:?}: CSV {want:?} under a range showing {first:?}"
                        ));
                    }
                    continue;
                }
            }
            let same = match &got {
                Data::Empty => want.is_empty(),
                Data::String(s) => s == unguard(want),
                Data::Float(x) => want.parse::<f64>().is_ok_and(|y: f64| y == *x),
                Data::Int(i) => want.parse::<i64>().is_ok_and(|y: i64| y == *i),
                Data::DateTime(d) => day_from_excel_serial(d.as_f64(), false)
                    .is_some_and(|day| format_day(day) == *want),
                other => return Err(format!("{at:?}: unexpected {other:?}")),
            };
            if !same {
                return Err(format!("{at:?}: XLSX {got:?}, CSV {want:?}"));
            }
        }
    }

    // Formats and bold of every value cell.
    for (r, row) in result.rows.iter().enumerate() {
        for (c, column) in result.columns.iter().enumerate() {
            let at = (place.body_row(r) as u32, place.value_column(c) as u32);
            let style = styles.get(at);
            let code = style
                .and_then(|s| s.number_format.as_ref())
                .map(|f| f.format_code.as_str());
            let null = matches!(result.cells[r][c], bi_platform::Value::Null);
            let total = row.kind != HeaderKind::Leaf || column.header.level < place.header_rows;
            if !null && code != number_format(column.value_type) {
                return Err(format!(
                    "{at:?}: format {code:?} for {:?}",
                    column.value_type
                ));
            }
            let bold = style
                .and_then(|s| s.font.as_ref())
                .is_some_and(|f| f.is_bold());
            if (!null || total) && bold != total {
                return Err(format!("{at:?}: bold {bold}, a total cell: {total}"));
            }
        }
    }

    // Frozen below the measures' row and right of the labels.
    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).map_err(|e| e.to_string())?;
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml")
        .map_err(|e| e.to_string())?
        .read_to_string(&mut xml)
        .map_err(|e| e.to_string())?;
    let col = (b'A' + place.label_columns as u8) as char;
    let cell = format!(r#"topLeftCell="{col}{}""#, place.header_rows + 2);
    if !xml.contains(&cell) || !xml.contains(r#"state="frozen""#) {
        return Err(format!("no frozen pane at {cell}"));
    }
    Ok(())
}

const FIELDS: [&str; 12] = [
    "tenant",
    "campaign_name",
    "channel",
    "region",
    "product",
    "performance",
    "day",
    "week",
    "month",
    "quarter",
    "year",
    "extra:note",
];

fn request() -> impl Strategy<Value = PivotRequest> {
    let measures = Measure::all();
    (
        proptest::sample::subsequence(FIELDS.to_vec(), 0..=4).prop_shuffle(),
        0usize..=4,
        proptest::sample::subsequence(measures, 1..=3),
        proptest::option::of((1usize..4, 0usize..3)),
        proptest::option::of((0usize..40, any::<bool>())),
    )
        .prop_map(|(fields, split, measures, top, sort)| {
            let fields: Vec<Field> = fields.iter().map(|f| Field::from_id(f).unwrap()).collect();
            let split = split.min(fields.len());
            let columns = fields[split..].to_vec();
            let n = measures.len();
            PivotRequest {
                rows: fields[..split].to_vec(),
                columns,
                measures,
                top_n: top.filter(|_| split > 0).map(|(n_, m)| TopN {
                    n: n_,
                    measure: m % n,
                }),
                sort: PivotSort {
                    column: sort.map(|(c, _)| c % n),
                    desc: sort.is_some_and(|(_, d)| d),
                },
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_cell_of_the_csv_is_in_the_workbook(request in request(), awkward_data in any::<bool>(), scoped in any::<bool>()) {
        let (w, note) = if awkward_data { (awkward(), true) } else { (sample(), false) };
        let mut request = request;
        if !note {
            // The sample has no extra column.
            request.rows.retain(|f| !matches!(f, Field::Extra(_)));
            request.columns.retain(|f| !matches!(f, Field::Extra(_)));
            if request.rows.is_empty() { request.top_n = None; }
        }
        let query = if scoped {
            Query { tenants: TenantScope::Only(vec![if note { "=cmd" } else { "tenant_001" }.into()]), ..Query::default() }
        } else {
            Query::default()
        };
        check(w, &query, &request).map_err(|e| TestCaseError::fail(format!("{request:?}: {e}")))?;
    }
}

/// A column header over several columns is merged; a total spans down to the measures.
#[test]
fn column_headers_merge_over_their_columns() {
    let request: PivotRequest = serde_json::from_str(
        r#"{"rows": ["tenant"], "columns": ["channel", "year"], "measures": ["sum:spend", "ctr"]}"#,
    )
    .unwrap();
    let w = sample();
    let result = pivot::pivot(w, &Query::default(), &request).unwrap();
    check(w, &Query::default(), &request).unwrap();
    let bytes = pivot_xlsx::write(&result).unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(&bytes)).unwrap();
    let merged: Vec<_> = book
        .merge_cells_by_sheet_name(SHEET_NAME)
        .unwrap()
        .into_iter()
        .map(|d| (d.start, d.end))
        .collect();
    // Each channel over its years and its subtotal (two measures each).
    let channels = result
        .columns
        .iter()
        .filter(|c| c.header.level == 1)
        .count()
        / 2;
    let over_channels = merged.iter().filter(|(s, e)| s.0 == 0 && e.0 == 0).count();
    assert_eq!(over_channels, channels, "{merged:?}");
    // Each channel's subtotal: rows 1..=1 (the last field's row), two measures wide.
    assert!(merged
        .iter()
        .any(|(s, e)| s.0 == 1 && e.0 == 1 && e.1 == s.1 + 1));
    // The grand total: rows 0..=1.
    let last = (1 + result.columns.len() - 1) as u32;
    assert!(merged.contains(&((0, last - 1), (1, last))), "{merged:?}");
}

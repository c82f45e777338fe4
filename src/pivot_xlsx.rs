//! The pivot as an XLSX workbook that keeps its layout (issue 13), written with
//! `rust_xlsxwriter` (feature `xlsx-writer`; in the page, the on-demand module
//! `www/pkg-xlsx/`, never the first download).
//!
//! The sheet holds exactly the cells of [`PivotResult::to_csv`], at the same positions,
//! with the layout an Excel pivot shows:
//!
//! ```text
//!            |         | Channel | Search              | Social  | Total      <- one row per
//!            |         | Month   | 2024-11 | Subtotal  | 2024-11 |               column field
//!   Tenant   | Region  |         | Spend   | Spend     | Spend   | Spend      <- measures
//!   tenant_a | North   |         | 1.50    | ...
//!   tenant_a | Subtotal|         |  (bold)
//!   Total    |         |         |  (bold)
//! ```
//!
//! - a column header spans (merged cells) the value columns under it; a "Subtotal" or
//!   "Total" column header also spans down to the measures' row;
//! - the row fields' labels fill the first columns, repeated on every row (Excel's
//!   "repeat item labels", so the sheet stays sortable and filterable), "Others" rows as
//!   they are;
//! - subtotal and total rows and columns are bold;
//! - each value column has its type's number format: money `#,##0.00`, ratios `0.00%`,
//!   counts `#,##0`, other numbers `#,##0.00`; a day is a date (`yyyy-mm-dd`), a year a
//!   number;
//! - the header rows and the label columns are frozen; columns are as wide as their
//!   widest value.
//!
//! Cells hold full precision (money as the engine's exact millionths in a double, as
//! Excel stores every number); only the formats round what is shown.
//!
//! ```
//! use bi_platform::pivot::{pivot, PivotRequest};
//! use bi_platform::{pivot_xlsx, Query, Warehouse};
//! let mut w = Warehouse::new();
//! w.load("c.csv", b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
//!                  a,c1,2024-11-01,100,10,1,1.00,3.00\na,c2,2024-12-01,300,20,2,2.50,1.00\n");
//! let request: PivotRequest = serde_json::from_str(
//!     r#"{"rows": ["tenant"], "columns": ["month"], "measures": ["sum:spend", "ctr"]}"#).unwrap();
//! let result = pivot(&w, &Query::default(), &request).unwrap();
//! let bytes = pivot_xlsx::write(&result).unwrap();
//! assert_eq!(&bytes[..2], b"PK"); // a zip, as every XLSX
//! ```

use crate::model::date::{day_from_ymd, ymd_from_day, Day};
use crate::pivot::{FieldInfo, Header, HeaderKind, Label, PivotResult, ValueColumn, ValueType};
use crate::query::result::Value;
use crate::transform::value::float_to_millionths;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use serde::Deserialize;
use thiserror::Error;

/// Rows of a worksheet (Excel's limit).
pub const MAX_SHEET_ROWS: usize = 1_048_576;
/// Columns of a worksheet (Excel's limit, column XFD).
pub const MAX_SHEET_COLUMNS: usize = 16_384;
/// The worksheet's name.
pub const SHEET_NAME: &str = "Pivot";
/// Column widths (in characters) stay within these bounds.
const MIN_WIDTH: usize = 6;
const MAX_WIDTH: usize = 60;

/// A pivot that cannot be written, and what to change.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PivotXlsxError {
    #[error("the pivot has {columns} columns, more than a worksheet's {MAX_SHEET_COLUMNS}: move a field from columns to rows, or remove a measure")]
    TooWide { columns: usize },
    #[error("the pivot has {rows} rows, more than a worksheet's {MAX_SHEET_ROWS}: keep the top N, or remove a row field")]
    TooLong { rows: usize },
    #[error("the pivot result is not one the engine computed: {0}")]
    BadResult(String),
    #[error("the workbook could not be written: {0}")]
    Writer(String),
}

impl From<rust_xlsxwriter::XlsxError> for PivotXlsxError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        PivotXlsxError::Writer(e.to_string())
    }
}

/// Where the parts of the pivot go on the sheet: the column fields' header rows come
/// first, then the measures' row, then one row per result row; the row fields' labels
/// take the first columns (one even without row fields, for "Total").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// Rows above the measures' row: one per column field.
    pub header_rows: usize,
    /// Columns before the first value column.
    pub label_columns: usize,
}

impl Placement {
    /// The placement of a result (the same as its CSV's).
    pub fn of(result: &PivotResult<'_>) -> Placement {
        Placement {
            header_rows: result.column_fields.len(),
            label_columns: result.row_fields.len().max(1),
        }
    }

    /// The sheet row of result row `row`.
    pub fn body_row(&self, row: usize) -> usize {
        self.header_rows + 1 + row
    }

    /// The sheet column of value column `column`.
    pub fn value_column(&self, column: usize) -> usize {
        self.label_columns + column
    }
}

/// The number format of a type (Excel's codes); `None` for text.
pub fn number_format(value_type: ValueType) -> Option<&'static str> {
    match value_type {
        ValueType::Text => None,
        ValueType::Integer => Some("#,##0"),
        ValueType::Number | ValueType::Money => Some("#,##0.00"),
        ValueType::Ratio => Some("0.00%"),
        ValueType::Date => Some("yyyy-mm-dd"),
    }
}

/// The formats of the sheet, made once: plain and bold of each type.
struct Formats {
    plain: [Format; 6],
    bold: [Format; 6],
    /// Column headers: bold, centred over the columns they span.
    column_header: Format,
    /// Field names and measures' labels.
    field: Format,
    /// A year in a header (a number without thousands separator).
    year: [Format; 2],
}

const TYPES: [ValueType; 6] = [
    ValueType::Text,
    ValueType::Integer,
    ValueType::Number,
    ValueType::Money,
    ValueType::Ratio,
    ValueType::Date,
];

impl Formats {
    fn new() -> Formats {
        let make = |t: ValueType, bold: bool| {
            let mut f = Format::new();
            if let Some(code) = number_format(t) {
                f = f.set_num_format(code);
            }
            if bold {
                f = f.set_bold();
            }
            f
        };
        Formats {
            plain: TYPES.map(|t| make(t, false)),
            bold: TYPES.map(|t| make(t, true)),
            column_header: Format::new()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_border_bottom(FormatBorder::Thin),
            field: Format::new()
                .set_bold()
                .set_border_bottom(FormatBorder::Thin),
            year: [
                Format::new().set_num_format("0"),
                Format::new().set_num_format("0").set_bold(),
            ],
        }
    }

    fn of(&self, t: ValueType, bold: bool) -> &Format {
        let i = TYPES.iter().position(|x| *x == t).expect("every type");
        if bold {
            &self.bold[i]
        } else {
            &self.plain[i]
        }
    }
}

/// The header text of value column `c` at column-field level `level`, as the CSV has
/// it: "Total", "Subtotal", a label, or nothing below a subtotal's level.
fn column_text<'r>(c: &'r ValueColumn<'_>, level: usize) -> HeaderCell<'r> {
    match (c.header.kind, c.header.labels.get(level)) {
        (HeaderKind::Total, _) if level == 0 => HeaderCell::Word("Total"),
        (HeaderKind::Subtotal, _) if level == c.header.level => HeaderCell::Word("Subtotal"),
        (_, Some(label)) => HeaderCell::Label(label),
        _ => HeaderCell::Word(""),
    }
}

/// The label text of row `row` in label column `i`, as the CSV has it.
fn row_text<'r>(row: &'r Header<'_>, i: usize) -> HeaderCell<'r> {
    match (row.kind, row.labels.get(i)) {
        (HeaderKind::Total, _) if i == 0 => HeaderCell::Word("Total"),
        (HeaderKind::Subtotal, _) if i == row.level => HeaderCell::Word("Subtotal"),
        (_, Some(label)) => HeaderCell::Label(label),
        _ => HeaderCell::Word(""),
    }
}

enum HeaderCell<'r> {
    Word(&'static str),
    Label(&'r Label<'r>),
}

/// A day as Excel's date.
fn excel_date(day: Day) -> Result<ExcelDateTime, PivotXlsxError> {
    let (y, m, d) = ymd_from_day(day);
    let year = u16::try_from(y).map_err(|_| PivotXlsxError::BadResult(format!("year {y}")))?;
    ExcelDateTime::from_ymd(year, m as u8, d as u8).map_err(Into::into)
}

/// Characters a value takes when shown in its format (for column widths).
fn shown_width(value: &Value<'_>, t: ValueType) -> usize {
    let digits = |x: f64| {
        let whole = x.abs().trunc();
        let n = if whole < 1.0 {
            1
        } else {
            whole.log10().floor() as usize + 1
        };
        n + (n - 1) / 3 + usize::from(x < 0.0)
    };
    match (value, value.as_f64()) {
        (Value::Text(t), _) => t.chars().count(),
        (Value::Date(_), _) => 10,
        (_, Some(x)) => match t {
            ValueType::Ratio => digits(x * 100.0) + 4,
            ValueType::Integer => digits(x),
            _ => digits(x) + 3,
        },
        _ => 0,
    }
}

fn label_width(label: &Label<'_>) -> usize {
    match label {
        Label::Null => 0,
        Label::Date(_) => 10,
        other => other.to_plain_string().chars().count(),
    }
}

/// Writes a header label (text, a year, a day) at a cell.
fn write_label(
    sheet: &mut Worksheet,
    (row, col): (u32, u16),
    label: &Label<'_>,
    bold: bool,
    formats: &Formats,
) -> Result<(), PivotXlsxError> {
    let text_format = formats.of(ValueType::Text, bold);
    match label {
        Label::Null => {
            if bold {
                sheet.write_blank(row, col, text_format)?;
            }
        }
        Label::Text(t) => {
            sheet.write_string_with_format(row, col, *t, text_format)?;
        }
        Label::Owned(t) => {
            sheet.write_string_with_format(row, col, t, text_format)?;
        }
        Label::Int(i) => {
            sheet.write_number_with_format(
                row,
                col,
                *i as f64,
                &formats.year[usize::from(bold)],
            )?;
        }
        Label::Date(d) => {
            sheet.write_datetime_with_format(
                row,
                col,
                excel_date(*d)?,
                formats.of(ValueType::Date, bold),
            )?;
        }
    }
    Ok(())
}

fn write_header_cell(
    sheet: &mut Worksheet,
    at: (u32, u16),
    cell: &HeaderCell<'_>,
    bold: bool,
    formats: &Formats,
) -> Result<(), PivotXlsxError> {
    match cell {
        HeaderCell::Word("") => Ok(()),
        HeaderCell::Word(w) => {
            sheet.write_string_with_format(at.0, at.1, *w, formats.of(ValueType::Text, bold))?;
            Ok(())
        }
        HeaderCell::Label(l) => write_label(sheet, at, l, bold, formats),
    }
}

/// A merged range (first row, first column, last row, last column) with its cell.
fn merge(
    sheet: &mut Worksheet,
    (r0, c0, r1, c1): (u32, u16, u32, u16),
    cell: &HeaderCell<'_>,
    formats: &Formats,
) -> Result<(), PivotXlsxError> {
    let format = &formats.column_header;
    if (r0, c0) == (r1, c1) {
        return match cell {
            HeaderCell::Word(w) => {
                sheet.write_string_with_format(r0, c0, *w, format)?;
                Ok(())
            }
            HeaderCell::Label(l) => write_label(sheet, (r0, c0), l, true, formats),
        };
    }
    // merge_range writes text; a year or a day then replaces the first cell's value
    // (rust_xlsxwriter's documented way to merge other types).
    let text = match cell {
        HeaderCell::Word(w) => (*w).to_string(),
        HeaderCell::Label(l) => l.to_plain_string(),
    };
    sheet.merge_range(r0, c0, r1, c1, &text, format)?;
    if let HeaderCell::Label(l @ (Label::Int(_) | Label::Date(_))) = cell {
        write_label(sheet, (r0, c0), l, true, formats)?;
    }
    Ok(())
}

/// The pivot as an XLSX workbook (the bytes of the file), laid out as the module says.
pub fn write(result: &PivotResult<'_>) -> Result<Vec<u8>, PivotXlsxError> {
    let place = Placement::of(result);
    let columns = place.value_column(result.columns.len());
    if columns > MAX_SHEET_COLUMNS {
        return Err(PivotXlsxError::TooWide { columns });
    }
    let rows = place.body_row(result.rows.len());
    if rows > MAX_SHEET_ROWS {
        return Err(PivotXlsxError::TooLong { rows });
    }
    check(result)?;
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET_NAME)?;
    // Indexes fit: both are below Excel's limits, checked above.
    let r32 = |r: usize| r as u32;
    let c16 = |c: usize| c as u16;
    let mut widths = vec![0usize; columns];

    // The column fields' rows: the field's name beside the labels, then the headers.
    let levels = place.header_rows;
    for (level, field) in result.column_fields.iter().enumerate() {
        let at = (r32(level), c16(place.label_columns - 1));
        sheet.write_string_with_format(at.0, at.1, &field.label, &formats.field)?;
        widths[place.label_columns - 1] =
            widths[place.label_columns - 1].max(field.label.chars().count());
        let mut c = 0;
        while c < result.columns.len() {
            let column = &result.columns[c];
            let h = &column.header;
            if h.level < level {
                // Under a subtotal or the total, spanned from above.
                c += 1;
                continue;
            }
            let run = if h.level == level {
                // "Subtotal" or "Total": its measures, and down to the measures' row.
                same_run(&result.columns[c..], |x| x.header == *h)
            } else {
                same_run(&result.columns[c..], |x| {
                    x.header.level > level && x.header.labels[..=level] == h.labels[..=level]
                })
            };
            let last_row = if h.level == level { levels - 1 } else { level };
            let range = (
                r32(level),
                c16(place.value_column(c)),
                r32(last_row),
                c16(place.value_column(c + run - 1)),
            );
            merge(sheet, range, &column_text(column, level), &formats)?;
            if run == 1 {
                let w = match column_text(column, level) {
                    HeaderCell::Word(w) => w.len(),
                    HeaderCell::Label(l) => label_width(l),
                };
                let i = place.value_column(c);
                widths[i] = widths[i].max(w);
            }
            c += run;
        }
    }

    // The measures' row: the row fields' names, then each value column's measure.
    let measures_row = r32(levels);
    for (i, field) in result.row_fields.iter().enumerate() {
        sheet.write_string_with_format(measures_row, c16(i), &field.label, &formats.field)?;
        widths[i] = widths[i].max(field.label.chars().count());
    }
    if result.row_fields.is_empty() {
        sheet.write_blank(measures_row, 0, &formats.field)?;
    }
    for (c, column) in result.columns.iter().enumerate() {
        let label = &measure(result, column)?.label;
        let i = place.value_column(c);
        sheet.write_string_with_format(measures_row, c16(i), label, &formats.field)?;
        widths[i] = widths[i].max(label.chars().count());
    }

    // The body: labels, then values, bold on subtotals and totals.
    for (r, (row, values)) in result.rows.iter().zip(&result.cells).enumerate() {
        let at = r32(place.body_row(r));
        let bold_row = row.kind != HeaderKind::Leaf;
        for (i, width) in widths.iter_mut().enumerate().take(place.label_columns) {
            let cell = row_text(row, i);
            *width = (*width).max(match &cell {
                HeaderCell::Word(w) => w.len(),
                HeaderCell::Label(l) => label_width(l),
            });
            write_header_cell(sheet, (at, c16(i)), &cell, bold_row, &formats)?;
        }
        for (c, (value, column)) in values.iter().zip(&result.columns).enumerate() {
            // A column is a subtotal's or the total's when it fixes fewer than all the
            // column fields (without column fields, the only column is no total).
            let bold = bold_row || column.header.level < levels;
            let format = formats.of(column.value_type, bold);
            let col = c16(place.value_column(c));
            match value {
                Value::Null => {
                    if bold {
                        sheet.write_blank(at, col, format)?;
                    }
                }
                Value::Text(t) => {
                    sheet.write_string_with_format(at, col, *t, format)?;
                }
                Value::Date(d) => {
                    sheet.write_datetime_with_format(at, col, excel_date(*d)?, format)?;
                }
                number => {
                    let x = number.as_f64().unwrap_or_default();
                    sheet.write_number_with_format(at, col, x, format)?;
                }
            }
            let i = place.value_column(c);
            widths[i] = widths[i].max(shown_width(value, column.value_type));
        }
    }

    for (i, w) in widths.iter().enumerate() {
        sheet.set_column_width(c16(i), ((*w + 2).clamp(MIN_WIDTH, MAX_WIDTH)) as f64)?;
    }
    sheet.set_freeze_panes(r32(levels + 1), c16(place.label_columns))?;
    Ok(workbook.save_to_buffer()?)
}

/// How many columns from the first satisfy `same` (at least the first).
fn same_run(columns: &[ValueColumn<'_>], same: impl Fn(&ValueColumn<'_>) -> bool) -> usize {
    1 + columns[1..].iter().take_while(|c| same(c)).count()
}

fn measure<'r>(
    result: &'r PivotResult<'_>,
    column: &ValueColumn<'_>,
) -> Result<&'r FieldInfo, PivotXlsxError> {
    result.measures.get(column.measure).ok_or_else(|| {
        PivotXlsxError::BadResult(format!(
            "a column names measure {} of {}",
            column.measure,
            result.measures.len()
        ))
    })
}

/// The shape the layout relies on: a cell per row and column, a label per field.
fn check(result: &PivotResult<'_>) -> Result<(), PivotXlsxError> {
    let bad = |what: String| Err(PivotXlsxError::BadResult(what));
    if result.cells.len() != result.rows.len() {
        return bad(format!(
            "{} rows of cells for {} rows",
            result.cells.len(),
            result.rows.len()
        ));
    }
    if let Some(r) = result
        .cells
        .iter()
        .position(|c| c.len() != result.columns.len())
    {
        return bad(format!(
            "row {r} has {} cells for {} columns",
            result.cells[r].len(),
            result.columns.len()
        ));
    }
    if let Some(r) = result
        .rows
        .iter()
        .position(|h| h.labels.len() != result.row_fields.len())
    {
        return bad(format!("row {r} has a label count unlike its fields"));
    }
    if let Some(c) = result.columns.iter().position(|h| {
        h.header.labels.len() != result.column_fields.len()
            || h.header.level > result.column_fields.len()
            || h.measure >= result.measures.len()
    }) {
        return bad(format!("column {c} does not match the column fields"));
    }
    Ok(())
}

// --- The page's path: the result as the page holds it ---------------------------------

/// A field as JSON (`{id, label, type}`).
#[derive(Deserialize)]
struct JsonField {
    id: String,
    label: String,
    #[serde(rename = "type")]
    value_type: ValueType,
}

#[derive(Deserialize)]
struct JsonHeader {
    labels: Vec<serde_json::Value>,
    level: usize,
    kind: HeaderKind,
}

/// A value column as JSON: a header's keys, flattened by hand (serde's `flatten` does
/// not mix with the arbitrary-precision numbers this crate's serde_json keeps).
#[derive(Deserialize)]
struct JsonColumn {
    labels: Vec<serde_json::Value>,
    level: usize,
    kind: HeaderKind,
    measure: usize,
    #[serde(rename = "type")]
    value_type: ValueType,
}

#[derive(Deserialize)]
struct JsonResult {
    row_fields: Vec<JsonField>,
    column_fields: Vec<JsonField>,
    measures: Vec<JsonField>,
    rows: Vec<JsonHeader>,
    columns: Vec<JsonColumn>,
    cells: Vec<Vec<Option<serde_json::Number>>>,
    #[serde(default)]
    fact_rows: u64,
}

/// A pivot result read back from the JSON the engine gives the page (the page's
/// `pivot` call): the page exports exactly the pivot it shows, without computing it
/// again. Numbers take their column's type (money back to exact millionths through its
/// shortest decimal form), and a date field's labels become days again.
pub fn from_json(text: &str) -> Result<PivotResult<'static>, PivotXlsxError> {
    let json: JsonResult =
        serde_json::from_str(text).map_err(|e| PivotXlsxError::BadResult(e.to_string()))?;
    let info = |f: JsonField| FieldInfo {
        id: f.id,
        label: f.label,
        value_type: f.value_type,
    };
    let row_types: Vec<ValueType> = json.row_fields.iter().map(|f| f.value_type).collect();
    let column_types: Vec<ValueType> = json.column_fields.iter().map(|f| f.value_type).collect();
    let labels = |values: Vec<serde_json::Value>, types: &[ValueType]| {
        values
            .into_iter()
            .enumerate()
            .map(|(i, v)| label_of(v, types.get(i).copied().unwrap_or(ValueType::Text)))
            .collect::<Result<Vec<_>, _>>()
    };
    let rows = json
        .rows
        .into_iter()
        .map(|h| {
            Ok(Header {
                labels: labels(h.labels, &row_types)?,
                level: h.level,
                kind: h.kind,
            })
        })
        .collect::<Result<Vec<_>, PivotXlsxError>>()?;
    let columns = json
        .columns
        .into_iter()
        .map(|c| {
            Ok(ValueColumn {
                header: Header {
                    labels: labels(c.labels, &column_types)?,
                    level: c.level,
                    kind: c.kind,
                },
                measure: c.measure,
                value_type: c.value_type,
            })
        })
        .collect::<Result<Vec<_>, PivotXlsxError>>()?;
    let types: Vec<ValueType> = columns.iter().map(|c| c.value_type).collect();
    let cells = json
        .cells
        .into_iter()
        .map(|row| {
            row.into_iter()
                .zip(types.iter().chain(std::iter::repeat(&ValueType::Number)))
                .map(|(v, t)| v.map_or(Ok(Value::Null), |n| value_of(&n, *t)))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, PivotXlsxError>>()?;
    Ok(PivotResult {
        row_fields: json.row_fields.into_iter().map(info).collect(),
        column_fields: json.column_fields.into_iter().map(info).collect(),
        measures: json.measures.into_iter().map(info).collect(),
        rows,
        columns,
        cells,
        fact_rows: json.fact_rows,
    })
}

fn label_of(value: serde_json::Value, t: ValueType) -> Result<Label<'static>, PivotXlsxError> {
    Ok(match value {
        serde_json::Value::Null => Label::Null,
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(Label::Int)
            .ok_or_else(|| PivotXlsxError::BadResult(format!("label {n} is not a whole number")))?,
        serde_json::Value::String(s) if t == ValueType::Date => match parse_day(&s) {
            Some(d) => Label::Date(d),
            None => Label::Owned(s),
        },
        serde_json::Value::String(s) => Label::Owned(s),
        other => return Err(PivotXlsxError::BadResult(format!("label {other}"))),
    })
}

fn value_of(n: &serde_json::Number, t: ValueType) -> Result<Value<'static>, PivotXlsxError> {
    let x = n
        .as_f64()
        .filter(|x| x.is_finite())
        .ok_or_else(|| PivotXlsxError::BadResult(format!("value {n}")))?;
    Ok(match t {
        ValueType::Money => {
            float_to_millionths(x).map_or(Value::Float(x), |m| Value::Money(i128::from(m)))
        }
        ValueType::Integer => n.as_i64().map_or(Value::Float(x), Value::Int),
        _ => Value::Float(x),
    })
}

/// `YYYY-MM-DD` as a day.
fn parse_day(text: &str) -> Option<Day> {
    let mut parts = text.splitn(3, '-');
    let y = parts.next()?.parse().ok()?;
    let m = parts.next()?.parse().ok()?;
    let d = parts.next()?.parse().ok()?;
    (text.len() == 10).then_some(())?;
    day_from_ymd(y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pivot::{pivot, PivotRequest};
    use crate::{Query, Warehouse};
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    fn warehouse() -> Warehouse {
        let mut w = Warehouse::new();
        w.load(
            "c.csv",
            b"tenant_id,campaign_id,date,channel,impressions,clicks,conversions,spend,revenue\n\
              a,c1,2024-11-01,Search,100,10,1,1.25,3.00\n\
              a,c2,2024-12-01,Social,300,20,2,2.50,1.00\n\
              b,c3,2024-11-02,Search,50,5,0,0.10,0.00\n",
        );
        w
    }

    fn request(json: &str) -> PivotRequest {
        serde_json::from_str(json).unwrap()
    }

    fn sheet(bytes: &[u8]) -> calamine::Range<Data> {
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        book.worksheet_range(SHEET_NAME).unwrap()
    }

    #[test]
    fn total_column_spans_down_to_the_measures() {
        let w = warehouse();
        let r = request(
            r#"{"rows": ["tenant"], "columns": ["channel", "month"], "measures": ["sum:spend", "ctr"]}"#,
        );
        let result = pivot(&w, &Query::default(), &r).unwrap();
        let bytes = write(&result).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(&bytes)).unwrap();
        let merged: Vec<_> = book
            .merge_cells_by_sheet_name(SHEET_NAME)
            .unwrap()
            .into_iter()
            .map(|d| (d.start, d.end))
            .collect();
        // The last two value columns are the grand total's: rows 0..=1, both measures.
        let last = (result.columns.len()) as u32;
        assert!(merged.contains(&((0, last - 1), (1, last))), "{merged:?}");
        let range = book.worksheet_range(SHEET_NAME).unwrap();
        assert_eq!(
            range.get_value((0, last - 1)),
            Some(&Data::String("Total".into()))
        );
        // Frozen below the measures' row, right of the tenant column: A4 is the first
        // scrolling cell (checked in the sheet's XML).
        let xml = sheet_xml(&bytes);
        assert!(xml.contains(r#"topLeftCell="B4""#), "{xml}");
    }

    fn sheet_xml(bytes: &[u8]) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut file = zip.by_name("xl/worksheets/sheet1.xml").unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut file, &mut xml).unwrap();
        xml
    }

    #[test]
    fn the_page_json_writes_the_same_cells() {
        let w = warehouse();
        let r = request(
            r#"{"rows": ["day", "channel"], "columns": ["year"], "measures": ["sum:spend", "rows", "ctr", "avg:clicks"]}"#,
        );
        let result = pivot(&w, &Query::default(), &r).unwrap();
        let json = serde_json::to_string(&result).unwrap();
        let back = from_json(&json).unwrap();
        assert_eq!(back.cells, result.cells);
        assert_eq!(back.rows, {
            let mut rows = result.rows.clone();
            for h in &mut rows {
                for l in &mut h.labels {
                    if let Label::Text(t) = l {
                        *l = Label::Owned(t.to_string());
                    }
                }
            }
            rows
        });
        assert_eq!(
            sheet(&write(&back).unwrap()),
            sheet(&write(&result).unwrap())
        );
    }

    #[test]
    fn days_are_dates_and_money_is_formatted() {
        let w = warehouse();
        let r = request(r#"{"rows": ["day"], "measures": ["sum:spend", "ctr", "rows"]}"#);
        let result = pivot(&w, &Query::default(), &r).unwrap();
        let bytes = write(&result).unwrap();
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(&bytes)).unwrap();
        let range = book.worksheet_range(SHEET_NAME).unwrap();
        let day = range.get_value((1, 0)).unwrap();
        let Data::DateTime(serial) = day else {
            panic!("{day:?} is not a date")
        };
        let day = crate::model::date::day_from_excel_serial(serial.as_f64(), false).unwrap();
        assert_eq!(crate::model::date::format_day(day), "2024-11-01");
        let styles = book.worksheet_style(SHEET_NAME).unwrap();
        let code = |pos| {
            styles
                .get(pos)
                .and_then(|s| s.number_format.clone())
                .map(|f| f.format_code)
        };
        assert_eq!(code((1, 1)).as_deref(), Some("#,##0.00"));
        assert_eq!(code((1, 2)).as_deref(), Some("0.00%"));
        assert_eq!(code((1, 3)).as_deref(), Some("#,##0"));
        let bold = |pos| {
            styles
                .get(pos)
                .and_then(|s| s.font.clone())
                .is_some_and(|f| f.is_bold())
        };
        let total = result.rows.len() as u32;
        assert!(bold((total, 0)) && bold((total, 1)));
        assert!(!bold((1, 1)));
    }

    #[test]
    fn too_wide_is_refused_with_what_to_do() {
        let w = warehouse();
        let r = request(r#"{"columns": ["tenant"], "measures": ["rows"]}"#);
        let mut result = pivot(&w, &Query::default(), &r).unwrap();
        let c = result.columns[0].clone();
        result.columns = vec![c; MAX_SHEET_COLUMNS];
        result.cells = vec![vec![Value::Int(1); MAX_SHEET_COLUMNS]; result.rows.len()];
        let e = write(&result).unwrap_err();
        assert!(matches!(e, PivotXlsxError::TooWide { .. }));
        assert!(e.to_string().contains("move a field from columns to rows"));
    }
}

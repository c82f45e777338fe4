//! XLSX workbooks (SPEC §3): every sheet whose header matches a table is loaded into it.
//!
//! calamine reads the workbook from bytes. A sheet's header is its first row, within the
//! first 20, that matches a table; rows below it are fed to that table's builder, each
//! sheet as its own section (own column mapping, own slash-date rule). Formula cells come
//! with their cached values; date cells and numbers in date columns are serials in the
//! workbook's date system (1900 or 1904).
//!
//! Limits (docs/formats.md): before calamine sees the bytes, the zip's central directory
//! is read with the `zip` crate and a workbook whose entries declare more than
//! [`inflate_budget`] bytes is refused (the `zip` reader fails any entry that inflates
//! past its declared size, so the declared sizes bound what calamine reads); a workbook
//! of more than [`MAX_SHEETS`] sheets is refused. Sheets are read cell by cell
//! (calamine's cell reader) and handed on row by row, never as calamine's dense
//! `Range`, which allocates rows x columns cells: two cells at `A1` and `XFD1048576`
//! would ask for 17 billion.

use crate::error::LoadError;
use crate::model::schema::{best_table, HeaderMatch, TableKind};
use crate::transform::stage::{Cell, RowCells, StagedTable, TableBuilder};
use crate::transform::value::{trim, NumberFormat};
use calamine::{CellErrorType, Data, Reader, Xlsx, XlsxError};
use std::io::Cursor;

const HEADER_SEARCH_ROWS: u32 = 20;

/// Inflated bytes read at most from a workbook, whatever its size. Sheet XML is parsed
/// as it inflates, so this bounds time (a few seconds), not memory; Excel's largest
/// sheet (1,048,576 rows) of a dozen columns inflates to about this much.
pub const MAX_INFLATED_BYTES: u64 = 1 << 30;
/// Inflated bytes always allowed, even for a tiny file.
pub const MIN_INFLATED_BYTES: u64 = 64 << 20;
/// Inflated bytes allowed per byte of the file, between the two bounds above. Sheet XML
/// compresses 5-30x in practice; deflate can reach about 1000x.
pub const MAX_INFLATE_RATIO: u64 = 100;
/// Sheets read at most from one workbook.
pub const MAX_SHEETS: usize = 1024;

/// The inflated bytes a workbook of `file_len` bytes may hold:
/// `MAX_INFLATE_RATIO x file_len`, clamped to `MIN_INFLATED_BYTES..=MAX_INFLATED_BYTES`.
pub fn inflate_budget(file_len: u64) -> u64 {
    file_len
        .saturating_mul(MAX_INFLATE_RATIO)
        .clamp(MIN_INFLATED_BYTES, MAX_INFLATED_BYTES)
}

fn mib(bytes: u64) -> String {
    let tenths = bytes.saturating_mul(10) / (1 << 20);
    format!("{}.{} MiB", tenths / 10, tenths % 10)
}

fn bomb_error(file_len: u64, what: String) -> LoadError {
    LoadError::Limit(format!(
        "the workbook is refused: {what}, more than the {} it may inflate to (the XLSX \
         limit is {}x the file's {} bytes, at least {} and at most {}); it is a zip bomb \
         or too large to open here, so save the data as CSV, which has no such limit",
        mib(inflate_budget(file_len)),
        MAX_INFLATE_RATIO,
        file_len,
        mib(MIN_INFLATED_BYTES),
        mib(MAX_INFLATED_BYTES)
    ))
}

/// Refuses a zip whose entries declare more than [`inflate_budget`] inflated bytes,
/// before anything is inflated. Headers that lie cannot get past it: the `zip` reader
/// (which calamine reads through) fails an entry as soon as it inflates past its
/// declared size (tests/limits/inputs.rs proves both). A zip that cannot be opened is left to
/// calamine to report.
fn check_inflated_size(bytes: &[u8]) -> Result<(), LoadError> {
    let file_len = bytes.len() as u64;
    let budget = inflate_budget(file_len);
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        if let Ok(entry) = archive.by_index_raw(i) {
            declared = declared.saturating_add(entry.size());
        }
    }
    if declared > budget {
        return Err(bomb_error(
            file_len,
            format!(
                "its {} entries declare {} of inflated data",
                archive.len(),
                mib(declared)
            ),
        ));
    }
    Ok(())
}

fn error_text(e: &CellErrorType) -> &'static str {
    match e {
        CellErrorType::Div0 => "#DIV/0!",
        CellErrorType::NA => "#N/A",
        CellErrorType::Name => "#NAME?",
        CellErrorType::Null => "#NULL!",
        CellErrorType::Num => "#NUM!",
        CellErrorType::Ref => "#REF!",
        CellErrorType::Value => "#VALUE!",
        CellErrorType::GettingData => "#GETTING_DATA",
    }
}

fn cell_of(data: &Data) -> Cell<'_> {
    match data {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Float(*f),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.as_bytes()),
        Data::Bool(true) => Cell::Text(b"TRUE"),
        Data::Bool(false) => Cell::Text(b"FALSE"),
        Data::DateTime(dt) => Cell::DateSerial(dt.as_f64()),
        Data::Error(e) => Cell::Error(error_text(e)),
    }
}

fn header_text(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn is_blank_row(row: &SparseRow) -> bool {
    row.0.iter().all(|(_, d)| match d {
        Data::Empty => true,
        Data::String(s) => trim(s.as_bytes()).is_empty(),
        _ => false,
    })
}

/// One row of a sheet, sparse: (column from the sheet's first used column, value), in
/// column order, non-empty cells only.
struct SparseRow(Vec<(u32, Data)>);

impl RowCells for SparseRow {
    fn cell(&self, index: usize) -> Cell<'_> {
        let Ok(index) = u32::try_from(index) else {
            return Cell::Empty;
        };
        match self.0.binary_search_by_key(&index, |(c, _)| *c) {
            Ok(at) => cell_of(&self.0[at].1),
            Err(_) => Cell::Empty,
        }
    }
}

/// A sheet's rows that hold a cell: (0-based sheet row, its cells). Memory follows the
/// cells in the file, never the sheet's extent.
struct SheetRows {
    rows: Vec<(u32, SparseRow)>,
}

/// Reads a sheet cell by cell. Cells may come in any order; a later cell at the same
/// position wins (as in calamine's `Range`).
fn read_sheet(workbook: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<SheetRows, XlsxError> {
    let mut cells: Vec<(u32, u32, Data)> = Vec::new();
    {
        let mut reader = match workbook.worksheet_cells_reader(name) {
            Ok(reader) => reader,
            Err(XlsxError::NotAWorksheet(_)) => return Ok(SheetRows { rows: Vec::new() }),
            Err(e) => return Err(e),
        };
        while let Some(cell) = reader.next_cell()? {
            let value: Data = cell.get_value().clone().into();
            if value != Data::Empty {
                let (row, column) = cell.get_position();
                cells.push((row, column, value));
            }
        }
    }
    if !cells.is_sorted_by_key(|(r, c, _)| (*r, *c)) {
        cells.sort_by_key(|(r, c, _)| (*r, *c));
    }
    let first_column = cells.iter().map(|(_, c, _)| *c).min().unwrap_or(0);
    let mut rows: Vec<(u32, SparseRow)> = Vec::new();
    for (row, column, value) in cells {
        if rows.last().is_none_or(|(r, _)| *r != row) {
            rows.push((row, SparseRow(Vec::new())));
        }
        let Some((_, SparseRow(line))) = rows.last_mut() else {
            unreachable!("pushed above")
        };
        let column = column - first_column;
        match line.last_mut() {
            Some((c, last)) if *c == column => *last = value,
            _ => line.push((column, value)),
        }
    }
    Ok(SheetRows { rows })
}

/// The header row of a sheet: (index into the sheet's rows, match), or the closest miss.
fn sheet_header(sheet: &SheetRows) -> Result<(usize, HeaderMatch), Option<(u64, HeaderMatch)>> {
    let mut closest: Option<(u64, HeaderMatch)> = None;
    for (index, (row_number, row)) in sheet.rows.iter().enumerate() {
        let sheet_row = u64::from(*row_number) + 1;
        if sheet_row > u64::from(HEADER_SEARCH_ROWS) {
            break;
        }
        if is_blank_row(row) {
            continue;
        }
        let width = row.0.last().map_or(0, |(c, _)| *c as usize + 1);
        let mut names: Vec<String> = vec![String::new(); width];
        for (column, value) in &row.0 {
            names[*column as usize] = header_text(value);
        }
        while names.last().is_some_and(|n| n.trim().is_empty()) {
            names.pop();
        }
        match best_table(&names) {
            Ok(matched) => return Ok((index, matched)),
            Err(near) => {
                let closer = closest.as_ref().is_none_or(|(_, c)| {
                    (near.missing.len(), std::cmp::Reverse(near.matched))
                        < (c.missing.len(), std::cmp::Reverse(c.matched))
                });
                if closer {
                    closest = Some((sheet_row, near));
                }
            }
        }
    }
    Err(closest)
}

/// Reads every matching sheet of a workbook into staged tables, one per table.
pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<StagedTable>, LoadError> {
    check_inflated_size(bytes)?;
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| LoadError::Workbook(e.to_string()))?;
    let is_1904 = workbook.has_1904_epoch();
    let names = workbook.sheet_names();
    if names.is_empty() {
        return Err(LoadError::NoSheets);
    }
    if names.len() > MAX_SHEETS {
        return Err(LoadError::Limit(format!(
            "the workbook has {} sheets; at most {MAX_SHEETS} sheets are read from one \
             workbook (the XLSX sheet limit): split it into several workbooks",
            names.len()
        )));
    }
    let mut builders: Vec<TableBuilder> = Vec::new();
    let mut closest: Option<(String, u64, HeaderMatch)> = None;
    for name in names {
        let sheet = read_sheet(&mut workbook, &name)
            .map_err(|e| LoadError::Workbook(format!("sheet '{name}': {e}")))?;
        let (header_index, matched) = match sheet_header(&sheet) {
            Ok(found) => found,
            Err(near) => {
                if let Some((line, near)) = near {
                    let closer = closest
                        .as_ref()
                        .is_none_or(|(_, _, c)| near.missing.len() < c.missing.len());
                    if closer {
                        closest = Some((name.clone(), line, near));
                    }
                }
                continue;
            }
        };
        let table = matched.table;
        let position = match builders.iter().position(|b| b.table() == table) {
            Some(p) => p,
            None => {
                builders.push(TableBuilder::new(table));
                builders.len() - 1
            }
        };
        let builder = &mut builders[position];
        builder.begin_section(
            &matched,
            Some(name.clone()),
            NumberFormat::default(),
            is_1904,
        );
        let header_len = matched.targets.len();
        for (row_number, row) in sheet.rows.iter().skip(header_index + 1) {
            if is_blank_row(row) {
                continue;
            }
            let line = u64::from(*row_number) + 1;
            let beyond = row.0.iter().find(|(column, value)| {
                *column as usize >= header_len
                    && match cell_of(value) {
                        Cell::Empty => false,
                        Cell::Text(t) => !trim(t).is_empty(),
                        _ => true,
                    }
            });
            if let Some((column, _)) = beyond {
                let reason = format!(
                    "the row has a value in column {}, which has no header (the header has {} columns)",
                    *column as usize + 1,
                    header_len
                );
                builder.reject_row(line, reason, row);
            } else {
                builder.push_row(line, row);
            }
        }
    }
    if builders.is_empty() {
        return Err(match closest {
            Some((sheet, line, near)) => near.refusal(Some(sheet), Some(line)),
            None => LoadError::NoTableMatches {
                closest: TableKind::Campaigns.name(),
                missing: TableKind::Campaigns
                    .columns()
                    .iter()
                    .filter(|i| i.required)
                    .map(|i| i.column.name())
                    .collect(),
                sheet: None,
                line: None,
            },
        });
    }
    Ok(builders.into_iter().map(TableBuilder::finish).collect())
}

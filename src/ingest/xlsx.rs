//! XLSX workbooks (SPEC §3): every sheet whose header matches a table is loaded into it.
//!
//! calamine reads the workbook from bytes. A sheet's header is its first row, within the
//! first 20, that matches a table; rows below it are fed to that table's builder, each
//! sheet as its own section (own column mapping, own slash-date rule). Formula cells come
//! with their cached values; date cells and numbers in date columns are serials in the
//! workbook's date system (1900 or 1904).

use crate::error::LoadError;
use crate::model::schema::{best_table, HeaderMatch, TableKind};
use crate::transform::stage::{Cell, StagedTable, TableBuilder};
use crate::transform::value::{trim, NumberFormat};
use calamine::{CellErrorType, Data, Range, Reader, Xlsx};
use std::io::Cursor;

const HEADER_SEARCH_ROWS: u32 = 20;

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

fn is_blank_row(row: &[Data]) -> bool {
    row.iter().all(|d| match d {
        Data::Empty => true,
        Data::String(s) => trim(s.as_bytes()).is_empty(),
        _ => false,
    })
}

/// The header row of a sheet: (row index within the range, match), or the closest miss.
fn sheet_header(range: &Range<Data>) -> Result<(usize, HeaderMatch), Option<(u64, HeaderMatch)>> {
    let first_row = range.start().map_or(0, |(r, _)| r);
    let mut closest: Option<(u64, HeaderMatch)> = None;
    for (index, row) in range.rows().enumerate() {
        let sheet_row = u64::from(first_row) + index as u64 + 1;
        if sheet_row > u64::from(HEADER_SEARCH_ROWS) {
            break;
        }
        if is_blank_row(row) {
            continue;
        }
        let mut names: Vec<String> = row.iter().map(header_text).collect();
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
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| LoadError::Workbook(e.to_string()))?;
    let is_1904 = workbook.has_1904_epoch();
    let names = workbook.sheet_names();
    if names.is_empty() {
        return Err(LoadError::NoSheets);
    }
    let mut builders: Vec<TableBuilder> = Vec::new();
    let mut closest: Option<(String, u64, HeaderMatch)> = None;
    for name in names {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| LoadError::Workbook(format!("sheet '{name}': {e}")))?;
        let (header_index, matched) = match sheet_header(&range) {
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
        let first_row = range.start().map_or(0, |(r, _)| r);
        let mut cells: Vec<Cell<'_>> = Vec::new();
        for (index, row) in range.rows().enumerate().skip(header_index + 1) {
            if is_blank_row(row) {
                continue;
            }
            let line = u64::from(first_row) + index as u64 + 1;
            cells.clear();
            cells.extend(row.iter().map(cell_of));
            let beyond = cells.iter().skip(header_len).position(|c| match c {
                Cell::Empty => false,
                Cell::Text(t) => !trim(t).is_empty(),
                _ => true,
            });
            if let Some(offset) = beyond {
                let reason = format!(
                    "the row has a value in column {}, which has no header (the header has {} columns)",
                    header_len + offset + 1,
                    header_len
                );
                builder.reject_row(line, reason, &cells[..]);
            } else {
                builder.push_row(line, &cells[..]);
            }
        }
    }
    if builders.is_empty() {
        return Err(match closest {
            Some((sheet, line, near)) => LoadError::NoTableMatches {
                closest: near.table.name(),
                missing: near.missing,
                sheet: Some(sheet),
                line: Some(line),
            },
            None => LoadError::NoTableMatches {
                closest: TableKind::Campaigns.name(),
                missing: TableKind::Campaigns
                    .columns()
                    .iter()
                    .filter(|(_, required)| *required)
                    .map(|(c, _)| c.name())
                    .collect(),
                sheet: None,
                line: None,
            },
        });
    }
    Ok(builders.into_iter().map(TableBuilder::finish).collect())
}

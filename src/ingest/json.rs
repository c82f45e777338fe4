//! JSON rows (SPEC §3): an array of objects, an object whose one array-valued member
//! holds the rows (how APIs page them), or newline-delimited objects. The columns are
//! the keys of the objects, in first-seen order. Numbers keep their exact text
//! (serde_json's `arbitrary_precision`), so money parses as the decimal it was written as.

use crate::error::LoadError;
use crate::ingest::text::decode_whole;
use crate::model::schema::best_table;
use crate::transform::stage::{Cell, StagedTable, TableBuilder};
use crate::transform::value::NumberFormat;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// One row candidate: its line (or position) and the object, or why it is not one.
type RawRow = (u64, Result<Map<String, Value>, String>);

/// How deep arrays and objects may nest: serde_json's recursion limit, which guards the
/// parser's stack. Rows are objects of plain values, so real files stay far below it.
pub const MAX_NESTING: usize = 128;

fn json_error(e: &serde_json::Error) -> LoadError {
    if e.to_string().starts_with("recursion limit exceeded") {
        return LoadError::Limit(format!(
            "the JSON is nested more than {MAX_NESTING} levels deep at line {}, column {} \
             (the JSON nesting limit); rows must be objects of plain values",
            e.line(),
            e.column()
        ));
    }
    LoadError::Json {
        line: e.line() as u64,
        column: e.column() as u64,
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

fn rows_of_array(items: Vec<Value>) -> Vec<RawRow> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let position = i as u64 + 1;
            match item {
                Value::Object(map) => (position, Ok(map)),
                other => (
                    position,
                    Err(format!(
                        "item {position} is {}, not an object",
                        kind_of(&other)
                    )),
                ),
            }
        })
        .collect()
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Splits JSON text into row candidates.
fn raw_rows(text: &str) -> Result<Vec<RawRow>, LoadError> {
    let body = text.trim_start();
    if body.starts_with('[') {
        return match serde_json::from_str::<Value>(body) {
            Ok(Value::Array(items)) => Ok(rows_of_array(items)),
            Ok(_) => Err(LoadError::JsonShape),
            Err(e) => Err(json_error(&e)),
        };
    }
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(body) {
        let arrays: Vec<&String> = map
            .iter()
            .filter(|(_, v)| v.is_array())
            .map(|(k, _)| k)
            .collect();
        if arrays.len() == 1 {
            let key = arrays[0].clone();
            let mut map = map;
            if let Some(Value::Array(items)) = map.remove(&key) {
                if items.iter().all(Value::is_object) || items.is_empty() {
                    return Ok(rows_of_array(items));
                }
                map.insert(key, Value::Array(items));
            }
            return Ok(vec![(1, Ok(map))]);
        }
        return Ok(vec![(1, Ok(map))]);
    }
    // Newline-delimited: one object per non-blank line.
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        rows.push(match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(map)) => (line_number, Ok(map)),
            Ok(other) => (
                line_number,
                Err(format!(
                    "line {line_number} is {}, not an object",
                    kind_of(&other)
                )),
            ),
            Err(e) => (
                line_number,
                Err(format!(
                    "line {line_number} is not valid JSON: {}",
                    json_error(&e)
                )),
            ),
        });
    }
    if rows.iter().all(|(_, r)| r.is_err()) {
        return match serde_json::from_str::<Value>(body) {
            Err(e) => Err(json_error(&e)),
            Ok(_) => Err(LoadError::JsonShape),
        };
    }
    Ok(rows)
}

/// The text a JSON value contributes to a cell.
fn cell_text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        nested => Some(Cow::Owned(nested.to_string())),
    }
}

/// Reads JSON rows into one staged table.
pub fn read_json(bytes: &[u8]) -> Result<Vec<StagedTable>, LoadError> {
    let text = decode_whole(bytes)?;
    if text.trim().is_empty() {
        return Err(LoadError::Empty);
    }
    let rows = raw_rows(&text)?;
    let mut header: Vec<String> = Vec::new();
    for (_, row) in &rows {
        if let Ok(map) = row {
            for key in map.keys() {
                if !header.contains(key) {
                    header.push(key.clone());
                }
            }
        }
    }
    let matched = best_table(&header).map_err(|near| near.refusal(None, None))?;
    let mut builder = TableBuilder::new(matched.table);
    builder.begin_section(&matched, None, NumberFormat::default(), false);
    let mut texts: Vec<Option<Cow<'_, str>>> = Vec::with_capacity(header.len());
    for (line, row) in &rows {
        match row {
            Ok(map) => {
                texts.clear();
                texts.extend(header.iter().map(|key| map.get(key).and_then(cell_text)));
                let cells: Vec<Cell<'_>> = texts
                    .iter()
                    .map(|t| {
                        t.as_deref()
                            .map_or(Cell::Empty, |s| Cell::Text(s.as_bytes()))
                    })
                    .collect();
                builder.push_row(*line, &cells[..]);
            }
            Err(reason) => builder.reject_row(*line, reason.clone(), &[][..]),
        }
    }
    Ok(vec![builder.finish()])
}

//! A result's rows handed to JS a column at a time (part of the `web` binding).
//!
//! A dashboard, a table or a SQL statement answers with rows of cells. Written as JSON
//! text and parsed by the browser, every cell was written as text in wasm and read
//! back by `JSON.parse`: at 1M fact rows that was about two thirds of
//! `target_vs_actual`'s time in the page (24,000 rows of 12 cells). Here each column
//! goes over whole instead, as the engine holds it:
//! - a column of numbers as one `Float64Array` (null as NaN, which no finite cell is);
//! - a column of text and dates as its distinct values (each made a JS string once)
//!   and a `Uint32Array` of their codes, as Arrow's dictionary columns are;
//!
//! and a few lines of JS (`rowsFromColumns`) build the same row arrays `JSON.parse`
//! built. The values are the same: numbers are the same doubles (a JSON number is
//! written as the shortest text that parses back to the double), text the same
//! strings. A column mixing numbers and text (SQL's `mixed`) sends its result as JSON.

use bi_platform::model::date::{with_iso_day, Day};
use bi_platform::query::result::Value;
use bi_platform::sql::Val;
use foldhash::fast::RandomState;
use serde::Serialize;
use std::collections::HashMap;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
// The rows of `n` cells a column at a time: a Float64Array (NaN is null) or
// [strings, Uint32Array of codes into them].
export function rowsFromColumns(n, columns) {
  const width = columns.length;
  const rows = new Array(n);
  for (let r = 0; r < n; r++) rows[r] = new Array(width);
  for (let c = 0; c < width; c++) {
    const column = columns[c];
    if (column instanceof Float64Array) {
      for (let r = 0; r < n; r++) {
        const x = column[r];
        rows[r][c] = x === x ? x : null;
      }
    } else {
      const [strings, codes] = column;
      for (let r = 0; r < n; r++) rows[r][c] = strings[codes[r]];
    }
  }
  return rows;
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = rowsFromColumns)]
    fn rows_from_columns(n: u32, columns: &js_sys::Array) -> JsValue;
}

/// A cell as JS receives it.
pub(super) enum Cell<'a> {
    Null,
    Number(f64),
    Text(&'a str),
    Date(Day),
}

/// What a result's cells are to JS: the same values their `Serialize` writes as JSON.
pub(super) trait ToCell {
    fn cell(&self) -> Cell<'_>;
}

impl ToCell for Value<'_> {
    fn cell(&self) -> Cell<'_> {
        match self {
            Value::Null => Cell::Null,
            Value::Text(t) => Cell::Text(t),
            Value::Date(d) => Cell::Date(*d),
            number => number.json_number().map_or(Cell::Null, Cell::Number),
        }
    }
}

impl ToCell for Val<'_> {
    fn cell(&self) -> Cell<'_> {
        match self {
            Val::Null => Cell::Null,
            Val::Str(t) => Cell::Text(t),
            Val::String(t) => Cell::Text(t),
            Val::Date(d) => Cell::Date(*d),
            number => number.json_number().map_or(Cell::Null, Cell::Number),
        }
    }
}

/// A column of text and dates on its way to JS: its distinct values and their codes.
struct TextColumn {
    /// The distinct values, null first.
    strings: js_sys::Array,
    /// Text borrowed from the warehouse's dictionaries repeats the same few slices:
    /// deduplicated by address and length, each is made a JS string once (equal text
    /// at two addresses is two entries holding the same string, which is harmless).
    by_slice: HashMap<(usize, usize), u32, RandomState>,
    by_day: HashMap<Day, u32, RandomState>,
    /// Results come sorted, so a text cell mostly repeats the one above it.
    last: Option<((usize, usize), u32)>,
    codes: Vec<u32>,
}

impl TextColumn {
    fn new(rows: usize) -> Self {
        TextColumn {
            strings: js_sys::Array::of1(&JsValue::NULL),
            by_slice: HashMap::default(),
            by_day: HashMap::default(),
            last: None,
            codes: Vec::with_capacity(rows),
        }
    }

    /// Adds a cell; `false` for a number.
    fn push(&mut self, cell: Cell<'_>) -> bool {
        let strings = &self.strings;
        let code = match cell {
            Cell::Null => 0,
            Cell::Text(t) => {
                let slice = (t.as_ptr() as usize, t.len());
                match self.last {
                    Some((seen, code)) if seen == slice => code,
                    _ => {
                        let code = *self
                            .by_slice
                            .entry(slice)
                            .or_insert_with(|| strings.push(&JsValue::from_str(t)) - 1);
                        self.last = Some((slice, code));
                        code
                    }
                }
            }
            Cell::Date(d) => *self.by_day.entry(d).or_insert_with(|| {
                with_iso_day(d, |text| strings.push(&JsValue::from_str(text)) - 1)
            }),
            Cell::Number(_) => return false,
        };
        self.codes.push(code);
        true
    }
}

/// One column on its way to JS.
enum JsColumn {
    Numbers(Vec<f64>),
    Texts(TextColumn),
}

/// The rows as JS arrays, or `None` when a column mixes numbers and text or the rows
/// differ in width (then the caller sends JSON).
fn rows_to_js<V: ToCell>(rows: &[Vec<V>]) -> Option<JsValue> {
    let width = rows.first().map_or(0, Vec::len);
    if rows.iter().any(|row| row.len() != width) {
        return None;
    }
    // A column's kind is its first non-null cell's; an all-null column is numbers (NaN).
    let mut text: Vec<Option<bool>> = vec![None; width];
    for row in rows {
        for (kind, value) in text.iter_mut().zip(row) {
            if kind.is_none() {
                match value.cell() {
                    Cell::Null => {}
                    Cell::Number(_) => *kind = Some(false),
                    Cell::Text(_) | Cell::Date(_) => *kind = Some(true),
                }
            }
        }
        if text.iter().all(Option::is_some) {
            break;
        }
    }
    let mut columns: Vec<JsColumn> = text
        .iter()
        .map(|kind| match kind {
            Some(true) => JsColumn::Texts(TextColumn::new(rows.len())),
            _ => JsColumn::Numbers(Vec::with_capacity(rows.len())),
        })
        .collect();
    // Row by row: each row's cells are read once, where they lie.
    for row in rows {
        for (column, value) in columns.iter_mut().zip(row) {
            let cell = value.cell();
            match column {
                JsColumn::Numbers(numbers) => numbers.push(match cell {
                    Cell::Null => f64::NAN,
                    Cell::Number(x) => x,
                    Cell::Text(_) | Cell::Date(_) => return None,
                }),
                JsColumn::Texts(texts) => {
                    if !texts.push(cell) {
                        return None;
                    }
                }
            }
        }
    }
    let js_columns = js_sys::Array::new();
    for column in columns {
        js_columns.push(&match column {
            JsColumn::Numbers(numbers) => js_sys::Float64Array::from(&numbers[..]).into(),
            JsColumn::Texts(texts) => {
                js_sys::Array::of2(&texts.strings, &js_sys::Uint32Array::from(&texts.codes[..]))
                    .into()
            }
        });
    }
    Some(rows_from_columns(rows.len() as u32, &js_columns))
}

/// A result whose rows [`result_to_js`] sends column by column.
pub(super) trait WithRows: Serialize {
    type Cell: ToCell;
    fn rows_mut(&mut self) -> &mut Vec<Vec<Self::Cell>>;
}

impl<'w> WithRows for bi_platform::query::result::DashboardResult<'w> {
    type Cell = Value<'w>;
    fn rows_mut(&mut self) -> &mut Vec<Vec<Value<'w>>> {
        &mut self.rows
    }
}

/// A result as plain JS data: the result without its rows as JSON, then its `rows`
/// member set column by column (the whole result as JSON when they cannot go that way).
pub(super) fn result_to_js(mut result: impl WithRows) -> Result<JsValue, JsValue> {
    let rows = std::mem::take(result.rows_mut());
    match rows_to_js(&rows) {
        Some(js_rows) => {
            let head = super::json_to_js(&result)?;
            js_sys::Reflect::set(&head, &JsValue::from_str("rows"), &js_rows)?;
            Ok(head)
        }
        None => {
            *result.rows_mut() = rows;
            super::json_to_js(&result)
        }
    }
}

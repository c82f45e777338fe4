//! A computed pivot as the page and the exports read it: row headers, value columns and
//! cells.

use super::axis::Label;
use super::spec::ValueType;
use crate::query::result::Value;
use serde::{Deserialize, Serialize};

/// What kind of header a row or column of the result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderKind {
    /// A combination of every field's value.
    Leaf,
    /// The total of the values under a prefix of the fields.
    Subtotal,
    /// The grand total (or the only column when there are no column fields).
    Total,
}

/// A row of the result, or a group of value columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Header<'w> {
    /// One value per field: the path down to this header, null below a subtotal's level.
    pub labels: Vec<Label<'w>>,
    /// How many fields the labels fix (0 for the grand total).
    pub level: usize,
    pub kind: HeaderKind,
}

/// One value column: a column header and a measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueColumn<'w> {
    #[serde(flatten)]
    pub header: Header<'w>,
    /// Index into the request's measures.
    pub measure: usize,
    #[serde(rename = "type")]
    pub value_type: ValueType,
}

/// A field as the result names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldInfo {
    pub id: String,
    pub label: String,
    #[serde(rename = "type")]
    pub value_type: ValueType,
}

/// A computed pivot: row headers, value columns, and one cell per row and value column.
/// The last row is the grand total; subtotal rows follow the rows they total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PivotResult<'w> {
    pub row_fields: Vec<FieldInfo>,
    pub column_fields: Vec<FieldInfo>,
    pub measures: Vec<FieldInfo>,
    pub rows: Vec<Header<'w>>,
    pub columns: Vec<ValueColumn<'w>>,
    pub cells: Vec<Vec<Value<'static>>>,
    /// Fact rows in scope (the grand total's row count).
    pub fact_rows: u64,
}

//! Dashboard results as data (SPEC §7): named columns and rows of values.

use crate::model::date::{format_day, with_iso_day, Day};
use crate::query::columns::ColumnDecl;
use crate::transform::value::format_millionths;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// One value of a result. Text borrows from the warehouse's dictionaries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    /// Fixed-point millionths (sums of money stay exact).
    Money(i128),
    Float(f64),
    Text(&'a str),
    Date(Day),
}

impl Value<'_> {
    /// A float, or null when absent or not finite.
    pub fn float(value: Option<f64>) -> Self {
        match value {
            Some(f) if f.is_finite() => Value::Float(f),
            _ => Value::Null,
        }
    }

    /// Text, or null.
    pub fn text(value: Option<&str>) -> Value<'_> {
        value.map_or(Value::Null, Value::Text)
    }

    /// The value as plain text (CSV export, tables): money exact with at least two
    /// decimals, dates ISO, null empty.
    pub fn to_plain_string(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Int(i) => i.to_string(),
            Value::Money(m) => match i64::try_from(*m) {
                Ok(m) => format_millionths(m),
                Err(_) => format!("{}", *m as f64 / 1e6),
            },
            Value::Float(f) => f.to_string(),
            Value::Text(t) => t.to_string(),
            Value::Date(d) => format_day(*d),
        }
    }

    /// The number JSON holds for this value once read (`None`: not a number, or one
    /// written as null): what the page receives, however the value is sent.
    pub fn json_number(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            // An i64 converts to f64 with one instruction, an i128 through a call in
            // wasm; both round the same integer to the same nearest double.
            Value::Money(m) => Some(match i64::try_from(*m) {
                Ok(m) => m as f64 / 1e6,
                Err(_) => *m as f64 / 1e6,
            }),
            Value::Float(f) if f.is_finite() => Some(*f),
            _ => None,
        }
    }

    /// The value as a number, when it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Money(m) => Some(*m as f64 / 1e6),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
}

impl Serialize for Value<'_> {
    /// Money is a JSON number in currency units: exact to the micro-unit below 2^53
    /// millionths (about 9 billion), and to the cent far beyond.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_none(),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Money(_) | Value::Float(_) => match self.json_number() {
                Some(x) => serializer.serialize_f64(x),
                None => serializer.serialize_none(),
            },
            Value::Text(t) => serializer.serialize_str(t),
            Value::Date(d) => with_iso_day(*d, |text| serializer.serialize_str(text)),
        }
    }
}

/// A dashboard's result: `{"columns": [...], "rows": [[...], ...]}`; with paging, also
/// `"total_rows"` (the row count before paging).
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardResult<'a> {
    /// The columns as declared (names, types, labels); written as their names.
    pub columns: &'static [ColumnDecl],
    pub rows: Vec<Vec<Value<'a>>>,
    /// Rows before `offset`/`limit` were applied, when they were.
    pub total_rows: Option<usize>,
}

impl DashboardResult<'_> {
    /// The index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Sorts the rows by column `index` (stable: ties keep their order), nulls last in
    /// either direction, as a table header click sorts.
    pub fn sort_by_column(&mut self, index: usize, descending: bool) {
        self.rows.sort_by(|a, b| {
            let (x, y) = (&a[index], &b[index]);
            match (x, y) {
                (Value::Null, Value::Null) => std::cmp::Ordering::Equal,
                (Value::Null, _) => std::cmp::Ordering::Greater,
                (_, Value::Null) => std::cmp::Ordering::Less,
                _ if descending => y.compare(x),
                _ => x.compare(y),
            }
        });
    }

    /// Keeps rows `offset..offset + limit` (all from `offset` without a limit) and
    /// records how many there were in [`total_rows`](Self::total_rows).
    pub fn page(&mut self, offset: usize, limit: Option<usize>) {
        let total = self.rows.len();
        let start = offset.min(total);
        let end = limit.map_or(total, |l| start.saturating_add(l).min(total));
        self.rows.truncate(end);
        self.rows.drain(..start);
        self.total_rows = Some(total);
    }
}

impl Value<'_> {
    /// The order of two non-null values: numbers by value (money exactly), text by the
    /// bytes of its UTF-8 (SPEC §6), dates by day; different kinds by kind.
    fn compare(&self, other: &Value<'_>) -> std::cmp::Ordering {
        let rank = |v: &Value<'_>| match v {
            Value::Null => 0,
            Value::Int(_) | Value::Money(_) | Value::Float(_) => 1,
            Value::Date(_) => 2,
            Value::Text(_) => 3,
        };
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::Money(a), Value::Money(b)) => a.cmp(b),
            (Value::Text(a), Value::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Value::Date(a), Value::Date(b)) => a.cmp(b),
            (a, b) => match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                _ => rank(a).cmp(&rank(b)),
            },
        }
    }
}

struct Row<'r, 'a>(&'r [Value<'a>]);

impl Serialize for Row<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for v in self.0 {
            seq.serialize_element(v)?;
        }
        seq.end()
    }
}

impl Serialize for DashboardResult<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("columns", self.columns)?;
        map.serialize_entry(
            "rows",
            &self.rows.iter().map(|r| Row(r)).collect::<Vec<_>>(),
        )?;
        if let Some(total) = self.total_rows {
            map.serialize_entry("total_rows", &total)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::Value;
    use proptest::prelude::*;

    fn json(value: Value<'_>) -> String {
        serde_json::to_string(&value).expect("a value serialises")
    }

    proptest! {
        /// Money that fits an i64 takes the one-instruction conversion; the number
        /// written is the one the i128 conversion gives.
        #[test]
        fn money_is_written_as_its_nearest_double(m in any::<i64>(), shift in 0u32..64) {
            let m = i128::from(m >> shift);
            prop_assert_eq!(json(Value::Money(m)), serde_json::to_string(&(m as f64 / 1e6)).unwrap());
        }
    }

    #[test]
    fn money_beyond_an_i64_and_dates() {
        let big = i128::from(i64::MAX) * 3;
        assert_eq!(
            json(Value::Money(big)),
            serde_json::to_string(&(big as f64 / 1e6)).unwrap()
        );
        assert_eq!(json(Value::Money(-1_500_000)), "-1.5");
        assert_eq!(json(Value::Date(20040)), "\"2024-11-13\"");
    }
}

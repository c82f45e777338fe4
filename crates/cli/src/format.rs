//! The table output's cells and layout, shared by `report` and `sql`: one formatter,
//! by the column types the engine declares (the page formats by the same types).

use bi_platform::query::columns::ColumnType;
use bi_platform::sql::Val as Value_;
use bi_platform::Value;
use std::io::{self, Write};

/// Groups digits by thousands: 1234567 -> 1,234,567.
pub(crate) fn group_thousands(digits: &str) -> String {
    let (sign, digits) = digits.strip_prefix('-').map_or(("", digits), |d| ("-", d));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{sign}{out}")
}

/// A cell's value on its way to the table output, whichever result it came from.
pub(crate) enum Cell<'a> {
    Null,
    Int(i64),
    /// Money in exact millionths.
    Money(i128),
    Real(f64),
    Text(std::borrow::Cow<'a, str>),
}

impl<'a> From<&'a Value<'_>> for Cell<'a> {
    fn from(v: &'a Value<'_>) -> Self {
        match v {
            Value::Null => Cell::Null,
            Value::Int(i) => Cell::Int(*i),
            Value::Money(m) => Cell::Money(*m),
            Value::Float(f) => Cell::Real(*f),
            other => Cell::Text(other.to_plain_string().into()),
        }
    }
}

impl<'a> From<&'a Value_<'_>> for Cell<'a> {
    fn from(v: &'a Value_<'_>) -> Self {
        match v {
            Value_::Null => Cell::Null,
            Value_::Int(i) => Cell::Int(*i),
            Value_::Money(m) => Cell::Money(*m),
            Value_::Real(f) => Cell::Real(*f),
            other => Cell::Text(other.to_text().unwrap_or_default()),
        }
    }
}

/// Money with 2 decimals (half away from zero) and thousands separators.
pub(crate) fn money_text(millionths: i128) -> String {
    let m = millionths;
    let cents = (m + if m >= 0 { 5_000 } else { -5_000 }) / 10_000;
    let whole = group_thousands(&(cents / 100).to_string());
    let sign = if cents < 0 && cents / 100 == 0 {
        "-"
    } else {
        ""
    };
    format!("{sign}{whole}.{:02}", (cents % 100).abs())
}

/// A cell for the table output, formatted by its column's type (declared by the
/// engine, never guessed from the column's name): counts with thousands separators,
/// codes (years, months) as they are, money with 2 decimals, ratios as percentages,
/// other numbers with 2 decimals (4 below 1); `null` for a missing value.
pub(crate) fn display_cell(ty: ColumnType, cell: Cell<'_>, null: &str) -> String {
    match (ty, cell) {
        (_, Cell::Null) => null.to_string(),
        (_, Cell::Text(t)) => t.into_owned(),
        (ColumnType::Money, Cell::Money(m)) => money_text(m),
        (ColumnType::Money, Cell::Int(i)) => money_text(i128::from(i) * 1_000_000),
        (ColumnType::Money, Cell::Real(f)) => money_text((f * 1e6).round() as i128),
        (ColumnType::Ratio, Cell::Real(f)) => format!("{:.2}%", f * 100.0),
        (ColumnType::Ratio, Cell::Int(i)) => format!("{:.2}%", i as f64 * 100.0),
        (ColumnType::Code, Cell::Int(i)) => i.to_string(),
        (_, Cell::Int(i)) => group_thousands(&i.to_string()),
        (_, Cell::Money(m)) => money_text(m),
        (_, Cell::Real(f)) if f.abs() >= 1.0 => format!("{f:.2}"),
        (_, Cell::Real(f)) => format!("{f:.4}"),
    }
}

pub(crate) fn write_table(
    out: &mut impl Write,
    columns: &[&str],
    rows: &[Vec<String>],
    right: &[bool],
) -> io::Result<()> {
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |out: &mut dyn Write, cells: &[String]| -> io::Result<()> {
        let mut text = String::from(" ");
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i] - cell.chars().count();
            text.push(' ');
            if right[i] {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(
        out,
        &columns.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
    )?;
    line(
        out,
        &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
    )?;
    for row in rows {
        line(out, row)?;
    }
    Ok(())
}

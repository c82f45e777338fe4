//! One cell parsed by its column's type, and the range rules every parsed value meets
//! (SPEC §3, §4).

use super::*;

/// The slots of the campaigns' impressions and clicks, which a row's clicks are checked
/// against (SPEC §4), found in the column table when compiling.
pub(super) const CAMPAIGN_IMPRESSIONS: usize = campaign_slot(Column::Impressions);
pub(super) const CAMPAIGN_CLICKS: usize = campaign_slot(Column::Clicks);

const fn campaign_slot(column: Column) -> usize {
    let inputs = TableKind::Campaigns.columns();
    let mut slot = 0;
    while slot < inputs.len() {
        if inputs[slot].column as usize == column as usize {
            return slot;
        }
        slot += 1;
    }
    panic!("fact_campaigns has this column")
}

pub(super) fn int_at(parsed: &[Parsed<'_>], index: usize) -> i64 {
    match parsed.get(index) {
        Some(Parsed::Int(n)) => *n,
        _ => 0,
    }
}

/// The text of a cell for text columns and extras (`None` when missing).
pub(super) fn text_of(cell: Cell<'_>, is_1904: bool) -> Option<Cow<'_, [u8]>> {
    match cell {
        Cell::Empty => None,
        Cell::Text(raw) => {
            let t = trim(raw);
            (!is_missing(t)).then_some(Cow::Borrowed(t))
        }
        Cell::Float(f) => Some(Cow::Owned(f.to_string().into_bytes())),
        Cell::Int(i) => Some(Cow::Owned(i.to_string().into_bytes())),
        Cell::DateSerial(s) => day_from_excel_serial(s, is_1904)
            .map(|d| Cow::Owned(format_day(d).into_bytes()))
            .or_else(|| Some(Cow::Owned(s.to_string().into_bytes()))),
        Cell::Error(e) => Some(Cow::Owned(e.as_bytes().to_vec())),
    }
}

#[inline(always)]
pub(super) fn parse_cell<'c>(
    column_type: ParseType,
    cell: Cell<'c>,
    format: NumberFormat,
    is_1904: bool,
) -> Result<Parsed<'c>, ValueError> {
    if let Cell::Text(raw) = cell {
        // Text is what delimited files and JSON hold: trimmed and checked for a missing
        // marker once, then parsed by the column's type.
        let trimmed = trim(raw);
        if is_missing(trimmed) {
            return Ok(Parsed::Null);
        }
        return Ok(match column_type {
            ParseType::Text => Parsed::Text(Cow::Borrowed(trimmed)),
            ParseType::Count | ParseType::Year | ParseType::Month => {
                Parsed::Int(parse_integer(trimmed, format)?)
            }
            ParseType::Money => Parsed::Money(parse_decimal_millionths(trimmed, format)?),
            ParseType::Date => Parsed::Date(parse_date(trimmed)?),
        });
    }
    Ok(match (column_type, cell) {
        (_, Cell::Empty) => Parsed::Null,
        (_, Cell::Error(e)) => return Err(ValueError::CellError(e.to_string())),
        (ParseType::Text, _) => text_of(cell, is_1904).map_or(Parsed::Null, Parsed::Text),
        (ParseType::Count | ParseType::Year | ParseType::Month, _) => Parsed::Int(match cell {
            Cell::Float(f) => float_to_integer(f)?,
            Cell::Int(i) => i,
            Cell::DateSerial(s) => return Err(ValueError::WrongKind(format!("the date cell {s}"))),
            Cell::Text(_) | Cell::Empty | Cell::Error(_) => unreachable!("handled above"),
        }),
        (ParseType::Money, _) => Parsed::Money(match cell {
            Cell::Float(f) => float_to_millionths(f)?,
            Cell::Int(i) => i
                .checked_mul(1_000_000)
                .ok_or_else(|| ValueError::TooLarge(i.to_string()))?,
            Cell::DateSerial(s) => return Err(ValueError::WrongKind(format!("the date cell {s}"))),
            Cell::Text(_) | Cell::Empty | Cell::Error(_) => unreachable!("handled above"),
        }),
        (ParseType::Date, _) => Parsed::Date(match cell {
            Cell::DateSerial(s) | Cell::Float(s) => ParsedDate::Day(
                day_from_excel_serial(s, is_1904)
                    .ok_or_else(|| ValueError::NoSuchDate(format!("serial {s}")))?,
            ),
            Cell::Int(i) => ParsedDate::Day(
                day_from_excel_serial(i as f64, is_1904)
                    .ok_or_else(|| ValueError::NoSuchDate(format!("serial {i}")))?,
            ),
            Cell::Text(_) | Cell::Empty | Cell::Error(_) => unreachable!("handled above"),
        }),
    })
}

/// Range rules: no negative counts or money, counts fit in 32 bits, months 1..=12,
/// years 1..=9999. Inlined: it runs on every cell, and the wasm build did not inline
/// the call by itself.
#[inline(always)]
pub(super) fn check_range(input: &Input, value: &Parsed<'_>) -> Result<(), Problem> {
    let column = input.column;
    let fits = match value {
        Parsed::Int(n) => match input.parse {
            ParseType::Count => (0..=i64::from(u32::MAX)).contains(n),
            ParseType::Month => (1..=12).contains(n),
            ParseType::Year => (1..=9999).contains(n),
            _ => true,
        },
        Parsed::Money(m) => *m >= 0,
        _ => true,
    };
    if fits {
        return Ok(());
    }
    let name = column.name();
    let problem = |reason: String| Err((Some(column), reason));
    match (input.parse, value) {
        (ParseType::Count, Parsed::Int(n)) if *n < 0 => {
            problem(format!("{name} is negative ({n})"))
        }
        (ParseType::Count, Parsed::Int(n)) if *n > i64::from(u32::MAX) => problem(format!(
            "{name} ({n}) is above the largest supported count, {}",
            u32::MAX
        )),
        (ParseType::Money, Parsed::Money(m)) if *m < 0 => {
            problem(format!("{name} is negative ({})", format_millionths(*m)))
        }
        (ParseType::Month, Parsed::Int(n)) if !(1..=12).contains(n) => {
            problem(format!("month {n} is outside 1..12"))
        }
        (ParseType::Year, Parsed::Int(n)) if !(1..=9999).contains(n) => {
            problem(format!("year {n} is outside 1..9999"))
        }
        _ => Ok(()),
    }
}

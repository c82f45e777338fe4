//! A staging fork as worker bytes: what [`TableBuilder::fork`] copies (its spec) and
//! what a fork staged, so that a parsing worker with its own memory stages a piece of a
//! file and the engine worker absorbs it. The staging exposes the plain parts
//! ([`ForkSpec`], [`ForkView`], [`ForkParts`]); this module writes them at their stored
//! width and checks every length, key and row on the way back.

use super::{Reader, WireError, Writer};
use crate::model::dict::{ByteDictionary, NULL_KEY};
use crate::model::schema::TableKind;
use crate::report::RejectedRow;
use crate::transform::stage::{
    ForkParts, ForkSpec, PlatformRead, RowSource, StagedValues, TableBuilder,
};
use crate::transform::value::{NumberFormat, ParsedDate};

/// Writes what [`TableBuilder::fork`] copies (the table, the extra columns, the current
/// section's header mapping, number format and date system), for a worker with its own
/// memory to make the same fork with [`read_fork_spec`].
pub fn write_fork_spec(builder: &TableBuilder, w: &mut Writer) {
    let spec = builder.fork_spec();
    let table = TableKind::ALL.iter().position(|t| *t == spec.table);
    w.u8(table.expect("a table of ALL") as u8);
    w.count(spec.extra_names.len());
    for name in &spec.extra_names {
        w.text(name);
    }
    w.opt_text(spec.sheet.as_deref());
    let slots: Vec<u64> = spec
        .slots
        .iter()
        .map(|s| s.map_or(u64::MAX, |i| i as u64))
        .collect();
    w.u64s(&slots);
    let extras: Vec<u64> = spec
        .extras
        .iter()
        .flat_map(|&(source, index)| [source as u64, index as u64])
        .collect();
    w.u64s(&extras);
    w.flag(spec.format.decimal_comma);
    w.flag(spec.is_1904);
    // An ad platform's read: its index (u64::MAX for none), whether the tenant is
    // given later, and the period's end column (u64::MAX for none).
    w.u64s(&match spec.platform {
        Some(p) => [
            p.index() as u64,
            u64::from(p.tenant_later),
            p.span_end.map_or(u64::MAX, |i| i as u64),
        ],
        None => [u64::MAX; 3],
    });
}

/// The empty fork that [`write_fork_spec`] described.
pub fn read_fork_spec(r: &mut Reader<'_>) -> Result<TableBuilder, WireError> {
    let bad = |what: &str| WireError(format!("fork spec: {what}"));
    let table = *TableKind::ALL
        .get(usize::from(r.u8()?))
        .ok_or_else(|| bad("no such table"))?;
    let extra_count = r.items(8)?;
    let mut extra_names = Vec::with_capacity(extra_count);
    for _ in 0..extra_count {
        extra_names.push(r.text()?);
    }
    let sheet = r.opt_text()?;
    let slots: Vec<Option<usize>> = r
        .u64s()?
        .into_iter()
        .map(|s| (s != u64::MAX).then_some(s as usize))
        .collect();
    if slots.len() != table.columns().len() {
        return Err(bad("slots do not match the table"));
    }
    let flat = r.u64s()?;
    if flat.len() % 2 != 0 || flat.chunks(2).any(|p| p[1] as usize >= extra_count) {
        return Err(bad("extra columns out of range"));
    }
    let extras = flat
        .chunks(2)
        .map(|p| (p[0] as usize, p[1] as usize))
        .collect();
    let format = NumberFormat {
        decimal_comma: r.flag()?,
    };
    let is_1904 = r.flag()?;
    let platform = match r.u64s()?[..] {
        [u64::MAX, _, _] => None,
        [index, later, end] => Some(
            PlatformRead::from_index(
                usize::try_from(index).map_err(|_| bad("no such platform"))?,
                later != 0,
                (end != u64::MAX).then_some(end as usize),
            )
            .ok_or_else(|| bad("no such platform"))?,
        ),
        _ => return Err(bad("platform read")),
    };
    Ok(TableBuilder::from_fork_spec(ForkSpec {
        table,
        extra_names,
        sheet,
        slots,
        extras,
        format,
        is_1904,
        platform,
    }))
}

/// Writes what a fork staged (its rows, text, rejections and slash-date evidence), for
/// the builder it was forked from to [`read_fork`] and
/// [`absorb`](TableBuilder::absorb) on another worker. Values go at their stored width,
/// so this is a few copies of memory, not a walk per value.
pub fn write_fork(fork: &TableBuilder, w: &mut Writer) {
    let view = fork.fork_view();
    w.u64(view.rows_read);
    let lines: Vec<u64> = view.rows.iter().map(|r| r.line).collect();
    w.u64s(&lines);
    for (_, values) in view.columns {
        match values {
            StagedValues::Text(v) | StagedValues::Count(v) => w.u32s(v),
            StagedValues::Money(v) => w.i64s(v),
            StagedValues::Date(v) => w.i32s(v),
            StagedValues::Year(v) => w.u16s(v),
            StagedValues::Month(v) => w.u8s(v),
        }
    }
    for keys in view.extras {
        w.u32s(keys);
    }
    let (arena, ends) = view.dict.arena();
    w.u8s(arena);
    let ends: Vec<u64> = ends.iter().map(|&e| e as u64).collect();
    w.u64s(&ends);
    w.count(view.rejected.len());
    for rejected in view.rejected {
        w.u64(rejected.line);
        w.opt_text(rejected.column.as_deref());
        w.text(&rejected.reason);
    }
    w.flag(view.day_first);
    w.count(view.pending_dates.len());
    for &(row, date) in view.pending_dates {
        w.count(row);
        match date {
            ParsedDate::Day(day) => {
                w.u8(0);
                w.u64(day as i64 as u64);
            }
            ParsedDate::Slash { a, b, year } => {
                w.u8(1);
                w.u8(a);
                w.u8(b);
                w.u64(u64::from(year));
            }
        }
    }
}

/// A fork of `builder` holding what [`write_fork`] wrote, ready for
/// [`absorb`](TableBuilder::absorb). Lengths, keys and rows are checked, so bytes that
/// are not a fork of this builder are an error, never a panic later.
pub fn read_fork(builder: &TableBuilder, r: &mut Reader<'_>) -> Result<TableBuilder, WireError> {
    let bad = |what: &str| WireError(format!("fork: {what}"));
    let fork = builder.fork();
    let view = fork.fork_view();
    let sheet = view.sheet.map(str::to_owned);
    let rows_read = r.u64()?;
    let rows: Vec<RowSource> = r
        .u64s()?
        .into_iter()
        .map(|line| RowSource { line, section: 0 })
        .collect();
    let row_count = rows.len();
    let mut columns = Vec::with_capacity(view.columns.len());
    for (_, kind) in view.columns {
        let values = match kind {
            StagedValues::Text(_) => StagedValues::Text(r.u32s()?),
            StagedValues::Count(_) => StagedValues::Count(r.u32s()?),
            StagedValues::Money(_) => StagedValues::Money(r.i64s()?),
            StagedValues::Date(_) => StagedValues::Date(r.i32s()?),
            StagedValues::Year(_) => StagedValues::Year(r.u16s()?),
            StagedValues::Month(_) => StagedValues::Month(r.u8s()?),
        };
        if staged_len(&values) != row_count {
            return Err(bad("a column's length is not the rows'"));
        }
        columns.push(values);
    }
    let mut extras = Vec::with_capacity(view.extras.len());
    for _ in 0..view.extras.len() {
        let keys = r.u32s()?;
        if keys.len() != row_count {
            return Err(bad("an extra column's length is not the rows'"));
        }
        extras.push(keys);
    }
    let arena = r.u8s()?;
    let ends = r.u64s()?.into_iter().map(|e| e as usize).collect();
    let dict = ByteDictionary::appended(arena, ends).ok_or_else(|| bad("text arena"))?;
    let keys = dict.len();
    let in_dict = |k: &u32| *k == NULL_KEY || (*k as usize) < keys;
    let text_ok = columns.iter().all(|v| match v {
        StagedValues::Text(v) => v.iter().all(in_dict),
        _ => true,
    }) && extras.iter().all(|v| v.iter().all(in_dict));
    if !text_ok {
        return Err(bad("a text key outside the text"));
    }
    let mut rejected = Vec::new();
    for _ in 0..r.items(8)? {
        let line = r.u64()?;
        let column = r.opt_text()?;
        let reason = r.text()?;
        rejected.push(RejectedRow {
            line,
            sheet: sheet.clone(),
            column,
            reason,
        });
    }
    let day_first = r.flag()?;
    let count = r.items(9)?;
    if count > row_count {
        return Err(bad("more slash dates than rows"));
    }
    let mut pending_dates = Vec::with_capacity(count);
    for _ in 0..count {
        let row = r.count()?;
        if row >= row_count {
            return Err(bad("a slash date of no row"));
        }
        let date = match r.u8()? {
            0 => ParsedDate::Day(
                i32::try_from(r.u64()? as i64).map_err(|_| bad("a day out of range"))?,
            ),
            1 => {
                let (a, b) = (r.u8()?, r.u8()?);
                let year = u16::try_from(r.u64()?).map_err(|_| bad("a year out of range"))?;
                ParsedDate::Slash { a, b, year }
            }
            _ => return Err(bad("a date of no kind")),
        };
        pending_dates.push((row, date));
    }
    Ok(fork.with_parts(ForkParts {
        rows_read,
        rows,
        columns,
        extras,
        dict,
        rejected,
        day_first,
        pending_dates,
    }))
}

/// How many values a staged column holds.
fn staged_len(values: &StagedValues) -> usize {
    match values {
        StagedValues::Text(v) | StagedValues::Count(v) => v.len(),
        StagedValues::Money(v) => v.len(),
        StagedValues::Date(v) => v.len(),
        StagedValues::Year(v) => v.len(),
        StagedValues::Month(v) => v.len(),
    }
}

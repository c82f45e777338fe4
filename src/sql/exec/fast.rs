//! The executor's fast paths: kernels over a scan's typed columns
//! ([`ScanColumn`]) and its selection vector, for the shapes the dashboards and most
//! analyst questions take. Each one first checks that it applies and otherwise says
//! `None`, so the general row-by-row path answers; when it applies it gives exactly the
//! general path's answer (same values, same order, same accumulators in the same row
//! order).
//!
//! - [`aggregate`]: `GROUP BY` plain columns with dense codes (dictionary keys, days,
//!   small integers; [`super::grouping`]), `COUNT`, `SUM`, `TOTAL`, `AVG`, `MIN`, `MAX`
//!   folded a batch of rows at a time ([`super::fold`]); integer and money sums exact,
//!   ratios summed per row in `f64` as the general path does; text decoded only from
//!   each group's first row.
//! - [`sort_positions`]: `ORDER BY` (and a window's `PARTITION BY ... ORDER BY`) on dictionary text (by [`Dictionary::sort_ranks`]),
//!   days, integers and money as one packed `u128` per row (the keys' ordinals, then
//!   the row's position so the sort is stable), with a top-k selection under `LIMIT`.

use super::fold;
use super::grouping::{for_each_code, Grouper};
use super::rows::{cmp_keys, cmp_rows};
use crate::model::dict::Dictionary;
use crate::sql::catalog::{column_at, ScanColumn};
use crate::sql::error::SqlError;
use crate::sql::plan::{AggFunc, AggregateCall, Expr, SortKey};
use crate::sql::value::{Val, ValKey};
use foldhash::fast::FixedState;
use std::collections::HashMap;

/// The plain column `e` reads, if it is one the scan has.
fn plain<'c, 'w>(columns: &'c [(usize, ScanColumn<'w>)], e: &Expr) -> Option<&'c ScanColumn<'w>> {
    match e {
        Expr::Column(i) => column_at(columns, *i),
        _ => None,
    }
}

/// `GROUP BY` plain columns with aggregates of plain columns over a scan: the group
/// values then the aggregates per group, groups ordered by their values, as the
/// general path's `Aggregate`. `None` when the shape does not fit.
pub(crate) fn aggregate<'w>(
    columns: &[(usize, ScanColumn<'w>)],
    rows: &[u32],
    group_by: &[Expr],
    aggregates: &[AggregateCall],
) -> Option<Result<Vec<Vec<Val<'w>>>, SqlError>> {
    let args: Vec<Option<&ScanColumn<'w>>> = aggregates
        .iter()
        .map(|a| {
            if a.separator.is_some() {
                return None;
            }
            match (&a.arg, a.func) {
                (None, AggFunc::CountRows) => Some(None),
                (None, _) => None,
                (Some(e), _) => plain(columns, e).map(Some),
            }
        })
        .collect::<Option<_>>()?;
    let mut grouper = Grouper::new(columns, rows, group_by)?;
    let min_groups = usize::from(group_by.is_empty());
    let accs =
        match fold::fold_aggregates(aggregates, &args, rows, min_groups, &mut |batch, groups| {
            grouper.group(batch, groups)
        })? {
            Ok(accs) => accs,
            Err(e) => return Some(Err(e)),
        };
    let first = grouper.into_first();
    let width = aggregates.len();
    let n_groups = if group_by.is_empty() { 1 } else { first.len() };
    // Group values from each group's first row, groups in the order of their values.
    let group_columns: Vec<&ScanColumn<'w>> =
        group_by.iter().filter_map(|e| plain(columns, e)).collect();
    let mut keys: Vec<Vec<Val<'w>>> = if group_by.is_empty() {
        vec![Vec::new()]
    } else {
        first
            .iter()
            .map(|&r| group_columns.iter().map(|c| c.get(r as usize)).collect())
            .collect()
    };
    let order = group_order(&group_columns, &first, &keys);
    let mut out = Vec::with_capacity(n_groups);
    for g in order {
        let mut row = std::mem::take(&mut keys[g]);
        row.reserve(width);
        for (a, agg) in aggregates.iter().enumerate() {
            match accs[g * width + a].finish(agg.func) {
                Ok(v) => row.push(v),
                Err(e) => return Some(Err(e)),
            }
        }
        out.push(row);
    }
    Some(Ok(out))
}

/// The groups in the order of their values, as the general path's `Aggregate` gives
/// them: by the group columns' ordinals (dictionary sort ranks, days, integers) packed
/// into one `u64` per group when each column has them, else by comparing the values.
fn group_order(columns: &[&ScanColumn<'_>], first: &[u32], keys: &[Vec<Val<'_>>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    if columns.is_empty() || keys.len() < 2 {
        return order;
    }
    // Ranking a dictionary much larger than the groups costs more than comparing the
    // groups' text (a tenant's campaigns among a million ids).
    let ranks_pay = |c: &ScanColumn<'_>| match c {
        ScanColumn::Keys(_, d) | ScanColumn::Ids(_, d) | ScanColumn::Extra(_, d) => {
            d.len() <= keys.len().saturating_mul(2).max(1 << 16)
        }
        _ => true,
    };
    let parts: Option<Vec<(Vec<u64>, u64)>> = columns
        .iter()
        .map(|c| ranks_pay(c).then(|| ordinals(c, first, false, true))?)
        .collect();
    if let Some(parts) = parts.filter(|p| p.iter().map(|(_, d)| bits(*d)).sum::<u32>() <= 64) {
        let mut packed = vec![0u64; keys.len()];
        for (ordinals, domain) in &parts {
            let b = bits(*domain);
            for (p, &o) in packed.iter_mut().zip(ordinals) {
                *p = p.checked_shl(b).unwrap_or(0) | o;
            }
        }
        // Stable, as the comparison below: groups never tie, but the order must not
        // depend on it.
        order.sort_by_key(|&g| packed[g]);
        return order;
    }
    order.sort_by(|&a, &b| cmp_rows(&keys[a], &keys[b]));
    order
}

/// Ordinals of one sort key per selected row, in `0..domain`, ordered as the general
/// path orders the key's values (NULLs placed as the key says).
fn ordinals(
    column: &ScanColumn<'_>,
    rows: &[u32],
    desc: bool,
    nulls_first: bool,
) -> Option<(Vec<u64>, u64)> {
    // Value ordinals in 0..m, NULL as None.
    let (values, m): (Vec<Option<u64>>, u64) = match column {
        ScanColumn::Keys(..) | ScanColumn::Ids(..) | ScanColumn::Extra(..) => {
            let dict: &Dictionary = match column {
                ScanColumn::Keys(_, d) | ScanColumn::Ids(_, d) | ScanColumn::Extra(_, d) => d,
                _ => return None,
            };
            let ranks = dict.sort_ranks();
            let n = dict.len() as u32;
            let mut values = vec![None; rows.len()];
            for_each_code(column, rows, |i, c| {
                if c < u64::from(n) {
                    values[i] = Some(u64::from(ranks[c as usize]));
                }
            })?;
            (values, u64::from(n))
        }
        ScanColumn::Date(_) | ScanColumn::U32(_) | ScanColumn::U16(_) | ScanColumn::U8(_) => {
            let mut values = vec![None; rows.len()];
            let domain = for_each_code(column, rows, |i, c| values[i] = Some(c))?;
            (values, domain)
        }
        ScanColumn::Money(v) => {
            let lo = rows.iter().map(|&r| v[r as usize]).min().unwrap_or(0);
            let hi = rows.iter().map(|&r| v[r as usize]).max().unwrap_or(0);
            let values = rows
                .iter()
                .map(|&r| Some((i128::from(v[r as usize]) - i128::from(lo)) as u64))
                .collect();
            (values, (i128::from(hi) - i128::from(lo)) as u64 + 1)
        }
        _ => return None,
    };
    let domain = m.checked_add(1)?;
    let out = values
        .into_iter()
        .map(|v| match v {
            None if nulls_first => 0,
            None => m,
            Some(o) => {
                let o = if desc { m - 1 - o } else { o };
                if nulls_first {
                    o + 1
                } else {
                    o
                }
            }
        })
        .collect();
    Some((out, domain))
}

fn bits(domain: u64) -> u32 {
    64 - domain.saturating_sub(1).leading_zeros()
}

/// Whether ranking a text column's whole dictionary would cost more than comparing
/// the text of the few rows that tie on the keys before it (campaign ids, names).
fn wide_text(column: &ScanColumn<'_>, rows: usize) -> bool {
    match column {
        ScanColumn::Keys(_, d) | ScanColumn::Ids(_, d) | ScanColumn::Extra(_, d) => {
            d.len() > 65_536 || d.len() > rows
        }
        _ => false,
    }
}

/// The positions in `rows` of the selected rows in the order of `keys` (each a plain
/// column through `exprs`, a projection over the scan), stable, only the first `keep`
/// when given. `None` when a
/// key is not a plain column of a sortable type, or the packed key passes 128 bits.
///
/// The leading keys pack into one `u128` per row (their ordinals, then the row's
/// position); from the first key on a wide text column ([`wide_text`]) the keys are
/// compared as values, only within runs of rows that tie on the packed ones.
pub(crate) fn sort_positions(
    columns: &[(usize, ScanColumn<'_>)],
    rows: &[u32],
    exprs: &[Expr],
    keys: &[SortKey],
    keep: Option<usize>,
) -> Option<Vec<u32>> {
    let mut parts = Vec::with_capacity(keys.len());
    let mut rest: Vec<&ScanColumn<'_>> = Vec::new();
    for (n, key) in keys.iter().enumerate() {
        let Expr::Column(j) = key.expr else {
            return None;
        };
        let column = plain(columns, exprs.get(j)?)?;
        if !rest.is_empty() || (n > 0 && wide_text(column, rows.len())) {
            rest.push(column);
            continue;
        }
        parts.push(ordinals(
            column,
            rows,
            key.desc,
            key.nulls_first.unwrap_or(!key.desc),
        )?);
    }
    let rest_keys = &keys[parts.len()..];
    let index_bits = bits(rows.len() as u64);
    let total: u32 = parts.iter().map(|(_, d)| bits(*d)).sum::<u32>() + index_bits;
    if total > 128 {
        return None;
    }
    let mut packed: Vec<u128> = (0..rows.len() as u128).collect();
    let mut shift = index_bits;
    for (ordinals, domain) in parts.iter().rev() {
        for (p, &o) in packed.iter_mut().zip(ordinals) {
            *p |= u128::from(o) << shift;
        }
        shift += bits(*domain);
    }
    let prefix = |p: u128| p.checked_shr(index_bits).unwrap_or(0);
    match keep {
        Some(0) => return Some(Vec::new()),
        Some(k) if k < packed.len() => {
            packed.select_nth_unstable(k - 1);
            if rest.is_empty() {
                packed.truncate(k);
            } else {
                // Rows tying with the k-th on the packed keys may still come first.
                let last = prefix(packed[k - 1]);
                let mut tail = packed.split_off(k);
                tail.retain(|&p| prefix(p) == last);
                packed.extend(tail);
            }
            packed.sort_unstable();
        }
        _ => packed.sort_unstable(),
    }
    let mask = (1u128 << index_bits) - 1;
    if !rest.is_empty() {
        let mut start = 0;
        while start < packed.len() {
            let head = prefix(packed[start]);
            let mut end = start + 1;
            while end < packed.len() && prefix(packed[end]) == head {
                end += 1;
            }
            if end - start > 1 {
                let mut run: Vec<(Vec<Val<'_>>, u128)> = packed[start..end]
                    .iter()
                    .map(|&p| {
                        let r = rows[(p & mask) as usize] as usize;
                        (rest.iter().map(|c| c.get(r)).collect(), p)
                    })
                    .collect();
                // Stable: ties keep the order of their positions.
                run.sort_by(|a, b| cmp_keys(&a.0, &b.0, rest_keys));
                for (slot, (_, p)) in packed[start..end].iter_mut().zip(run) {
                    *slot = p;
                }
            }
            start = end;
        }
        if let Some(k) = keep {
            packed.truncate(k);
        }
    }
    Some(packed.into_iter().map(|p| (p & mask) as u32).collect())
}

/// Numbers the distinct values of `values` by SQL equality (as `GROUP BY` groups them):
/// a code per value and the number of distinct non-NULL values; NULL gets that number.
pub(crate) fn value_codes(values: &[Val<'_>]) -> (Vec<u32>, u32) {
    let mut seen: HashMap<ValKey<'_>, u32, FixedState> =
        HashMap::with_hasher(FixedState::with_seed(0x5eed));
    let mut codes = Vec::with_capacity(values.len());
    let mut nulls = Vec::new();
    for (i, v) in values.iter().enumerate() {
        if v.is_null() {
            nulls.push(i);
            codes.push(0);
        } else {
            let next = seen.len() as u32;
            codes.push(*seen.entry(ValKey(v.clone())).or_insert(next));
        }
    }
    let distinct = seen.len() as u32;
    for i in nulls {
        codes[i] = distinct;
    }
    (codes, distinct)
}

/// The columns an expression reads from its row, or `None` when its value may depend
/// on more than them (subqueries, outer rows).
pub(crate) fn columns_read(e: &Expr, out: &mut Vec<usize>) -> Option<()> {
    match e {
        Expr::Column(i) => {
            if !out.contains(i) {
                out.push(*i);
            }
        }
        Expr::Literal(_) => {}
        Expr::Outer { .. }
        | Expr::InSubquery { .. }
        | Expr::Subquery { .. }
        | Expr::Exists { .. } => return None,
        Expr::Neg(x) | Expr::Not(x) => columns_read(x, out)?,
        Expr::IsNull { expr, .. } | Expr::Cast { expr, .. } => columns_read(expr, out)?,
        Expr::Binary { left, right, .. } => {
            columns_read(left, out)?;
            columns_read(right, out)?;
        }
        Expr::InList { expr, list, .. } => {
            columns_read(expr, out)?;
            for (item, _) in list {
                columns_read(item, out)?;
            }
        }
        Expr::Case {
            operand,
            whens,
            otherwise,
        } => {
            if let Some(o) = operand {
                columns_read(o, out)?;
            }
            for (w, t) in whens {
                columns_read(w, out)?;
                columns_read(t, out)?;
            }
            if let Some(o) = otherwise {
                columns_read(o, out)?;
            }
        }
        Expr::Like {
            expr,
            pattern,
            escape,
            ..
        } => {
            columns_read(expr, out)?;
            columns_read(pattern, out)?;
            if let Some(x) = escape {
                columns_read(x, out)?;
            }
        }
        Expr::Call { args, .. } => {
            for a in args {
                columns_read(a, out)?;
            }
        }
    }
    Some(())
}

//! Dense codes of a scan's columns, and groups of rows by them.
//!
//! Each group column becomes a dense code per row (a dictionary key, `day - min`,
//! `value - min`); the codes combine by mixed radix into one `u64`
//! (`((c0 * d1) + c1) * d2 + c2 ...`, `di` a column's number of codes), which
//! [`Numbering`] numbers in first-seen order. A [`Grouper`] does it a batch of rows at a
//! time, so the codes and numbers of a batch stay in the first-level cache while the
//! aggregates fold it ([`super::fold`]); [`group_rows`] does it for every selected row.

use crate::model::keys::{Key, Keys};
use crate::query::group::Numbering;
use crate::sql::catalog::{column_at, ScanColumn};
use crate::sql::plan::Expr;

/// A dictionary text column's dense code for key `k` of a dictionary of `n` values:
/// the key, or `n` for NULL (and a key the dictionary lacks).
#[inline(always)]
fn text_code(k: u32, n: u32) -> u32 {
    if k < n {
        k
    } else {
        n
    }
}

/// The codes of a column over some rows: the smallest value the codes count from
/// (integers and days; 0 for text) and how many codes there are.
#[derive(Clone, Copy)]
struct Domain {
    low: i64,
    codes: u64,
}

/// The domain of `column`'s codes over `rows`, or `None` for a column without dense
/// codes. Integers and days find their range first (one pass over the rows).
fn domain(column: &ScanColumn<'_>, rows: &[u32]) -> Option<Domain> {
    fn range(rows: &[u32], get: impl Fn(usize) -> i64) -> Domain {
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for &r in rows {
            let v = get(r as usize);
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if rows.is_empty() {
            return Domain { low: 0, codes: 1 };
        }
        Domain {
            low: lo,
            codes: (hi - lo) as u64 + 1,
        }
    }
    let text = |n: usize| Domain {
        low: 0,
        codes: n as u64 + 1,
    };
    Some(match column {
        ScanColumn::Keys(_, dict) | ScanColumn::Ids(_, dict) | ScanColumn::Extra(_, dict) => {
            text(dict.len())
        }
        ScanColumn::Joined(j) => text(j.distinct as usize),
        ScanColumn::Date(d) => range(rows, |r| i64::from(d[r])),
        ScanColumn::U32(v) => range(rows, |r| i64::from(v[r])),
        ScanColumn::U16(v) => range(rows, |r| i64::from(v[r])),
        ScanColumn::U8(v) => range(rows, |r| i64::from(v[r])),
        _ => return None,
    })
}

/// Calls `f(i, code)` for each of `rows` with the column's dense code in `domain`
/// (which must hold every row's value: [`domain`] over these rows or more).
#[inline]
fn codes(column: &ScanColumn<'_>, domain: Domain, rows: &[u32], mut f: impl FnMut(usize, u64)) {
    fn keys<K: Key>(keys: &[K], n: u32, rows: &[u32], f: &mut impl FnMut(usize, u64)) {
        for (i, &r) in rows.iter().enumerate() {
            f(i, u64::from(text_code(keys[r as usize].key(), n)));
        }
    }
    fn ints(rows: &[u32], low: i64, get: impl Fn(usize) -> i64, f: &mut impl FnMut(usize, u64)) {
        for (i, &r) in rows.iter().enumerate() {
            f(i, (get(r as usize) - low) as u64);
        }
    }
    let low = domain.low;
    match column {
        ScanColumn::Keys(k, dict) => {
            let n = dict.len() as u32;
            match k {
                Keys::Narrow(k) => keys(k, n, rows, &mut f),
                Keys::Wide(k) => keys(k, n, rows, &mut f),
            }
        }
        ScanColumn::Ids(ids, dict) => keys(ids, dict.len() as u32, rows, &mut f),
        ScanColumn::Extra(ids, dict) => {
            let n = dict.len() as u32;
            for (i, &r) in rows.iter().enumerate() {
                let k = ids.get(r as usize).copied().unwrap_or(n);
                f(i, u64::from(text_code(k, n)));
            }
        }
        ScanColumn::Joined(j) => {
            for (i, &r) in rows.iter().enumerate() {
                f(i, u64::from(j.code(r as usize)));
            }
        }
        ScanColumn::Date(d) => ints(rows, low, |r| i64::from(d[r]), &mut f),
        ScanColumn::U32(v) => ints(rows, low, |r| i64::from(v[r]), &mut f),
        ScanColumn::U16(v) => ints(rows, low, |r| i64::from(v[r]), &mut f),
        ScanColumn::U8(v) => ints(rows, low, |r| i64::from(v[r]), &mut f),
        // No other column has a domain, so none reaches here.
        _ => {}
    }
}

/// Calls `f(i, code)` for each selected row with the column's dense code, returning the
/// number of codes (the domain), or `None` for a column without dense codes.
pub(super) fn for_each_code(
    column: &ScanColumn<'_>,
    rows: &[u32],
    f: impl FnMut(usize, u64),
) -> Option<u64> {
    let domain = domain(column, rows)?;
    codes(column, domain, rows, f);
    Some(domain.codes)
}

/// Groups rows by plain columns with dense codes, a batch of rows at a time, groups
/// numbered by first occurrence.
pub(super) struct Grouper<'c, 'w> {
    columns: Vec<(&'c ScanColumn<'w>, Domain)>,
    numbering: Numbering,
    /// The batch's combined codes.
    combined: Vec<u64>,
}

impl<'c, 'w> Grouper<'c, 'w> {
    /// A grouper for `group_by` over the selected `rows` (the rows later grouped must be
    /// among them); `None` when a group expression is not a plain column with dense
    /// codes, or the key space passes `u64`.
    pub(super) fn new(
        columns: &'c [(usize, ScanColumn<'w>)],
        rows: &[u32],
        group_by: &[Expr],
    ) -> Option<Self> {
        let mut space: u64 = 1;
        let columns: Vec<(&'c ScanColumn<'w>, Domain)> = group_by
            .iter()
            .map(|e| {
                let Expr::Column(i) = e else { return None };
                let column = column_at(columns, *i)?;
                let domain = domain(column, rows)?;
                space = space.checked_mul(domain.codes)?;
                Some((column, domain))
            })
            .collect::<Option<_>>()?;
        Some(Grouper {
            columns,
            numbering: Numbering::new(space, rows.len()),
            combined: Vec::new(),
        })
    }

    /// Appends the group of each of `rows` to `groups` (cleared first); returns how many
    /// groups there are so far. With no group column every row is in group 0.
    pub(super) fn group(&mut self, rows: &[u32], groups: &mut Vec<u32>) -> usize {
        groups.clear();
        if self.columns.is_empty() {
            groups.resize(rows.len(), 0);
            if !rows.is_empty() && self.numbering.is_empty() {
                self.numbering.number(&[0], |_| rows[0], &mut Vec::new());
            }
            return self.numbering.len();
        }
        let combined = &mut self.combined;
        combined.clear();
        combined.resize(rows.len(), 0);
        for (n, &(column, domain)) in self.columns.iter().enumerate() {
            if n == 0 {
                codes(column, domain, rows, |i, c| combined[i] = c);
            } else {
                codes(column, domain, rows, |i, c| {
                    combined[i] = combined[i] * domain.codes + c
                });
            }
        }
        self.numbering.number(combined, |i| rows[i], groups);
        self.numbering.len()
    }

    /// Each group's first row.
    pub(super) fn into_first(self) -> Vec<u32> {
        self.numbering.into_first()
    }
}

/// Groups of the selected rows: a group index per row (in `rows` order) and each
/// group's first row, groups numbered by first occurrence. `None` when a group
/// expression is not a plain column with dense codes, or the key space passes `u64`.
pub(crate) fn group_rows(
    columns: &[(usize, ScanColumn<'_>)],
    rows: &[u32],
    group_by: &[Expr],
) -> Option<(Vec<u32>, Vec<u32>)> {
    let mut grouper = Grouper::new(columns, rows, group_by)?;
    let mut groups = Vec::with_capacity(rows.len());
    grouper.group(rows, &mut groups);
    Some((groups, grouper.into_first()))
}

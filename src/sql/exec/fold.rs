//! Aggregates over a scan's typed columns, folded per group a batch of rows at a time.
//!
//! Every aggregate of a `GROUP BY` reads the same group index and row number for each
//! selected row. Folded one aggregate after another over all the rows, each aggregate
//! streamed both vectors from memory again (a dashboard's ten aggregates made ten
//! passes over them); a batch of them stays in the first-level cache while each
//! aggregate folds it, so they are read from memory once, and each column once.
//!
//! Each aggregate is matched to its fold once ([`Fold::of`]); the folds run per batch,
//! so a loop over a batch is compiled per column type and ratio formula. Rows are added
//! to a group in row order, batch after batch, so every sum, floating-point ones
//! included, is the one the general path's accumulators give.

use super::acc::Acc;
use crate::sql::catalog::{PerRow, RowRatio, ScanColumn};
use crate::sql::error::SqlError;
use crate::sql::plan::{AggFunc, AggregateCall};

/// Rows per batch: a batch's group indexes and row numbers (8 KiB each) stay in the
/// first-level cache next to the columns' values being read.
const BATCH: usize = 2048;

/// A count column (never NULL) as stored.
#[derive(Clone, Copy)]
enum Counts<'w> {
    U32(&'w [u32]),
    U16(&'w [u16]),
    U8(&'w [u8]),
}

/// A money expression (never NULL) over stored columns.
#[derive(Clone, Copy)]
enum Money<'w> {
    Column(&'w [i64]),
    /// `revenue - spend`.
    Profit {
        spend: &'w [i64],
        revenue: &'w [i64],
    },
}

/// The groups' running sums of a ratio: [`Acc::add_real`]'s compensated sums, and the
/// values counted.
///
/// One vector per part: with a group's parts side by side, the compiler loaded and
/// carried the sum and its compensation as one vector register and repacked it on every
/// row, on the sum's dependency chain.
#[derive(Default)]
struct RealSums {
    count: Vec<u64>,
    sum: Vec<f64>,
    comp: Vec<f64>,
}

/// How one aggregate folds the rows of a batch, and its state per group.
enum Fold<'c, 'w> {
    /// `COUNT(*)`: the group sizes, which every fold shares.
    Rows,
    /// `SUM`/`TOTAL`/`AVG` of a count column: a `u64` holds the sum (at most 2^32 rows
    /// of values below 2^32).
    Counts(Counts<'w>, Vec<u64>),
    /// `SUM`/`TOTAL`/`AVG` of money, exact.
    Money(Money<'w>, Vec<i128>),
    /// `SUM`/`TOTAL`/`AVG` of a ratio computed per row, NULL (and NaN, which is NULL)
    /// skipped.
    Ratio(RowRatio<'w>, RealSums),
    /// Any other aggregate of any column: the general accumulator, fed the column's
    /// values.
    Any(AggFunc, &'c ScanColumn<'w>),
}

impl<'c, 'w> Fold<'c, 'w> {
    /// The fold of `aggregate` over `arg` (`None` for `COUNT(*)`), or `None` when the
    /// aggregate needs the general path (an argument that is not a plain column).
    fn of(aggregate: &AggregateCall, arg: Option<&'c ScanColumn<'w>>) -> Option<Self> {
        let sum_like = matches!(aggregate.func, AggFunc::Sum | AggFunc::Total | AggFunc::Avg);
        Some(match (aggregate.func, arg) {
            (AggFunc::CountRows, _) => Fold::Rows,
            (_, None) => return None,
            (func, Some(column)) if !sum_like || aggregate.distinct => Fold::Any(func, column),
            (func, Some(column)) => match *column {
                ScanColumn::U32(v) => Fold::Counts(Counts::U32(v), Vec::new()),
                ScanColumn::U16(v) => Fold::Counts(Counts::U16(v), Vec::new()),
                ScanColumn::U8(v) => Fold::Counts(Counts::U8(v), Vec::new()),
                ScanColumn::Money(v) => Fold::Money(Money::Column(v), Vec::new()),
                ScanColumn::Profit { spend, revenue } => {
                    Fold::Money(Money::Profit { spend, revenue }, Vec::new())
                }
                ScanColumn::Ratio(ratio) => Fold::Ratio(ratio, RealSums::default()),
                _ => Fold::Any(func, column),
            },
        })
    }

    /// Whether the fold needs the group sizes (its count of values is the group's rows).
    fn needs_sizes(&self) -> bool {
        matches!(self, Fold::Rows | Fold::Counts(..) | Fold::Money(..))
    }

    /// Grows the per-group state to `n` groups.
    fn resize(&mut self, n: usize) {
        match self {
            Fold::Counts(_, s) => s.resize(n, 0),
            Fold::Money(_, s) => s.resize(n, 0),
            Fold::Ratio(_, s) => {
                s.count.resize(n, 0);
                s.sum.resize(n, 0.0);
                s.comp.resize(n, 0.0);
            }
            Fold::Rows | Fold::Any(..) => {}
        }
    }
}

/// Adds a batch's rows to their groups' states, each group's rows in row order.
///
/// When the batch's rows come in runs of one group (fact rows come grouped by tenant
/// more often than not), a group's state stays in a local while its rows follow one
/// another and goes back to memory when the group changes: updating `states[g]` row by
/// row made each row wait for the previous row's store. When the groups alternate, the
/// run test would mispredict on most rows, so each row updates its group's state in
/// place (consecutive rows then rarely wait on the same state).
#[inline(always)]
fn fold_batch<S: Copy>(
    states: &mut [S],
    (groups, rows, in_runs): (&[u32], &[u32], bool),
    mut add: impl FnMut(&mut S, usize),
) {
    let Some(&first) = groups.first() else {
        return;
    };
    if !in_runs {
        for (&g, &r) in groups.iter().zip(rows) {
            add(&mut states[g as usize], r as usize);
        }
        return;
    }
    let mut current = first as usize;
    let mut state = states[current];
    for (&g, &r) in groups.iter().zip(rows) {
        let g = g as usize;
        if g != current {
            states[current] = state;
            current = g;
            state = states[g];
        }
        add(&mut state, r as usize);
    }
    states[current] = state;
}

/// Whether a batch's groups come in runs long enough for [`fold_batch`] to carry a
/// group's state in a local: at most one change of group in eight rows.
fn in_runs(groups: &[u32]) -> bool {
    let changes = groups.windows(2).filter(|w| w[0] != w[1]).count();
    changes * 8 <= groups.len()
}

/// A batch whose rows are consecutive row numbers (a scan of every row, or of a
/// tenant's block) as runs of one group: `(group, first row, end row)`, row ranges of
/// the columns. `None` when the rows are not consecutive or the groups do not come in
/// runs ([`in_runs`]).
///
/// Over a run, a sum is a sum of a slice of the column (the compiler vectorises the
/// counts' sums), a count is the run's length, and a ratio's state stays in registers
/// without a test of the group per row.
fn row_runs(groups: &[u32], rows: &[u32], out: &mut Vec<(u32, usize, usize)>) -> bool {
    out.clear();
    let (Some(&first), Some(&last)) = (rows.first(), rows.last()) else {
        return false;
    };
    if (last - first) as usize + 1 != rows.len() || rows.windows(2).any(|w| w[1] != w[0] + 1) {
        return false;
    }
    let first = first as usize;
    let mut start = 0;
    for i in 1..=groups.len() {
        if i == groups.len() || groups[i] != groups[start] {
            out.push((groups[start], first + start, first + i));
            start = i;
        }
    }
    out.len() * 8 <= groups.len()
}

/// Runs of rows folded into the per-group sums of a ratio, in row order.
struct RatioRuns<'s, 'b> {
    sums: &'s mut RealSums,
    runs: &'b [(u32, usize, usize)],
}

impl PerRow for RatioRuns<'_, '_> {
    type Out = ();
    #[inline(always)]
    fn run(self, get: impl Fn(usize) -> Option<f64>) {
        for &(g, start, end) in self.runs {
            let g = g as usize;
            let (mut count, mut sum, mut comp) =
                (self.sums.count[g], self.sums.sum[g], self.sums.comp[g]);
            for r in start..end {
                if let Some(x) = get(r).filter(|x| !x.is_nan()) {
                    count += 1;
                    (sum, comp) = neumaier(sum, comp, x);
                }
            }
            (self.sums.count[g], self.sums.sum[g], self.sums.comp[g]) = (count, sum, comp);
        }
    }
}

/// A batch folded into the per-group sums of a ratio, the formula matched once per batch
/// ([`RowRatio::apply`]).
struct RatioBatch<'s, 'b> {
    sums: &'s mut RealSums,
    batch: (&'b [u32], &'b [u32], bool),
}

impl PerRow for RatioBatch<'_, '_> {
    type Out = ();
    #[inline(always)]
    fn run(self, get: impl Fn(usize) -> Option<f64>) {
        let (groups, rows, in_runs) = self.batch;
        let RealSums {
            count: counts,
            sum: sums,
            comp: comps,
        } = self.sums;
        if !in_runs {
            for (&g, &r) in groups.iter().zip(rows) {
                if let Some(x) = get(r as usize).filter(|x| !x.is_nan()) {
                    let g = g as usize;
                    counts[g] += 1;
                    (sums[g], comps[g]) = neumaier(sums[g], comps[g], x);
                }
            }
            return;
        }
        // fold_batch's run-length carry, over the three parts.
        let Some(&first) = groups.first() else {
            return;
        };
        let mut current = first as usize;
        let (mut count, mut sum, mut comp) = (counts[current], sums[current], comps[current]);
        for (&g, &r) in groups.iter().zip(rows) {
            let g = g as usize;
            if g != current {
                (counts[current], sums[current], comps[current]) = (count, sum, comp);
                current = g;
                (count, sum, comp) = (counts[g], sums[g], comps[g]);
            }
            if let Some(x) = get(r as usize).filter(|x| !x.is_nan()) {
                count += 1;
                (sum, comp) = neumaier(sum, comp, x);
            }
        }
        (counts[current], sums[current], comps[current]) = (count, sum, comp);
    }
}

/// `x` added to a compensated sum (`sum`, `comp`), as [`Acc::add_real`] adds it.
#[inline(always)]
fn neumaier(sum: f64, comp: f64, x: f64) -> (f64, f64) {
    let t = sum + x;
    let comp = if sum.abs() >= x.abs() {
        comp + ((sum - t) + x)
    } else {
        comp + ((x - t) + sum)
    };
    (t, comp)
}

/// Folds a batch given as runs of consecutive rows of one group ([`row_runs`]).
fn fold_runs<'w>(
    folds: &mut [Fold<'_, 'w>],
    sizes: &mut [u64],
    accs: &mut [Acc<'w>],
    width: usize,
    runs: &[(u32, usize, usize)],
) -> Result<(), SqlError> {
    if !sizes.is_empty() {
        for &(g, start, end) in runs {
            sizes[g as usize] += (end - start) as u64;
        }
    }
    fn counts<T: Copy + Into<u64>>(sums: &mut [u64], v: &[T], runs: &[(u32, usize, usize)]) {
        for &(g, start, end) in runs {
            sums[g as usize] += v[start..end].iter().map(|&x| x.into()).sum::<u64>();
        }
    }
    for (a, fold) in folds.iter_mut().enumerate() {
        match fold {
            Fold::Rows => {}
            Fold::Counts(column, sums) => match *column {
                Counts::U32(v) => counts(sums, v, runs),
                Counts::U16(v) => counts(sums, v, runs),
                Counts::U8(v) => counts(sums, v, runs),
            },
            Fold::Money(money, sums) => {
                for &(g, start, end) in runs {
                    sums[g as usize] += match *money {
                        Money::Column(v) => {
                            v[start..end].iter().map(|&x| i128::from(x)).sum::<i128>()
                        }
                        Money::Profit { spend, revenue } => revenue[start..end]
                            .iter()
                            .zip(&spend[start..end])
                            .map(|(&r, &s)| i128::from(r) - i128::from(s))
                            .sum::<i128>(),
                    };
                }
            }
            Fold::Ratio(ratio, sums) => ratio.apply(RatioRuns { sums, runs }),
            Fold::Any(func, column) => {
                for &(g, start, end) in runs {
                    let acc = &mut accs[g as usize * width + a];
                    for r in start..end {
                        acc.update(*func, column.get(r), None)?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Folds the selected `rows` into `aggregates.len()` accumulators per group, groups
/// numbered by `group` (which appends a batch's groups to its vector and says how many
/// groups there are so far), at least `min_groups` of them (one for an aggregate without
/// `GROUP BY`, whose answer has a row even over no rows); `args` holds each aggregate's
/// plain column (`None` for `COUNT(*)`). `None` when an aggregate needs the general path
/// (nothing is folded then).
// Not inlined into its caller: compiled there, the loops' carried states were packed
// into vector registers and repacked on every row.
#[inline(never)]
pub(super) fn fold_aggregates<'w>(
    aggregates: &[AggregateCall],
    args: &[Option<&ScanColumn<'w>>],
    rows: &[u32],
    min_groups: usize,
    group: &mut dyn FnMut(&[u32], &mut Vec<u32>) -> usize,
) -> Option<Result<Vec<Acc<'w>>, SqlError>> {
    let mut folds: Vec<Fold<'_, 'w>> = aggregates
        .iter()
        .zip(args)
        .map(|(a, arg)| Fold::of(a, *arg))
        .collect::<Option<_>>()?;
    let width = aggregates.len();
    let with_sizes = folds.iter().any(Fold::needs_sizes);
    let mut sizes: Vec<u64> = Vec::new();
    let mut accs: Vec<Acc<'w>> = Vec::new();
    let mut n_groups = 0;
    let mut grow =
        |n: usize, folds: &mut [Fold<'_, 'w>], sizes: &mut Vec<u64>, accs: &mut Vec<Acc<'w>>| {
            if n > n_groups {
                for _ in n_groups..n {
                    accs.extend(aggregates.iter().map(|a| Acc::new(a.distinct)));
                }
                if with_sizes {
                    sizes.resize(n, 0);
                }
                for fold in folds.iter_mut() {
                    fold.resize(n);
                }
                n_groups = n;
            }
        };
    grow(min_groups, &mut folds, &mut sizes, &mut accs);
    let mut groups: Vec<u32> = Vec::with_capacity(BATCH);
    let mut runs: Vec<(u32, usize, usize)> = Vec::new();
    for rows in rows.chunks(BATCH) {
        let n = group(rows, &mut groups);
        grow(n, &mut folds, &mut sizes, &mut accs);
        let groups = &groups[..];
        if row_runs(groups, rows, &mut runs) {
            if let Err(e) = fold_runs(&mut folds, &mut sizes, &mut accs, width, &runs) {
                return Some(Err(e));
            }
            continue;
        }
        let batch = (groups, rows, in_runs(groups));
        if with_sizes {
            fold_batch(&mut sizes, batch, |n, _| *n += 1);
        }
        for (a, fold) in folds.iter_mut().enumerate() {
            match fold {
                Fold::Rows => {}
                Fold::Counts(column, sums) => match *column {
                    Counts::U32(v) => fold_batch(sums, batch, |s, r| *s += u64::from(v[r])),
                    Counts::U16(v) => fold_batch(sums, batch, |s, r| *s += u64::from(v[r])),
                    Counts::U8(v) => fold_batch(sums, batch, |s, r| *s += u64::from(v[r])),
                },
                Fold::Money(money, sums) => match *money {
                    Money::Column(v) => fold_batch(sums, batch, |s, r| *s += i128::from(v[r])),
                    Money::Profit { spend, revenue } => fold_batch(sums, batch, |s, r| {
                        *s += i128::from(revenue[r]) - i128::from(spend[r])
                    }),
                },
                Fold::Ratio(ratio, sums) => ratio.apply(RatioBatch { sums, batch }),
                Fold::Any(func, column) => {
                    for (&g, &r) in groups.iter().zip(rows) {
                        let acc = &mut accs[g as usize * width + a];
                        if let Err(e) = acc.update(*func, column.get(r as usize), None) {
                            return Some(Err(e));
                        }
                    }
                }
            }
        }
    }
    for (a, fold) in folds.into_iter().enumerate() {
        let at = |g: usize| g * width + a;
        match fold {
            Fold::Rows => {
                for (g, &n) in sizes.iter().enumerate() {
                    accs[at(g)].count += n as i64;
                }
            }
            Fold::Counts(_, sums) => {
                for (g, (&n, sum)) in sizes.iter().zip(sums).enumerate() {
                    let acc = &mut accs[at(g)];
                    acc.count += n as i64;
                    acc.int_sum += i128::from(sum);
                }
            }
            Fold::Money(_, sums) => {
                for (g, (&n, sum)) in sizes.iter().zip(sums).enumerate() {
                    if n > 0 {
                        let acc = &mut accs[at(g)];
                        acc.count += n as i64;
                        acc.money_sum += sum;
                        acc.has_money = true;
                    }
                }
            }
            Fold::Ratio(_, sums) => {
                for (g, &count) in sums.count.iter().enumerate() {
                    if count > 0 {
                        let acc = &mut accs[at(g)];
                        debug_assert!(!acc.has_real && acc.count == 0);
                        acc.count += count as i64;
                        acc.real_sum = sums.sum[g];
                        acc.real_comp = sums.comp[g];
                        acc.has_real = true;
                    }
                }
            }
            Fold::Any(..) => {}
        }
    }
    Some(Ok(accs))
}

#[cfg(test)]
mod tests {
    use super::{fold_aggregates, Acc, BATCH};
    use crate::sql::catalog::{RowRatio, ScanColumn};
    use crate::sql::plan::{AggFunc, AggregateCall, Expr};

    fn call(func: AggFunc, arg: bool) -> AggregateCall {
        AggregateCall {
            func,
            arg: arg.then_some(Expr::Column(0)),
            distinct: false,
            separator: None,
        }
    }

    /// The folds give what the general accumulators give fed row by row, whether the
    /// groups come in runs or alternate, across batch boundaries, over every row
    /// (consecutive row numbers: runs of column slices) and over a subset.
    #[test]
    fn folds_equal_the_general_accumulators_row_by_row() {
        let n = 3 * BATCH + 17;
        let clicks: Vec<u32> = (0..n as u32).map(|i| (i * 7) % 13).collect();
        let impressions: Vec<u32> = (0..n as u32).map(|i| (i * 5) % 11 * 3).collect();
        let spend: Vec<i64> = (0..n as i64)
            .map(|i| (i * 987_654_321) % 10_000_000)
            .collect();
        let revenue: Vec<i64> = (0..n as i64)
            .map(|i| (i * 123_456_789) % 30_000_000)
            .collect();
        let small: Vec<u8> = (0..n).map(|i| (i % 200) as u8).collect();
        let columns = [
            ScanColumn::U32(&clicks),
            ScanColumn::U8(&small),
            ScanColumn::Money(&spend),
            ScanColumn::Profit {
                spend: &spend,
                revenue: &revenue,
            },
            ScanColumn::Ratio(RowRatio::Ctr {
                clicks: &clicks,
                impressions: &impressions,
            }),
            ScanColumn::Ratio(RowRatio::Roi {
                spend: &spend,
                revenue: &revenue,
            }),
        ];
        let mut aggregates = vec![call(AggFunc::CountRows, false)];
        let mut args = vec![None];
        for column in &columns {
            for func in [AggFunc::Sum, AggFunc::Avg, AggFunc::Total, AggFunc::Max] {
                aggregates.push(call(func, true));
                args.push(Some(column));
            }
        }
        let every: Vec<u32> = (0..n as u32).collect();
        let some: Vec<u32> = (0..n as u32).filter(|r| r % 3 != 1).collect();
        let mut cases = Vec::new();
        for rows in [every, some] {
            let runs: Vec<u32> = (0..rows.len()).map(|i| (i / 500) as u32 % 4).collect();
            let alternating: Vec<u32> = (0..rows.len()).map(|i| (i * 7 % 5) as u32).collect();
            cases.push((rows.clone(), runs));
            cases.push((rows, alternating));
        }
        for (rows, groups) in cases {
            let n_groups = *groups.iter().max().unwrap() as usize + 1;
            let fresh = || -> Vec<Acc<'_>> {
                (0..n_groups)
                    .flat_map(|_| aggregates.iter().map(|a| Acc::new(a.distinct)))
                    .collect()
            };
            // Each row's group by its row number, handed out a batch at a time as a
            // grouper numbers them.
            let mut group_of = vec![u32::MAX; n];
            for (&g, &r) in groups.iter().zip(&rows) {
                group_of[r as usize] = g;
            }
            let folded = fold_aggregates(&aggregates, &args, &rows, 0, &mut |batch, out| {
                out.clear();
                out.extend(batch.iter().map(|&r| group_of[r as usize]));
                n_groups
            })
            .expect("plain columns fold")
            .unwrap();
            let mut general = fresh();
            let width = aggregates.len();
            for (&g, &r) in groups.iter().zip(&rows) {
                for (a, (agg, arg)) in aggregates.iter().zip(&args).enumerate() {
                    let value = arg.map(|c| c.get(r as usize));
                    general[g as usize * width + a]
                        .update(
                            agg.func,
                            value.unwrap_or(crate::sql::value::Val::Null),
                            None,
                        )
                        .unwrap();
                }
            }
            for (i, (f, g)) in folded.iter().zip(&general).enumerate() {
                let func = aggregates[i % width].func;
                assert_eq!(
                    f.finish(func).unwrap(),
                    g.finish(func).unwrap(),
                    "aggregate {} of group {}",
                    i % width,
                    i / width
                );
            }
        }
    }
}

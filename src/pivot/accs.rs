//! The accumulators of a pivot's groups: row counts, and per source column the exact
//! sums, mins, maxs and distinct values its measures need; a measure's value from them.

use super::axis::Selection;
use super::spec::{Aggregate, Measure, Ratio, Source};
use crate::model::star::StarSchema;
use crate::query::result::Value;
use crate::transform::metrics::{conversion_rate, ctr, money_per, roas, roi};
use foldhash::fast::RandomState;
use std::collections::HashSet;

/// The accumulators of a set of groups, column-major by source: row counts, and for each
/// source the measures read, exact sums, mins, maxs and distinct values.
#[derive(Debug, Default)]
pub(super) struct Accs {
    pub(super) sources: Vec<Source>,
    /// Sources (indexes into `sources`) whose distinct values are kept.
    pub(super) distinct: Vec<usize>,
    pub(super) min_max: bool,
    pub(super) rows: Vec<u64>,
    sums: Vec<i128>,
    mins: Vec<i64>,
    maxs: Vec<i64>,
    sets: Vec<HashSet<i64, RandomState>>,
}

impl Accs {
    pub(super) fn like(other: &Accs) -> Accs {
        Accs {
            sources: other.sources.clone(),
            distinct: other.distinct.clone(),
            min_max: other.min_max,
            ..Accs::default()
        }
    }

    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    /// Adds an empty group; returns its index.
    pub(super) fn push(&mut self) -> usize {
        let w = self.sources.len();
        self.rows.push(0);
        self.sums.extend(std::iter::repeat_n(0, w));
        if self.min_max {
            self.mins.extend(std::iter::repeat_n(i64::MAX, w));
            self.maxs.extend(std::iter::repeat_n(i64::MIN, w));
        }
        for _ in &self.distinct {
            self.sets.push(HashSet::default());
        }
        self.rows.len() - 1
    }

    /// Adds the selected rows to their groups (`group_of[i]` is the group of the `i`th
    /// selected row): one loop per column.
    pub(super) fn accumulate(
        &mut self,
        star: &StarSchema,
        selection: &Selection,
        group_of: &[u32],
    ) {
        for &g in group_of {
            self.rows[g as usize] += 1;
        }
        let w = self.sources.len();
        let f = &star.campaigns;
        for i in 0..w {
            let source = self.sources[i];
            /// The loop, compiled for each column.
            #[inline(always)]
            fn add(
                selection: &Selection,
                group_of: &[u32],
                sums: &mut [i128],
                (w, i): (usize, usize),
                value: impl Fn(usize) -> i64,
            ) {
                selection.for_each(|at, row| {
                    sums[group_of[at] as usize * w + i] += i128::from(value(row));
                })
            }
            let (sums, at) = (&mut self.sums[..], (w, i));
            match source {
                Source::Impressions => add(selection, group_of, sums, at, |r| {
                    i64::from(f.impressions[r])
                }),
                Source::Clicks => add(selection, group_of, sums, at, |r| i64::from(f.clicks[r])),
                Source::Conversions => add(selection, group_of, sums, at, |r| {
                    i64::from(f.conversions[r])
                }),
                Source::Spend => add(selection, group_of, sums, at, |r| f.spend[r]),
                Source::Revenue => add(selection, group_of, sums, at, |r| f.revenue[r]),
                Source::Profit => add(selection, group_of, sums, at, |r| f.revenue[r] - f.spend[r]),
            }
            if self.min_max {
                let (mins, maxs) = (&mut self.mins, &mut self.maxs);
                selection.for_each(|at, row| {
                    let v = source.value(star, row);
                    let k = group_of[at] as usize * w + i;
                    mins[k] = mins[k].min(v);
                    maxs[k] = maxs[k].max(v);
                });
            }
        }
        let k = self.distinct.len();
        for (j, &i) in self.distinct.iter().enumerate() {
            let source = self.sources[i];
            let sets = &mut self.sets;
            selection.for_each(|at, row| {
                sets[group_of[at] as usize * k + j].insert(source.value(star, row));
            });
        }
    }

    /// Adds group `from` of `src` (accumulators of the same sources) into group `to`.
    pub(super) fn merge(&mut self, to: usize, src: &Accs, from: usize) {
        let w = self.sources.len();
        self.rows[to] += src.rows[from];
        for i in 0..w {
            self.sums[to * w + i] += src.sums[from * w + i];
            if self.min_max {
                self.mins[to * w + i] = self.mins[to * w + i].min(src.mins[from * w + i]);
                self.maxs[to * w + i] = self.maxs[to * w + i].max(src.maxs[from * w + i]);
            }
        }
        let k = self.distinct.len();
        for j in 0..k {
            let (dst, from_set) = (to * k + j, &src.sets[from * k + j]);
            self.sets[dst].extend(from_set.iter().copied());
        }
    }

    pub(super) fn at(&self, source: Source) -> usize {
        self.sources
            .iter()
            .position(|&s| s == source)
            .expect("the measure's sources are accumulated")
    }

    /// A measure of one group.
    pub(super) fn measure(&self, group: usize, measure: Measure) -> Value<'static> {
        let w = self.sources.len();
        let rows = self.rows[group];
        let sum = |s: Source| self.sums[group * w + self.at(s)];
        match measure {
            Measure::Rows => Value::Int(rows as i64),
            Measure::Column(aggregate, source) => {
                let i = group * w + self.at(source);
                let exact = |v: i128| {
                    if source.is_money() {
                        Value::Money(v)
                    } else {
                        Value::Int(v as i64)
                    }
                };
                match aggregate {
                    // No rows: no min, max or average (as SQL answers); sums and counts are 0.
                    Aggregate::Min | Aggregate::Max | Aggregate::Avg if rows == 0 => Value::Null,
                    Aggregate::Sum => exact(self.sums[i]),
                    Aggregate::Min => exact(i128::from(self.mins[i])),
                    Aggregate::Max => exact(i128::from(self.maxs[i])),
                    Aggregate::Avg => {
                        let scale = if source.is_money() { 1e6 } else { 1.0 };
                        Value::float(Some(self.sums[i] as f64 / scale / rows as f64))
                    }
                    Aggregate::CountDistinct => {
                        let k = self.distinct.len();
                        let j = self
                            .distinct
                            .iter()
                            .position(|&d| self.sources[d] == source)
                            .expect("distinct values are kept");
                        Value::Int(self.sets[group * k + j].len() as i64)
                    }
                }
            }
            Measure::Ratio(ratio) => {
                let count = |s: Source| sum(s) as u64;
                Value::float(match ratio {
                    Ratio::Ctr => ctr(count(Source::Clicks), count(Source::Impressions)),
                    Ratio::ConversionRate => {
                        conversion_rate(count(Source::Conversions), count(Source::Clicks))
                    }
                    Ratio::Roi => roi(sum(Source::Spend), sum(Source::Revenue)),
                    Ratio::Roas => roas(sum(Source::Spend), sum(Source::Revenue)),
                    Ratio::Cpc => money_per(sum(Source::Spend), count(Source::Clicks)),
                    Ratio::Cpa => money_per(sum(Source::Spend), count(Source::Conversions)),
                })
            }
        }
    }
}

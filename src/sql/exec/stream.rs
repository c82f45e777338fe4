//! Streaming: a join without equality keys (a cross join, or a nested loop on another
//! condition) pairs every left row with every right row, so its output can be the
//! product of its inputs' sizes: 300 rows joined to themselves three times are 27
//! million. Under an aggregate or a `LIMIT` such a join (and the projections and
//! filters over it) runs as a stream of rows handed one at a time to the operator
//! above, never materialized: only its build side (the right rows) is held, so an
//! aggregate takes the memory of its groups and a `LIMIT` stops at its last row.
//! `COUNT(*)` alone over a cross join is the product of its sides' counts; over any
//! other join, its pairs are counted as they stream.
//!
//! Otherwise joins on equality keys are left to `join`, whose scan path keeps a fact
//! table joined to a dimension a selection vector (which the fast aggregates read);
//! what they materialize is held to the memory budget.

use super::{Exec, Rel};
use crate::sql::error::SqlError;
use crate::sql::plan::{AggFunc, AggregateCall, Expr, JoinKind, Plan};
use crate::sql::value::Val;

/// Where an aggregate's rows come from: a relation, or a plan streamed ([`Exec::input`]).
pub(super) enum Input<'p, 'w> {
    Rel(Rel<'w>),
    Stream(&'p Plan),
}

impl<'a, 'w> Exec<'a, 'w> {
    /// Whether `plan` runs as a stream: a join without equality keys, under any
    /// projections and filters.
    pub(super) fn streams(&self, plan: &Plan) -> bool {
        match plan {
            Plan::Join { left_keys, .. } => left_keys.is_empty(),
            Plan::Project { input, .. } | Plan::Filter { input, .. } => self.streams(input),
            _ => false,
        }
    }

    /// Whether `plan` is a join (of any kind), under any projections and filters.
    fn joins(&self, plan: &Plan) -> bool {
        match plan {
            Plan::Join { .. } => true,
            Plan::Project { input, .. } | Plan::Filter { input, .. } => self.joins(input),
            _ => false,
        }
    }

    /// `plan` to read row by row: streamed when it [streams](Exec::streams), else run.
    pub(super) fn input<'p>(&self, plan: &'p Plan) -> Result<Input<'p, 'w>, SqlError> {
        if self.streams(plan) {
            self.note("streamed: the join's pairs are never materialized");
            Ok(Input::Stream(plan))
        } else {
            Ok(Input::Rel(self.plan(plan)?))
        }
    }

    /// Calls `f` with each row of `input`, in order, with its position.
    pub(super) fn each(
        &self,
        input: &Input<'_, 'w>,
        mut f: impl FnMut(usize, &[Val<'w>]) -> Result<(), SqlError>,
    ) -> Result<(), SqlError> {
        match input {
            Input::Rel(rel) => rel.for_each(f),
            Input::Stream(plan) => {
                let mut i = 0;
                self.stream(plan, &mut |row| {
                    f(i, row)?;
                    i += 1;
                    Ok(true)
                })?;
                Ok(())
            }
        }
    }

    /// Calls `f` with each row of `plan` in order until `f` says stop (`false`): a join
    /// (and the joins on its left) probed row by row, under its projections and filters;
    /// anything else run. Returns the rows' width and whether every row was seen.
    pub(super) fn stream(
        &self,
        plan: &Plan,
        f: &mut dyn FnMut(&[Val<'w>]) -> Result<bool, SqlError>,
    ) -> Result<(usize, bool), SqlError> {
        self.check_memory()?;
        match plan {
            Plan::Project { input, exprs } if self.joins(input) => {
                let mut out: Vec<Val<'w>> = Vec::with_capacity(exprs.len());
                let (_, all) = self.stream(input, &mut |row| {
                    out.clear();
                    for e in exprs {
                        out.push(self.eval(e, row)?);
                    }
                    f(&out)
                })?;
                Ok((exprs.len(), all))
            }
            Plan::Filter { input, predicate } if self.joins(input) => {
                self.stream(input, &mut |row| {
                    if self.eval(predicate, row)?.truth() == Some(true) {
                        f(row)
                    } else {
                        Ok(true)
                    }
                })
            }
            Plan::Join {
                left,
                right,
                kind,
                left_keys,
                right_keys,
                condition,
            } => {
                let right = self.plan(right)?;
                let build = self.build(right, right_keys)?;
                let mut combined: Vec<Val<'w>> = Vec::new();
                let mut key: Vec<Val<'w>> = Vec::new();
                let mut probe = |lrow: &[Val<'w>]| {
                    self.probe(
                        &build,
                        lrow,
                        *kind,
                        left_keys,
                        condition.as_ref(),
                        (&mut combined, &mut key),
                        f,
                    )
                };
                let (lw, all) = if self.joins(left) {
                    self.stream(left, &mut probe)?
                } else {
                    let left = self.plan(left)?;
                    let mut all = true;
                    // Rows of a relation are visited to the end; `all` notes a stop.
                    left.for_each(|_, lrow| {
                        if all {
                            all = probe(lrow)?;
                        }
                        Ok(())
                    })?;
                    (left.width(), all)
                };
                Ok((lw + build.width, all))
            }
            _ => {
                let rel = self.plan(plan)?;
                let mut all = true;
                rel.for_each(|_, row| {
                    if all {
                        all = f(row)?;
                    }
                    Ok(())
                })?;
                Ok((rel.width(), all))
            }
        }
    }

    /// `COUNT(*)` alone (no `GROUP BY`) over a join (of any kind, under projections
    /// and filters): the count, with no joined row kept. `None` for any other aggregate
    /// or input.
    pub(super) fn count_streamed(
        &self,
        input: &Plan,
        group_by: &[Expr],
        aggregates: &[AggregateCall],
    ) -> Result<Option<Rel<'w>>, SqlError> {
        let counts_only = group_by.is_empty()
            && !aggregates.is_empty()
            && aggregates
                .iter()
                .all(|a| a.func == AggFunc::CountRows && a.arg.is_none());
        if !counts_only || !self.joins(input) {
            return Ok(None);
        }
        self.note("streamed: rows counted, none kept");
        let n = self.count(input)?;
        let n = i64::try_from(n).map_err(|_| super::err("integer overflow"))?;
        Ok(Some(Rel::Rows {
            width: aggregates.len(),
            rows: vec![vec![Val::Int(n); aggregates.len()]],
        }))
    }

    /// Rows of `plan`: of a join without keys or condition, from its sides' counts;
    /// of other joins, counted as they stream; else as run.
    fn count(&self, plan: &Plan) -> Result<u64, SqlError> {
        match plan {
            Plan::Project { input, .. } if self.joins(input) => self.count(input),
            Plan::Join {
                left,
                right,
                kind,
                left_keys,
                condition: None,
                ..
            } if left_keys.is_empty() => {
                let l = self.count(left)?;
                let r = self.count(right)?;
                // A LEFT join keeps each left row at least once.
                let r = if *kind == JoinKind::Left { r.max(1) } else { r };
                Ok(l.saturating_mul(r))
            }
            _ if self.joins(plan) => {
                let mut n = 0u64;
                self.stream(plan, &mut |_| {
                    n += 1;
                    Ok(true)
                })?;
                Ok(n)
            }
            _ => Ok(self.plan(plan)?.len() as u64),
        }
    }

    /// Rows `offset..offset + take` of a streamed plan, the stream stopped after them.
    pub(super) fn limit_streamed(
        &self,
        plan: &Plan,
        offset: usize,
        take: usize,
    ) -> Result<Rel<'w>, SqlError> {
        self.note("streamed: stopped at the last row wanted");
        let mut rows: Vec<Vec<Val<'w>>> = Vec::new();
        let mut seen = 0usize;
        if take > 0 {
            let (width, _) = self.stream(plan, &mut |row| {
                seen += 1;
                if seen > offset {
                    self.check_push(&rows)?;
                    rows.push(row.to_vec());
                }
                Ok(rows.len() < take)
            })?;
            return Ok(Rel::Rows { width, rows });
        }
        // LIMIT 0 still checks the plan runs; its width from a stream stopped at once.
        let (width, _) = self.stream(plan, &mut |_| Ok(false))?;
        Ok(Rel::Rows { width, rows })
    }
}

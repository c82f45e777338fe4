//! Window functions over `(PARTITION BY ... ORDER BY ...)` with the default frame.

use super::acc::Acc;
use super::rows::{cmp_keys, rows_equal};
use super::{fast, Exec, Rel};
use crate::sql::error::SqlError;
use crate::sql::plan::{AggFunc, Expr, Literal, Plan, SortKey, WindowFunc, WindowFunction};
use crate::sql::value::Val;
use std::cmp::Ordering;

impl<'a, 'w> Exec<'a, 'w> {
    pub(super) fn window(
        &self,
        input: &Plan,
        functions: &[WindowFunction],
    ) -> Result<Rel<'w>, SqlError> {
        // Over a projection of a scan, each function's rows are ordered on typed keys
        // (its partition then its order, as the general sort below orders them) before
        // the rows are materialized.
        let mut fast_orders: Vec<Option<Vec<u32>>> = vec![None; functions.len()];
        let mut order_over = |rel: &Rel<'w>, exprs: &[Expr]| {
            if let Rel::Scan { readers, rows, .. } = rel {
                for (f, order) in functions.iter().zip(&mut fast_orders) {
                    let keys: Vec<SortKey> = f
                        .partition_by
                        .iter()
                        .map(|e| SortKey {
                            expr: e.clone(),
                            desc: false,
                            nulls_first: None,
                        })
                        .chain(f.order_by.iter().cloned())
                        .collect();
                    *order = fast::sort_positions(readers, rows, exprs, &keys, None);
                }
            }
        };
        let rel = match input {
            _ if self.options.general_only => self.plan(input)?,
            Plan::Project { input, exprs } => {
                let rel = self.plan(input)?;
                order_over(&rel, exprs);
                self.project(rel, exprs)?
            }
            Plan::Scan { .. } => {
                let rel = self.plan(input)?;
                let columns: Vec<Expr> = (0..rel.width()).map(Expr::Column).collect();
                order_over(&rel, &columns);
                rel
            }
            _ => self.plan(input)?,
        };
        let width = rel.width();
        let mut rows = self.rows_of(rel)?;
        for (f, fast_order) in functions.iter().zip(fast_orders) {
            let mut keyed = Vec::with_capacity(rows.len());
            for (i, row) in rows.iter().enumerate() {
                if i % 1024 == 1023 {
                    self.check_memory()?;
                }
                let part = f
                    .partition_by
                    .iter()
                    .map(|e| self.eval(e, row))
                    .collect::<Result<Vec<_>, _>>()?;
                let order = f
                    .order_by
                    .iter()
                    .map(|k| self.eval(&k.expr, row))
                    .collect::<Result<Vec<_>, _>>()?;
                let arg = match &f.arg {
                    Some(e) => self.eval(e, row)?,
                    None => Val::Null,
                };
                keyed.push((part, order, arg, i));
            }
            let part_keys: Vec<SortKey> = f
                .partition_by
                .iter()
                .map(|_| SortKey {
                    expr: Expr::Literal(Literal::Null),
                    desc: false,
                    nulls_first: None,
                })
                .collect();
            match fast_order {
                Some(order) => {
                    self.note("partitions ordered by packed keys over the scan");
                    let mut slots: Vec<Option<_>> = keyed.into_iter().map(Some).collect();
                    keyed = order
                        .into_iter()
                        .map(|p| slots[p as usize].take().expect("a permutation"))
                        .collect();
                }
                None => {
                    self.note("general: partitions sorted as values");
                    keyed.sort_by(|a, b| {
                        cmp_keys(&a.0, &b.0, &part_keys)
                            .then_with(|| cmp_keys(&a.1, &b.1, &f.order_by))
                    });
                }
            }
            let mut results: Vec<Val<'w>> = vec![Val::Null; rows.len()];
            let mut start = 0;
            while start < keyed.len() {
                let mut end = start + 1;
                while end < keyed.len() && rows_equal(&keyed[end].0, &keyed[start].0) {
                    end += 1;
                }
                let part = &keyed[start..end];
                match f.func {
                    WindowFunc::RowNumber => {
                        for (n, item) in part.iter().enumerate() {
                            results[item.3] = Val::Int(n as i64 + 1);
                        }
                    }
                    WindowFunc::Rank | WindowFunc::DenseRank => {
                        let (mut rank, mut dense) = (1i64, 1i64);
                        for (n, item) in part.iter().enumerate() {
                            if n > 0
                                && cmp_keys(&part[n - 1].1, &item.1, &f.order_by) != Ordering::Equal
                            {
                                rank = n as i64 + 1;
                                dense += 1;
                            }
                            results[item.3] = Val::Int(if f.func == WindowFunc::Rank {
                                rank
                            } else {
                                dense
                            });
                        }
                    }
                    WindowFunc::Aggregate(func) => {
                        let mut acc = Acc::new(f.distinct);
                        let mut n = 0;
                        while n < part.len() {
                            // The peers of row n (all rows without ORDER BY) share a frame end.
                            let mut peer_end = n + 1;
                            while peer_end < part.len()
                                && (f.order_by.is_empty()
                                    || cmp_keys(&part[n].1, &part[peer_end].1, &f.order_by)
                                        == Ordering::Equal)
                            {
                                peer_end += 1;
                            }
                            for item in &part[n..peer_end] {
                                let v = if func == AggFunc::CountRows {
                                    Val::Int(1)
                                } else {
                                    item.2.clone()
                                };
                                acc.update(func, v, None)?;
                            }
                            let value = acc.finish(func)?;
                            for item in &part[n..peer_end] {
                                results[item.3] = value.clone();
                            }
                            n = peer_end;
                        }
                    }
                }
                start = end;
            }
            for (row, value) in rows.iter_mut().zip(results) {
                row.push(value);
            }
        }
        Ok(Rel::Rows {
            width: width + functions.len(),
            rows,
        })
    }
}

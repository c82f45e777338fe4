//! `GROUP BY` and aggregates: the fast path over dictionary codes when it applies,
//! else groups hashed by SQL equality, each updating its accumulators.

use super::acc::Acc;
use super::fast;
use super::rows::{cmp_rows, hash_row, rows_equal};
use super::stream::Input;
use super::{Exec, Rel};
use crate::sql::catalog::ScanColumn;
use crate::sql::error::SqlError;
use crate::sql::plan::{AggFunc, AggregateCall, Expr, Plan};
use crate::sql::value::Val;
use hashbrown::HashTable;

impl<'a, 'w> Exec<'a, 'w> {
    pub(super) fn aggregate(
        &self,
        input: &Plan,
        group_by: &[Expr],
        aggregates: &[AggregateCall],
    ) -> Result<Rel<'w>, SqlError> {
        if let Some(counted) = self.count_streamed(input, group_by, aggregates)? {
            return Ok(counted);
        }
        let rel = self.input(input)?;
        if let (
            Input::Rel(Rel::Scan {
                readers,
                rows,
                width,
            }),
            false,
        ) = (&rel, self.options.general_only)
        {
            self.check_memory()?;
            // Group expressions over coded columns (strftime('%Y-%m', date)) become
            // coded columns themselves, computed once per distinct combination.
            let mut columns: Vec<(usize, ScanColumn<'w>)> = Vec::new();
            let mut keys: Vec<Expr> = group_by.to_vec();
            for key in keys.iter_mut() {
                if matches!(key, Expr::Column(_)) {
                    continue;
                }
                match self.values_by_codes(readers, rows, *width, key) {
                    Some(column) => {
                        if columns.is_empty() {
                            columns = readers.to_vec();
                        }
                        let at = *width + columns.len();
                        columns.push((at, column));
                        *key = Expr::Column(at);
                    }
                    None => break,
                }
            }
            let (readers, group_by) = if columns.is_empty() {
                (&readers[..], group_by)
            } else {
                (&columns[..], &keys[..])
            };
            if let Some(rows) = fast::aggregate(readers, rows, group_by, aggregates) {
                if !columns.is_empty() {
                    self.note("group keys per distinct combination of coded columns");
                }
                self.note("group index by dense codes, typed accumulators");
                return Ok(Rel::Rows {
                    width: group_by.len() + aggregates.len(),
                    rows: rows?,
                });
            }
        }
        self.note("general: hash group-by row by row");
        let mut table: HashTable<usize> = HashTable::new();
        let mut keys: Vec<Vec<Val<'w>>> = Vec::new();
        let mut accs: Vec<Vec<Acc<'w>>> = Vec::new();
        let fresh =
            || -> Vec<Acc<'w>> { aggregates.iter().map(|a| Acc::new(a.distinct)).collect() };
        if group_by.is_empty() {
            keys.push(Vec::new());
            accs.push(fresh());
        }
        let mut key_buf: Vec<Val<'w>> = Vec::with_capacity(group_by.len());
        self.each(&rel, |i, row| {
            if i % 1024 == 1023 {
                self.check_memory()?;
            }
            let group = if group_by.is_empty() {
                0
            } else {
                key_buf.clear();
                for e in group_by {
                    key_buf.push(self.eval(e, row)?);
                }
                let hash = hash_row(&key_buf);
                match table.find(hash, |&g| rows_equal(&keys[g], &key_buf)) {
                    Some(&g) => g,
                    None => {
                        self.check_push(&keys)?;
                        let g = keys.len();
                        keys.push(key_buf.clone());
                        accs.push(fresh());
                        table.insert_unique(hash, g, |&j| hash_row(&keys[j]));
                        g
                    }
                }
            };
            let group_accs = &mut accs[group];
            for (acc, agg) in group_accs.iter_mut().zip(aggregates) {
                if agg.func == AggFunc::GroupConcat {
                    self.check_need(acc.text_capacity() as u64)?;
                }
                let v = match &agg.arg {
                    Some(e) => self.eval(e, row)?,
                    None => Val::Null,
                };
                let sep = match &agg.separator {
                    Some(e) => Some(self.eval(e, row)?),
                    None => None,
                };
                acc.update(agg.func, v, sep)?;
            }
            Ok(())
        })?;
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by(|&a, &b| cmp_rows(&keys[a], &keys[b]));
        let mut rows = Vec::with_capacity(order.len());
        for g in order {
            let mut row = std::mem::take(&mut keys[g]);
            for (acc, agg) in accs[g].iter().zip(aggregates) {
                row.push(acc.finish(agg.func)?);
            }
            rows.push(row);
        }
        Ok(Rel::Rows {
            width: group_by.len() + aggregates.len(),
            rows,
        })
    }
}

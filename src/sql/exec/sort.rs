//! `ORDER BY` (with top-k under `LIMIT`), `LIMIT`/`OFFSET` and `DISTINCT`.

use super::fast;
use super::rows::{cmp_keys, RowSet};
use super::{err, Exec, Rel};
use crate::sql::error::SqlError;
use crate::sql::plan::{Expr, Plan, SortKey};
use crate::sql::value::{Val, MICROS};

/// An integer from a LIMIT or OFFSET value.
fn limit_value(v: &Val<'_>, what: &str) -> Result<i64, SqlError> {
    match v.clone().numeric_affinity() {
        Val::Int(i) => Ok(i),
        Val::Real(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(f as i64),
        Val::Money(m) if m % MICROS == 0 => Ok((m / MICROS) as i64),
        _ => Err(err(format!("datatype mismatch: {what} must be an integer"))),
    }
}

impl<'a, 'w> Exec<'a, 'w> {
    /// `input` ordered by `keys` (stable); with `keep`, at least its first `keep` rows
    /// in order (the rest may be dropped). A projection of a scan sorted on plain
    /// columns orders the selection vector on typed keys before projecting.
    pub(super) fn sort(
        &self,
        input: &Plan,
        keys: &[SortKey],
        keep: Option<usize>,
    ) -> Result<Rel<'w>, SqlError> {
        let rel = match input {
            Plan::Project { input, exprs } if !self.options.general_only => {
                let rel = self.plan(input)?;
                if let Rel::Scan {
                    width,
                    readers,
                    rows,
                } = &rel
                {
                    if let Some(order) = fast::sort_positions(readers, rows, exprs, keys, keep) {
                        self.note(if keep.is_some() {
                            "top-k by packed keys over the scan"
                        } else {
                            "sort by packed keys over the scan"
                        });
                        let sorted = Rel::Scan {
                            width: *width,
                            readers: readers.clone(),
                            rows: order.into_iter().map(|p| rows[p as usize]).collect(),
                        };
                        return self.project(sorted, exprs);
                    }
                }
                self.project(rel, exprs)?
            }
            _ => self.plan(input)?,
        };
        let width = rel.width();
        let rows = self.rows_of(rel)?;
        self.check_need(super::rows_bytes(rows.len(), keys.len()))?;
        let mut keyed = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            if i % 1024 == 1023 {
                self.check_memory()?;
            }
            let k = keys
                .iter()
                .map(|key| self.eval(&key.expr, &row))
                .collect::<Result<Vec<_>, _>>()?;
            keyed.push((k, row));
        }
        let rows = match keep {
            // Top-k: the first `k` rows of the stable sort, found without sorting the
            // rest (ties broken by position, as the stable sort breaks them).
            Some(k) if k < keyed.len() => {
                let cmp = |a: &usize, b: &usize| {
                    cmp_keys(&keyed[*a].0, &keyed[*b].0, keys).then(a.cmp(b))
                };
                let mut first: Vec<usize> = (0..keyed.len()).collect();
                if k == 0 {
                    first.clear();
                } else {
                    first.select_nth_unstable_by(k - 1, cmp);
                    first.truncate(k);
                    first.sort_unstable_by(cmp);
                }
                self.note("general: top-k of materialized rows");
                first
                    .into_iter()
                    .map(|i| std::mem::take(&mut keyed[i].1))
                    .collect()
            }
            _ => {
                keyed.sort_by(|a, b| cmp_keys(&a.0, &b.0, keys));
                self.note("general: sort of materialized rows");
                keyed.into_iter().map(|(_, r)| r).collect()
            }
        };
        Ok(Rel::Rows { width, rows })
    }

    /// At most `limit` rows after skipping `offset` (negative limit: no limit).
    pub(super) fn limit(
        &self,
        input: &Plan,
        limit: Option<&Expr>,
        offset: Option<&Expr>,
    ) -> Result<Rel<'w>, SqlError> {
        let limit = match limit {
            Some(e) => limit_value(&self.eval(e, &[])?, "LIMIT")?,
            None => -1,
        };
        let offset = match offset {
            Some(e) => limit_value(&self.eval(e, &[])?, "OFFSET")?.max(0),
            None => 0,
        };
        let take = if limit < 0 {
            usize::MAX
        } else {
            limit as usize
        };
        let rel = match input {
            // Top-k: only the first offset + limit rows need ordering.
            Plan::Sort { input, keys } if limit >= 0 => {
                self.sort(input, keys, Some(take.saturating_add(offset as usize)))?
            }
            // A join without keys streams, stopping at the last row wanted.
            _ if self.streams(input) => {
                return self.limit_streamed(input, offset as usize, take);
            }
            _ => self.plan(input)?,
        };
        let width = rel.width();
        let rows = match rel {
            Rel::Scan {
                width,
                readers,
                rows,
            } => Rel::Scan {
                width,
                readers,
                rows: rows.into_iter().skip(offset as usize).take(take).collect(),
            }
            .into_rows(),
            Rel::Rows { rows, .. } => rows.into_iter().skip(offset as usize).take(take).collect(),
        };
        Ok(Rel::Rows { width, rows })
    }

    /// Distinct rows, first occurrences in order.
    pub(super) fn distinct(&self, input: &Plan) -> Result<Rel<'w>, SqlError> {
        let rel = self.plan(input)?;
        let width = rel.width();
        let mut set = RowSet::new();
        rel.for_each(|_, row| {
            self.check_push(&set.rows)?;
            set.insert(row);
            Ok(())
        })?;
        Ok(Rel::Rows {
            width,
            rows: set.rows,
        })
    }
}

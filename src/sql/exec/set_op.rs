//! `UNION [ALL]`, `INTERSECT` and `EXCEPT`.

use super::rows::RowSet;
use super::{err, Exec, Rel};
use crate::sql::error::SqlError;
use crate::sql::plan::{Plan, SetOp};
use crate::sql::value::total_cmp;
use std::cmp::Ordering;

impl<'a, 'w> Exec<'a, 'w> {
    /// Left rows and right rows combined by `op`; all but `UNION ALL` come out sorted.
    pub(super) fn set_op(&self, op: SetOp, left: &Plan, right: &Plan) -> Result<Rel<'w>, SqlError> {
        let l = self.plan(left)?;
        let width = l.width();
        let r = self.plan(right)?;
        if r.width() != width {
            return Err(err(
                        "SELECTs to the left and right of a compound operator do not have the same number of result columns",
                    ));
        }
        let rows = match op {
            SetOp::UnionAll => {
                self.check_need(super::rows_bytes(l.len() + r.len(), width))?;
                let mut rows = self.rows_of(l)?;
                rows.extend(self.rows_of(r)?);
                rows
            }
            SetOp::Union => {
                let mut set = RowSet::new();
                l.for_each(|_, row| {
                    self.check_push(&set.rows)?;
                    set.insert(row);
                    Ok(())
                })?;
                r.for_each(|_, row| {
                    self.check_push(&set.rows)?;
                    set.insert(row);
                    Ok(())
                })?;
                set.rows
            }
            SetOp::Intersect | SetOp::Except => {
                let mut right_set = RowSet::new();
                r.for_each(|_, row| {
                    self.check_push(&right_set.rows)?;
                    right_set.insert(row);
                    Ok(())
                })?;
                let mut out = RowSet::new();
                let want = op == SetOp::Intersect;
                l.for_each(|_, row| {
                    if right_set.contains(row) == want {
                        self.check_push(&out.rows)?;
                        out.insert(row);
                    }
                    Ok(())
                })?;
                out.rows
            }
        };
        // Compound results without ORDER BY come out sorted as SQLite's do
        // (UNION, INTERSECT and EXCEPT use a sorted set).
        let mut rows = rows;
        if op != SetOp::UnionAll {
            rows.sort_by(|a, b| {
                for (x, y) in a.iter().zip(b.iter()) {
                    let o = total_cmp(x, y);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            });
        }
        Ok(Rel::Rows { width, rows })
    }
}

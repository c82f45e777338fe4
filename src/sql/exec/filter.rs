//! `WHERE` and `HAVING`: a filter narrows a scan's selection vector (by dictionary
//! codes when the predicate allows) or drops materialized rows.

use super::eval::binary;
use super::fast;
use super::{Exec, Rel};
use crate::sql::catalog::{Joined, ScanColumn};
use crate::sql::error::SqlError;
use crate::sql::plan::{BinOp, Coerce, Expr, Plan};
use crate::sql::value::Val;
use std::rc::Rc;

impl<'a, 'w> Exec<'a, 'w> {
    /// Rows of `input` for which `predicate` is true.
    pub(super) fn filter(&self, input: &Plan, predicate: &Expr) -> Result<Rel<'w>, SqlError> {
        let rel = self.plan(input)?;
        match rel {
            Rel::Scan {
                width,
                readers,
                rows,
            } => {
                if !self.options.general_only {
                    if let Some(keep) = self.filter_by_codes(&readers, &rows, width, predicate)? {
                        self.note("predicate per distinct combination of coded columns");
                        return Ok(Rel::Scan {
                            width,
                            readers,
                            rows: keep,
                        });
                    }
                }
                if !self.options.general_only && !rows.is_empty() {
                    if let Some(terms) = self.constant_comparisons(&readers, predicate) {
                        self.note("comparisons of typed columns with constants");
                        let mut keep = rows;
                        for term in &terms {
                            keep.retain(|&r| term.holds(r as usize));
                        }
                        return Ok(Rel::Scan {
                            width,
                            readers,
                            rows: keep,
                        });
                    }
                }
                self.note("general: predicate per row over the scan's columns");
                let mut keep = Vec::new();
                let mut buf: Vec<Val<'w>> = vec![Val::Null; width];
                for &row in &rows {
                    for (at, read) in readers.iter() {
                        buf[*at] = read.get(row as usize);
                    }
                    if self.eval(predicate, &buf)?.truth() == Some(true) {
                        keep.push(row);
                    }
                }
                Ok(Rel::Scan {
                    width,
                    readers,
                    rows: keep,
                })
            }
            Rel::Rows { width, rows } => {
                self.note("general: predicate per row");
                let mut keep = Vec::new();
                for row in rows {
                    if self.eval(predicate, &row)?.truth() == Some(true) {
                        keep.push(row);
                    }
                }
                Ok(Rel::Rows { width, rows: keep })
            }
        }
    }

    /// A predicate that is an `AND` of comparisons of a scan column with a constant
    /// (`spend > 20000`, `revenue > 2 * (SELECT AVG(revenue) ...)`), as the terms to
    /// test one after another: each row's value read from its typed column and compared
    /// by the general path's own operator ([`binary`]), with no row built and no tree
    /// walked. A row is kept when every term is true, as the general path's `AND` keeps
    /// it. `None` when the shape differs or a constant fails to evaluate (the general
    /// path then runs and reports the error where it would).
    fn constant_comparisons<'r>(
        &self,
        readers: &'r [(usize, ScanColumn<'w>)],
        predicate: &Expr,
    ) -> Option<Vec<Comparison<'r, 'w>>> {
        let mut terms = Vec::new();
        let mut stack = vec![predicate];
        while let Some(e) = stack.pop() {
            let Expr::Binary {
                op,
                left,
                right,
                coerce,
            } = e
            else {
                return None;
            };
            match op {
                BinOp::And => {
                    stack.push(right);
                    stack.push(left);
                }
                BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq => {
                    let (at, constant, column_left) = match (&**left, &**right) {
                        (Expr::Column(i), c) if is_constant(c) => (*i, c, true),
                        (c, Expr::Column(i)) if is_constant(c) => (*i, c, false),
                        _ => return None,
                    };
                    let column = crate::sql::catalog::column_at(readers, at)?;
                    let value = self.eval(constant, &[]).ok()?;
                    terms.push(Comparison {
                        column,
                        op: *op,
                        coerce: *coerce,
                        constant: value,
                        column_left,
                    });
                }
                _ => return None,
            }
        }
        Some(terms)
    }

    /// WHERE over a scan by codes. When the predicate reads only columns with dense
    /// codes (dictionary text, days, small integers, joined dimensions), it is
    /// evaluated once per distinct combination of their values, at its first row; the
    /// first error is then the general path's (the first row whose combination errs).
    /// Otherwise, when the leftmost operands of its `AND`s do (`c1 AND c2 AND roi > 1`:
    /// `c1 AND c2`), that part is evaluated by codes and the rows where it is false are
    /// dropped, as the general path's `AND` drops them without evaluating the rest; the
    /// other rows are evaluated whole, row by row (if the part errs for any
    /// combination, the general path runs instead, so errors come out as there).
    pub(super) fn filter_by_codes(
        &self,
        readers: &[(usize, ScanColumn<'w>)],
        rows: &[u32],
        width: usize,
        predicate: &Expr,
    ) -> Result<Option<Vec<u32>>, SqlError> {
        let mut part = predicate;
        loop {
            let whole = std::ptr::eq(part, predicate);
            if let Some((groups, truth)) = self.truth_by_codes(readers, rows, width, part, whole)? {
                let selected = rows.iter().zip(&groups);
                if whole {
                    return Ok(Some(
                        selected
                            .filter(|(_, &g)| truth[g as usize] == Some(true))
                            .map(|(&r, _)| r)
                            .collect(),
                    ));
                }
                let mut keep = Vec::new();
                let mut buf: Vec<Val<'w>> = vec![Val::Null; width];
                for (&r, &g) in selected {
                    if truth[g as usize] == Some(false) {
                        continue;
                    }
                    for (at, column) in readers {
                        buf[*at] = column.get(r as usize);
                    }
                    if self.eval(predicate, &buf)?.truth() == Some(true) {
                        keep.push(r);
                    }
                }
                return Ok(Some(keep));
            }
            match part {
                Expr::Binary {
                    op: BinOp::And,
                    left,
                    ..
                } => part = left,
                _ => return Ok(None),
            }
        }
    }

    /// The values of `e`, an expression over coded columns, as a coded column: `e` is
    /// evaluated once per distinct combination of the columns it reads. `None` when it
    /// reads others, or errs for a combination (the general path then errs as it
    /// does).
    pub(super) fn values_by_codes(
        &self,
        readers: &[(usize, ScanColumn<'w>)],
        rows: &[u32],
        width: usize,
        e: &Expr,
    ) -> Option<ScanColumn<'w>> {
        let mut read = Vec::new();
        fast::columns_read(e, &mut read)?;
        let group_by: Vec<Expr> = read.iter().map(|&i| Expr::Column(i)).collect();
        let (groups, first) = super::grouping::group_rows(readers, rows, &group_by)?;
        if first.len() * 4 > rows.len() + 64 {
            return None;
        }
        let mut buf: Vec<Val<'w>> = vec![Val::Null; width];
        let mut values = Vec::with_capacity(first.len());
        for &r in &first {
            for &i in &read {
                if let (Some(slot), Some(column)) =
                    (buf.get_mut(i), crate::sql::catalog::column_at(readers, i))
                {
                    *slot = column.get(r as usize);
                }
            }
            values.push(self.eval(e, &buf).ok()?);
        }
        let base = rows.iter().max().map_or(0, |&m| m as usize + 1);
        let mut index = vec![u32::MAX; base];
        for (&r, &g) in rows.iter().zip(&groups) {
            index[r as usize] = g;
        }
        let (codes, distinct) = fast::value_codes(&values);
        Some(ScanColumn::Joined(Rc::new(Joined {
            index: Rc::new(index),
            values,
            codes,
            distinct,
        })))
    }

    /// The truth of `e` per distinct combination of the coded columns it reads: a
    /// group per selected row and a truth per group. An error is returned when `errors`
    /// says so, else it gives `None`; `None` too when `e` reads other columns.
    #[allow(clippy::type_complexity)]
    pub(super) fn truth_by_codes(
        &self,
        readers: &[(usize, ScanColumn<'w>)],
        rows: &[u32],
        width: usize,
        e: &Expr,
        errors: bool,
    ) -> Result<Option<(Vec<u32>, Vec<Option<bool>>)>, SqlError> {
        let mut read = Vec::new();
        if fast::columns_read(e, &mut read).is_none() {
            return Ok(None);
        }
        let group_by: Vec<Expr> = read.iter().map(|&i| Expr::Column(i)).collect();
        let Some((groups, first)) = super::grouping::group_rows(readers, rows, &group_by) else {
            return Ok(None);
        };
        if first.len() * 4 > rows.len() + 64 {
            // Nearly a combination per row: nothing to share.
            return Ok(None);
        }
        let mut buf: Vec<Val<'w>> = vec![Val::Null; width];
        let mut truth = Vec::with_capacity(first.len());
        for &r in &first {
            for &i in &read {
                if let (Some(slot), Some(column)) =
                    (buf.get_mut(i), crate::sql::catalog::column_at(readers, i))
                {
                    *slot = column.get(r as usize);
                }
            }
            match self.eval(e, &buf) {
                Ok(v) => truth.push(v.truth()),
                Err(err) if errors => return Err(err),
                Err(_) => return Ok(None),
            }
        }
        Ok(Some((groups, truth)))
    }
}

/// `column op constant` (or `constant op column`) of a scan, and its test of one row.
struct Comparison<'r, 'w> {
    column: &'r ScanColumn<'w>,
    op: BinOp,
    coerce: Coerce,
    constant: Val<'w>,
    column_left: bool,
}

impl Comparison<'_, '_> {
    fn holds(&self, row: usize) -> bool {
        let v = self.column.get(row);
        let (a, b) = if self.column_left {
            (v, self.constant.clone())
        } else {
            (self.constant.clone(), v)
        };
        binary(self.op, self.coerce, a, b).truth() == Some(true)
    }
}

/// An expression that is the same for every row: literals, uncorrelated scalar
/// subqueries, and arithmetic and functions over them.
fn is_constant(e: &Expr) -> bool {
    match e {
        Expr::Literal(_) => true,
        Expr::Subquery { correlated, .. } => !correlated,
        Expr::Neg(x) | Expr::Cast { expr: x, .. } => is_constant(x),
        Expr::Binary {
            op, left, right, ..
        } => !matches!(op, BinOp::And | BinOp::Or) && is_constant(left) && is_constant(right),
        Expr::Call { args, .. } => args.iter().all(is_constant),
        _ => false,
    }
}

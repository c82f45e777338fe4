//! Leaf relations: a base table's scan (a selection vector over its columns) and
//! literal rows (`VALUES`).

use super::{err, Exec, Rel};
use crate::sql::error::SqlError;
use crate::sql::plan::Expr;
use std::rc::Rc;

impl<'a, 'w> Exec<'a, 'w> {
    pub(super) fn scan(&self, table: &str, columns: &[String]) -> Result<Rel<'w>, SqlError> {
        let scan = self.catalog.scan(table, columns).map_err(err)?;
        Ok(Rel::Scan {
            width: columns.len(),
            readers: Rc::new(
                scan.columns
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, r)| r.map(|r| (i, r)))
                    .collect(),
            ),
            rows: scan.rows,
        })
    }

    pub(super) fn values(&self, width: usize, rows: &[Vec<Expr>]) -> Result<Rel<'w>, SqlError> {
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let values = row
                .iter()
                .map(|e| self.eval(e, &[]))
                .collect::<Result<Vec<_>, _>>()?;
            out.push(values);
        }
        Ok(Rel::Rows { width, rows: out })
    }
}

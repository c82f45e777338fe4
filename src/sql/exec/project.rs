//! Projection: one output column per expression, reading a scan's plain columns
//! straight from their readers.

use super::{Exec, Rel};
use crate::sql::catalog::ScanColumn;
use crate::sql::error::SqlError;
use crate::sql::plan::Expr;

impl<'a, 'w> Exec<'a, 'w> {
    /// One output row per input row, one column per expression.
    pub(super) fn project(&self, rel: Rel<'w>, exprs: &[Expr]) -> Result<Rel<'w>, SqlError> {
        let mut out = Vec::new();
        if let (Rel::Scan { readers, rows, .. }, false) = (&rel, self.options.general_only) {
            // Plain columns of a scan: read each straight from its column.
            let direct: Option<Vec<&ScanColumn<'w>>> = exprs
                .iter()
                .map(|e| match e {
                    Expr::Column(i) => crate::sql::catalog::column_at(readers, *i),
                    _ => None,
                })
                .collect();
            if let Some(direct) = direct {
                self.note("projection: columns read in place");
                self.check_need(super::rows_bytes(rows.len(), exprs.len()))?;
                out.reserve(rows.len());
                for (i, &r) in rows.iter().enumerate() {
                    if i % 65_536 == 65_535 {
                        self.check_memory()?;
                    }
                    out.push(direct.iter().map(|c| c.get(r as usize)).collect());
                }
                return Ok(Rel::Rows {
                    width: exprs.len(),
                    rows: out,
                });
            }
        }
        rel.for_each(|_, row| {
            self.check_push(&out)?;
            let values = exprs
                .iter()
                .map(|e| self.eval(e, row))
                .collect::<Result<Vec<_>, _>>()?;
            out.push(values);
            Ok(())
        })?;
        Ok(Rel::Rows {
            width: exprs.len(),
            rows: out,
        })
    }
}

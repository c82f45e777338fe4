//! Predicates with their own syntax: `BETWEEN`, `IN` (a list or a subquery) and `LIKE`,
//! compiled to comparisons with SQLite's affinity conversions.

use super::affinity::coerce_for;
use super::{unsupported, Cx, Planner};
use crate::sql::error::SqlError;
use crate::sql::plan::{Affinity, BinOp, Coerce, Expr};
use sqlparser::ast;

impl<'s> Planner<'s> {
    /// `x [NOT] BETWEEN low AND high`: `x >= low AND x <= high`, each with its own
    /// conversions.
    pub(super) fn between(
        &mut self,
        expr: &ast::Expr,
        negated: bool,
        low: &ast::Expr,
        high: &ast::Expr,
        cx: &mut Cx<'_>,
    ) -> Result<(Expr, Affinity), SqlError> {
        let none = Affinity::None;
        let (x, xa) = self.expr(expr, cx)?;
        let (lo, la) = self.expr(low, cx)?;
        let (hi, ha) = self.expr(high, cx)?;
        let both = Expr::Binary {
            op: BinOp::And,
            left: Box::new(Expr::Binary {
                op: BinOp::GtEq,
                left: Box::new(x.clone()),
                right: Box::new(lo),
                coerce: coerce_for(xa, la),
            }),
            right: Box::new(Expr::Binary {
                op: BinOp::LtEq,
                left: Box::new(x),
                right: Box::new(hi),
                coerce: coerce_for(xa, ha),
            }),
            coerce: Coerce::None,
        };
        Ok((
            if negated {
                Expr::Not(Box::new(both))
            } else {
                both
            },
            none,
        ))
    }

    /// `x [NOT] IN (list)` and `x [NOT] IN (subquery)`.
    pub(super) fn in_(
        &mut self,
        expr: &ast::Expr,
        target: &ast::InTarget,
        negated: bool,
        global: bool,
        cx: &mut Cx<'_>,
    ) -> Result<(Expr, Affinity), SqlError> {
        let none = Affinity::None;
        if global {
            return Err(unsupported("GLOBAL IN"));
        }
        let (x, xa) = self.expr(expr, cx)?;
        Ok(match target {
            ast::InTarget::List(list) => {
                let mut items = Vec::new();
                for item in list {
                    let (i, ia) = self.expr(item, cx)?;
                    items.push((i, coerce_for(xa, ia)));
                }
                (
                    Expr::InList {
                        expr: Box::new(x),
                        list: items,
                        negated,
                    },
                    none,
                )
            }
            ast::InTarget::Subquery(q) => {
                let (plan, cols, correlated) = self.subquery(q, cx)?;
                if cols.len() != 1 {
                    return Err(SqlError::new(format!(
                        "sub-select returns {} columns - expected 1",
                        cols.len()
                    )));
                }
                (
                    Expr::InSubquery {
                        expr: Box::new(x),
                        plan: Box::new(plan),
                        correlated,
                        coerce: coerce_for(xa, cols[0].affinity),
                        negated,
                    },
                    none,
                )
            }
            _ => return Err(unsupported("this IN target")),
        })
    }

    /// `x [NOT] LIKE pattern [ESCAPE c]`.
    pub(super) fn like(
        &mut self,
        expr: &ast::Expr,
        pattern: &ast::Expr,
        escape_char: Option<&ast::Expr>,
        negated: bool,
        any: bool,
        cx: &mut Cx<'_>,
    ) -> Result<(Expr, Affinity), SqlError> {
        let none = Affinity::None;
        if any {
            return Err(unsupported("LIKE ANY"));
        }
        let (x, _) = self.expr(expr, cx)?;
        let (p, _) = self.expr(pattern, cx)?;
        let escape = match escape_char {
            Some(esc) => Some(Box::new(self.expr(esc, cx)?.0)),
            None => None,
        };
        Ok((
            Expr::Like {
                expr: Box::new(x),
                pattern: Box::new(p),
                escape,
                negated,
            },
            none,
        ))
    }
}

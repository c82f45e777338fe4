//! A query body: a `SELECT`, a nested query, `VALUES`, or a compound of them
//! (`UNION [ALL]`, `INTERSECT`, `EXCEPT`).

use super::{unsupported, Cx, OutCol, Planned, Planner, Scope};
use crate::sql::error::SqlError;
use crate::sql::plan::{Affinity, Plan, SetOp};
use sqlparser::ast;

impl<'s> Planner<'s> {
    pub(super) fn set_expr(&mut self, body: &ast::SetExpr) -> Result<Planned, SqlError> {
        self.enter()?;
        let r = self.set_expr_inner(body);
        self.leave();
        r
    }

    pub(super) fn set_expr_inner(&mut self, body: &ast::SetExpr) -> Result<Planned, SqlError> {
        match body {
            ast::SetExpr::Select(select) => self.select(select, &[]),
            ast::SetExpr::Query(q) => self.query(q),
            ast::SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            } => {
                let l = self.set_expr(left)?;
                let r = self.set_expr(right)?;
                if l.columns.len() != r.columns.len() {
                    return Err(SqlError::new(format!(
                        "SELECTs to the left and right of {op} do not have the same number of result columns"
                    )));
                }
                let all = match set_quantifier {
                    ast::SetQuantifier::All => true,
                    ast::SetQuantifier::Distinct | ast::SetQuantifier::None => false,
                    other => return Err(unsupported(format!("{op} {other}"))),
                };
                let op = match (op, all) {
                    (ast::SetOperator::Union, true) => SetOp::UnionAll,
                    (ast::SetOperator::Union, false) => SetOp::Union,
                    (ast::SetOperator::Intersect, false) => SetOp::Intersect,
                    (ast::SetOperator::Except, false) => SetOp::Except,
                    (other, _) => return Err(unsupported(format!("{other} {set_quantifier}"))),
                };
                Ok(Planned {
                    plan: Plan::SetOp {
                        op,
                        left: Box::new(l.plan),
                        right: Box::new(r.plan),
                    },
                    columns: l.columns,
                })
            }
            ast::SetExpr::Values(values) => {
                let scope = Scope::default();
                let mut rows = Vec::new();
                let mut width = None;
                for row in &values.rows {
                    let mut cx = Cx {
                        scope: &scope,
                        group: None,
                        windows: None,
                        aliases: &[],
                        expanding: Vec::new(),
                        clause: "VALUES",
                    };
                    let mut planned = Vec::new();
                    for e in row.iter() {
                        planned.push(self.expr(e, &mut cx)?.0);
                    }
                    if width.is_some_and(|w| w != planned.len()) {
                        return Err(SqlError::new(
                            "all VALUES must have the same number of terms",
                        ));
                    }
                    width = Some(planned.len());
                    rows.push(planned);
                }
                let width = width.unwrap_or(0);
                Ok(Planned {
                    plan: Plan::Values { width, rows },
                    columns: (1..=width)
                        .map(|i| OutCol {
                            name: format!("column{i}"),
                            affinity: Affinity::None,
                        })
                        .collect(),
                })
            }
            other => Err(unsupported(format!(
                "{} as a query",
                other
                    .to_string()
                    .split_whitespace()
                    .next()
                    .unwrap_or("this")
            ))),
        }
    }
}

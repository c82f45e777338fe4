//! `ORDER BY`: sort keys with their `ASC`/`DESC` and `NULLS FIRST/LAST`, result-column
//! ordinals (shared with `GROUP BY` and window functions), and the `ORDER BY` of a
//! compound query, which may only name its result columns.

use super::{unsupported, Planned, Planner};
use crate::sql::error::SqlError;
use crate::sql::plan::{Expr, Plan, SortKey};
use sqlparser::ast;

impl<'s> Planner<'s> {
    /// ORDER BY of a compound query: by result column (ordinal or name).
    pub(super) fn order_compound(
        &mut self,
        planned: Planned,
        order: &[ast::OrderByExpr],
    ) -> Result<Planned, SqlError> {
        if order.is_empty() {
            return Ok(planned);
        }
        let mut keys = Vec::new();
        for (n, o) in order.iter().enumerate() {
            let index = match &o.expr {
                ast::Expr::Value(v) => match &v.value {
                    ast::Value::Number(s, _) => ordinal(s, n, planned.columns.len())?,
                    _ => None,
                },
                ast::Expr::Identifier(id) => planned
                    .columns
                    .iter()
                    .position(|c| c.name.eq_ignore_ascii_case(&id.value)),
                ast::Expr::CompoundIdentifier(ids) => ids.last().and_then(|id| {
                    planned
                        .columns
                        .iter()
                        .position(|c| c.name.eq_ignore_ascii_case(&id.value))
                }),
                _ => None,
            };
            let Some(index) = index else {
                return Err(SqlError::new(format!(
                    "{} ORDER BY term does not match any column in the result set",
                    nth(n + 1)
                )));
            };
            keys.push(sort_key(Expr::Column(index), &o.options)?);
        }
        Ok(Planned {
            plan: Plan::Sort {
                input: Box::new(planned.plan),
                keys,
            },
            columns: planned.columns,
        })
    }
}

pub(super) fn nth(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, x) if x != 11 => "st",
        (2, x) if x != 12 => "nd",
        (3, x) if x != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// A result-column ordinal (1-based) in ORDER BY / GROUP BY: its index, or `None` when
/// the number is not an integer (then it is an expression, a constant).
pub(super) fn ordinal(text: &str, n: usize, columns: usize) -> Result<Option<usize>, SqlError> {
    let Ok(k) = text.parse::<i64>() else {
        return Ok(None);
    };
    if k < 1 || k as usize > columns {
        return Err(SqlError::new(format!(
            "{} ORDER BY term out of range - should be between 1 and {columns}",
            nth(n + 1)
        )));
    }
    Ok(Some(k as usize - 1))
}

pub(super) fn sort_key(expr: Expr, options: &ast::OrderByOptions) -> Result<SortKey, SqlError> {
    let desc = match &options.sort {
        None | Some(ast::OrderBySort::Asc) => false,
        Some(ast::OrderBySort::Desc) => true,
        Some(ast::OrderBySort::Using(_)) => return Err(unsupported("ORDER BY ... USING")),
    };
    Ok(SortKey {
        expr,
        desc,
        nulls_first: options.nulls_first,
    })
}

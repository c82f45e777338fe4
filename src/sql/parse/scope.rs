//! Name resolution: a column name through this query's `FROM` (`Scope`), result
//! aliases (where the clause allows) and the enclosing queries (outer references).

use super::{at, unsupported, Cx, Planner};
use crate::sql::error::SqlError;
use crate::sql::plan::{Affinity, Expr};

impl<'s> Planner<'s> {
    /// Resolves a column name: this query's FROM, then result aliases (where allowed),
    /// then the enclosing queries.
    pub(super) fn column(
        &mut self,
        table: Option<&str>,
        name: &str,
        span: sqlparser::tokenizer::Span,
        cx: &mut Cx<'_>,
    ) -> Result<(Expr, Affinity), SqlError> {
        let display = match table {
            Some(t) => format!("{t}.{name}"),
            None => name.to_string(),
        };
        if let Some(i) = cx.scope.find(table, name).map_err(|e| at(e, span))? {
            if cx.group.is_some() {
                return Err(at(
                    SqlError::new(format!(
                        "not supported: column {display} in {} must appear in the GROUP BY clause or be used in an aggregate function",
                        cx.clause
                    )),
                    span,
                ));
            }
            cx.scope.mark(i);
            return Ok((Expr::Column(i), cx.scope.cols[i].affinity));
        }
        if table.is_none() {
            if let Some((alias, e)) = cx
                .aliases
                .iter()
                .find(|(a, _)| a.eq_ignore_ascii_case(name))
                .cloned()
            {
                if cx.expanding.iter().any(|x| x.eq_ignore_ascii_case(&alias)) {
                    return Err(SqlError::new(format!("circular reference: {alias}")));
                }
                cx.expanding.push(alias);
                let r = self.expr(&e, cx);
                cx.expanding.pop();
                return r;
            }
        }
        for level in (0..self.levels.len()).rev() {
            let found = self.levels[level]
                .find(table, name)
                .map_err(|e| at(e, span))?;
            if let Some(i) = found {
                if self.levels[level].sealed {
                    return Err(at(
                        unsupported(format!(
                            "the correlated reference to {display} (a subquery may refer to an outer query's columns in its WHERE, ON and non-grouped SELECT list)"
                        )),
                        span,
                    ));
                }
                self.levels[level].mark(i);
                self.refs.push(level);
                let depth = self.levels.len() - level;
                return Ok((
                    Expr::Outer { depth, index: i },
                    self.levels[level].cols[i].affinity,
                ));
            }
        }
        Err(at(
            SqlError::new(format!("no such column: {display}")),
            span,
        ))
    }
}

//! A query: `WITH` (CTEs), its body (`select`, `set_expr`), its `ORDER BY` (`order_by`)
//! and `LIMIT`/`OFFSET`.

use super::from::rename;
use super::{unsupported, Cte, Cx, Planned, Planner, Scope};
use crate::sql::error::SqlError;
use crate::sql::plan::{Expr, Plan};
use sqlparser::ast;

impl<'s> Planner<'s> {
    pub(super) fn query(&mut self, q: &ast::Query) -> Result<Planned, SqlError> {
        self.enter()?;
        let result = self.query_inner(q);
        self.leave();
        result
    }

    pub(super) fn query_inner(&mut self, q: &ast::Query) -> Result<Planned, SqlError> {
        if q.fetch.is_some()
            || !q.locks.is_empty()
            || q.for_clause.is_some()
            || q.settings.is_some()
            || q.format_clause.is_some()
            || !q.pipe_operators.is_empty()
        {
            return Err(unsupported("FETCH, FOR, SETTINGS, FORMAT and pipe clauses"));
        }
        let ctes_before = self.ctes.len();
        let result = (|| {
            if let Some(with) = &q.with {
                if with.recursive {
                    return Err(unsupported("WITH RECURSIVE"));
                }
                for cte in &with.cte_tables {
                    if cte.from.is_some() {
                        return Err(unsupported("CTE FROM clauses"));
                    }
                    let mut planned = self.query(&cte.query)?;
                    rename(&mut planned, &cte.alias)?;
                    self.ctes.push(Cte {
                        name: cte.alias.name.value.clone(),
                        planned,
                    });
                }
            }
            let order = match &q.order_by {
                None => &[][..],
                Some(o) => match &o.kind {
                    ast::OrderByKind::Expressions(e) => {
                        if o.interpolate.is_some() {
                            return Err(unsupported("ORDER BY INTERPOLATE"));
                        }
                        &e[..]
                    }
                    ast::OrderByKind::All(_) => return Err(unsupported("ORDER BY ALL")),
                },
            };
            let (limit, offset) = match &q.limit_clause {
                None => (None, None),
                Some(ast::LimitClause::LimitOffset {
                    limit,
                    offset,
                    limit_by,
                }) => {
                    if !limit_by.is_empty() {
                        return Err(unsupported("LIMIT BY"));
                    }
                    (limit.as_ref(), offset.as_ref().map(|o| &o.value))
                }
                Some(ast::LimitClause::OffsetCommaLimit { offset, limit }) => {
                    (Some(limit), Some(offset))
                }
            };
            let limit = self.constant(limit)?;
            let offset = self.constant(offset)?;
            let planned = match q.body.as_ref() {
                ast::SetExpr::Select(select) => self.select(select, order)?,
                body => {
                    let planned = self.set_expr(body)?;
                    self.order_compound(planned, order)?
                }
            };
            Ok(if limit.is_some() || offset.is_some() {
                Planned {
                    plan: Plan::Limit {
                        input: Box::new(planned.plan),
                        limit,
                        offset,
                    },
                    columns: planned.columns,
                }
            } else {
                planned
            })
        })();
        self.ctes.truncate(ctes_before);
        result
    }

    /// A LIMIT/OFFSET expression: no columns.
    pub(super) fn constant(&mut self, e: Option<&ast::Expr>) -> Result<Option<Expr>, SqlError> {
        let Some(e) = e else { return Ok(None) };
        let scope = Scope::default();
        let mut cx = Cx {
            scope: &scope,
            group: None,
            windows: None,
            aliases: &[],
            expanding: Vec::new(),
            clause: "LIMIT",
        };
        Ok(Some(self.expr(e, &mut cx)?.0))
    }
}

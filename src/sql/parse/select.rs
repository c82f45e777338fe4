//! A `SELECT`: `FROM`, its select list (`select_list`), `WHERE`, `GROUP BY`, `HAVING`,
//! windows, `DISTINCT` and `ORDER BY`.

use super::function::{contains_aggregate, contains_window};
use super::order_by::{nth, ordinal, sort_key};
use super::rewrite::{join_and, map_columns, push_into_joins, split_and, width};
use super::{unsupported, Cx, Grouping, OutCol, Planned, Planner, Scope, WINDOW_BASE};
use crate::sql::error::SqlError;
use crate::sql::plan::{Affinity, Expr, Plan, SortKey, WindowFunction};
use sqlparser::ast;

impl<'s> Planner<'s> {
    pub(super) fn select(
        &mut self,
        s: &ast::Select,
        order: &[ast::OrderByExpr],
    ) -> Result<Planned, SqlError> {
        if s.top.is_some()
            || s.into.is_some()
            || !s.lateral_views.is_empty()
            || s.prewhere.is_some()
            || !s.connect_by.is_empty()
            || !s.cluster_by.is_empty()
            || !s.distribute_by.is_empty()
            || !s.sort_by.is_empty()
            || !s.named_window.is_empty()
            || s.qualify.is_some()
            || s.value_table_mode.is_some()
            || s.exclude.is_some()
            || s.select_modifiers.is_some()
            || !s.optimizer_hints.is_empty()
            || !matches!(s.flavor, ast::SelectFlavor::Standard)
        {
            return Err(unsupported(
                "this SELECT clause (TOP, INTO, QUALIFY, WINDOW, named windows, ...)",
            ));
        }
        let distinct = match &s.distinct {
            None | Some(ast::Distinct::All) => false,
            Some(ast::Distinct::Distinct) => true,
            Some(ast::Distinct::On(_)) => return Err(unsupported("DISTINCT ON")),
        };
        let group_terms = match &s.group_by {
            ast::GroupByExpr::Expressions(e, modifiers) => {
                if !modifiers.is_empty() {
                    return Err(unsupported("GROUP BY modifiers (ROLLUP, CUBE, ...)"));
                }
                &e[..]
            }
            ast::GroupByExpr::All(_) => return Err(unsupported("GROUP BY ALL")),
        };

        // FROM
        let (mut plan, scope) = self.from(&s.from)?;

        // The select list, with * expanded, as (expression, name).
        let items = self.select_items(&s.projection, &scope)?;
        let aliases: Vec<(String, ast::Expr)> = s
            .projection
            .iter()
            .filter_map(|i| match i {
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    Some((alias.value.clone(), expr.clone()))
                }
                _ => None,
            })
            .collect();

        // WHERE
        if let Some(w) = &s.selection {
            if contains_aggregate(w) {
                return Err(SqlError::new("misuse of aggregate function in WHERE"));
            }
            if contains_window(w) {
                return Err(SqlError::new("misuse of window function in WHERE"));
            }
            let mut cx = Cx {
                scope: &scope,
                group: None,
                windows: None,
                aliases: &aliases,
                expanding: Vec::new(),
                clause: "WHERE",
            };
            let predicate = self.expr(w, &mut cx)?.0;
            let mut conjuncts = Vec::new();
            split_and(predicate, &mut conjuncts);
            let rest = push_into_joins(&mut plan, conjuncts);
            if let Some(predicate) = join_and(rest) {
                plan = Plan::Filter {
                    input: Box::new(plan),
                    predicate,
                };
            }
        }

        let grouped = !group_terms.is_empty()
            || s.having.is_some()
            || items
                .iter()
                .any(|(e, _, star)| star.is_none() && contains_aggregate(e))
            || order.iter().any(|o| contains_aggregate(&o.expr));

        let mut windows: Vec<WindowFunction> = Vec::new();
        let mut select_exprs: Vec<(Expr, Affinity)> = Vec::new();
        let mut grouping = Grouping::default();
        let mut having = None;
        if grouped {
            // GROUP BY terms: alias, ordinal, or expression over the FROM row.
            for (n, g) in group_terms.iter().enumerate() {
                let term: ast::Expr = match g {
                    ast::Expr::Identifier(id)
                        if scope.find(None, &id.value)?.is_none()
                            || aliases
                                .iter()
                                .any(|(a, _)| a.eq_ignore_ascii_case(&id.value)) =>
                    {
                        match aliases
                            .iter()
                            .find(|(a, _)| a.eq_ignore_ascii_case(&id.value))
                        {
                            Some((_, e)) => e.clone(),
                            None => g.clone(),
                        }
                    }
                    ast::Expr::Value(v) if matches!(v.value, ast::Value::Number(..)) => {
                        let ast::Value::Number(text, _) = &v.value else {
                            unreachable!()
                        };
                        match ordinal(text, n, items.len())? {
                            Some(i) => match &items[i] {
                                (_, _, Some(star)) => ast::Expr::Identifier(ast::Ident::new(
                                    scope.cols[*star].name.clone(),
                                )),
                                (e, _, None) => e.clone(),
                            },
                            None => g.clone(),
                        }
                    }
                    _ => g.clone(),
                };
                if contains_aggregate(&term) {
                    return Err(SqlError::new(
                        "aggregate functions are not allowed in the GROUP BY clause",
                    ));
                }
                let mut cx = Cx {
                    scope: &scope,
                    group: None,
                    windows: None,
                    aliases: &[],
                    expanding: Vec::new(),
                    clause: "GROUP BY",
                };
                let e = self.expr(&term, &mut cx)?.0;
                grouping.exprs.push(e);
            }
            let sealed = Scope {
                cols: scope.cols.clone(),
                sealed: true,
            };
            for (e, _, star) in &items {
                let planned = match star {
                    Some(i) => {
                        scope.mark(*i);
                        let col = Expr::Column(*i);
                        match grouping.exprs.iter().position(|g| *g == col) {
                            Some(g) => (Expr::Column(g), scope.cols[*i].affinity),
                            None => {
                                return Err(SqlError::new(format!(
                                    "not supported: column {} must appear in the GROUP BY clause or be used in an aggregate function",
                                    scope.cols[*i].name
                                )))
                            }
                        }
                    }
                    None => {
                        let mut cx = Cx {
                            scope: &sealed,
                            group: Some(&mut grouping),
                            windows: Some(&mut windows),
                            aliases: &[],
                            expanding: Vec::new(),
                            clause: "SELECT",
                        };
                        self.expr(e, &mut cx)?
                    }
                };
                select_exprs.push(planned);
            }
            if let Some(h) = &s.having {
                if contains_window(h) {
                    return Err(SqlError::new("misuse of window function in HAVING"));
                }
                let mut cx = Cx {
                    scope: &sealed,
                    group: Some(&mut grouping),
                    windows: None,
                    aliases: &aliases,
                    expanding: Vec::new(),
                    clause: "HAVING",
                };
                having = Some(self.expr(h, &mut cx)?.0);
            }
        } else {
            for (e, _, star) in &items {
                let planned = match star {
                    Some(i) => {
                        scope.mark(*i);
                        (Expr::Column(*i), scope.cols[*i].affinity)
                    }
                    None => {
                        let mut cx = Cx {
                            scope: &scope,
                            group: None,
                            windows: Some(&mut windows),
                            aliases: &[],
                            expanding: Vec::new(),
                            clause: "SELECT",
                        };
                        self.expr(e, &mut cx)?
                    }
                };
                select_exprs.push(planned);
            }
        }

        // ORDER BY: alias, ordinal, or an expression (hidden column when not selected).
        let mut hidden: Vec<Expr> = Vec::new();
        let mut keys: Vec<SortKey> = Vec::new();
        let sealed = Scope {
            cols: scope.cols.clone(),
            sealed: grouped,
        };
        for (n, o) in order.iter().enumerate() {
            let by_alias = match &o.expr {
                ast::Expr::Identifier(id) => items
                    .iter()
                    .position(|(_, name, star)| {
                        star.is_none() && name.eq_ignore_ascii_case(&id.value)
                    })
                    .filter(|&i| {
                        aliases
                            .iter()
                            .any(|(a, _)| a.eq_ignore_ascii_case(&items[i].1))
                    }),
                ast::Expr::Value(v) => match &v.value {
                    ast::Value::Number(text, _) => ordinal(text, n, items.len())?,
                    _ => None,
                },
                _ => None,
            };
            let index = match by_alias {
                Some(i) => i,
                None => {
                    let mut cx = Cx {
                        scope: &sealed,
                        group: if grouped { Some(&mut grouping) } else { None },
                        windows: Some(&mut windows),
                        aliases: &[],
                        expanding: Vec::new(),
                        clause: "ORDER BY",
                    };
                    let (e, _) = self.expr(&o.expr, &mut cx)?;
                    match select_exprs.iter().position(|(s, _)| *s == e) {
                        Some(i) => i,
                        None => {
                            if distinct {
                                return Err(SqlError::new(format!(
                                    "not supported: {} ORDER BY term of a SELECT DISTINCT must be one of its result columns",
                                    nth(n + 1)
                                )));
                            }
                            hidden.push(e);
                            items.len() + hidden.len() - 1
                        }
                    }
                }
            };
            keys.push(sort_key(Expr::Column(index), &o.options)?);
        }

        if grouped {
            plan = Plan::Aggregate {
                input: Box::new(plan),
                group_by: grouping.exprs.clone(),
                aggregates: grouping.aggregates.clone(),
            };
            if let Some(predicate) = having {
                plan = Plan::Filter {
                    input: Box::new(plan),
                    predicate,
                };
            }
        }
        let base = width(&plan);
        let fix = |e: &mut Expr| {
            map_columns(e, &|i| {
                if i >= WINDOW_BASE {
                    base + (i - WINDOW_BASE)
                } else {
                    i
                }
            })
        };
        if !windows.is_empty() {
            plan = Plan::Window {
                input: Box::new(plan),
                functions: windows,
            };
        }
        let mut exprs: Vec<Expr> = select_exprs.iter().map(|(e, _)| e.clone()).collect();
        exprs.extend(hidden.iter().cloned());
        for e in &mut exprs {
            fix(e);
        }
        let visible = items.len();
        plan = Plan::Project {
            input: Box::new(plan),
            exprs,
        };
        if distinct {
            plan = Plan::Distinct {
                input: Box::new(plan),
            };
        }
        if !keys.is_empty() {
            plan = Plan::Sort {
                input: Box::new(plan),
                keys,
            };
        }
        if !hidden.is_empty() {
            plan = Plan::Project {
                input: Box::new(plan),
                exprs: (0..visible).map(Expr::Column).collect(),
            };
        }
        Ok(Planned {
            plan,
            columns: items
                .iter()
                .zip(&select_exprs)
                .map(|((_, name, _), (_, affinity))| OutCol {
                    name: name.clone(),
                    affinity: *affinity,
                })
                .collect(),
        })
    }
}

//! `FROM`: base tables, CTE references, subqueries and nested joins, joined (`JOIN`,
//! `LEFT JOIN`, `CROSS JOIN`, commas) on hash keys where the condition allows; no
//! `FROM` is one empty row. A scan's columns are filled in once the whole statement
//! is planned, so only the used ones are read.

use super::affinity::affinity_of;
use super::function::{contains_aggregate, contains_window};
use super::rewrite::{equi_keys, expr_children_mut, exprs_mut, join_and, split_and};
use super::{at, unsupported, Cx, Planned, Planner, ScanInfo, Scope, ScopeCol, SCAN_PLACEHOLDER};
use crate::sql::error::SqlError;
use crate::sql::plan::{Affinity, Expr, JoinKind, Plan};
use sqlparser::ast;
use sqlparser::ast::Spanned;
use std::cell::RefCell;
use std::rc::Rc;

impl<'s> Planner<'s> {
    pub(super) fn finish_scans(&self, plan: &mut Plan) {
        if let Plan::Scan { table, columns } = plan {
            if let Some(id) = table.strip_prefix(SCAN_PLACEHOLDER) {
                if let Some(info) = id.parse::<usize>().ok().and_then(|i| self.scans.get(i)) {
                    let used = info.used.borrow();
                    *table = info.table.clone();
                    *columns = info
                        .columns
                        .iter()
                        .zip(used.iter())
                        .map(|(c, &u)| if u { c.clone() } else { String::new() })
                        .collect();
                }
            }
            return;
        }
        exprs_mut(plan, &mut |e| self.finish_expr(e));
        for child in plan.inputs_mut() {
            self.finish_scans(child);
        }
    }

    pub(super) fn finish_expr(&self, e: &mut Expr) {
        expr_children_mut(e, &mut |x| self.finish_expr(x), &mut |p| {
            self.finish_scans(p)
        });
    }

    pub(super) fn from(&mut self, from: &[ast::TableWithJoins]) -> Result<(Plan, Scope), SqlError> {
        let mut acc: Option<(Plan, Scope)> = None;
        for twj in from {
            let (plan, scope) = self.table_with_joins(twj)?;
            acc = Some(match acc {
                None => (plan, scope),
                Some((lp, mut ls)) => {
                    ls.cols.extend(scope.cols);
                    (
                        Plan::Join {
                            left: Box::new(lp),
                            right: Box::new(plan),
                            kind: JoinKind::Inner,
                            left_keys: Vec::new(),
                            right_keys: Vec::new(),
                            condition: None,
                        },
                        ls,
                    )
                }
            });
        }
        Ok(acc.unwrap_or((
            Plan::Values {
                width: 0,
                rows: vec![Vec::new()],
            },
            Scope::default(),
        )))
    }

    pub(super) fn table_with_joins(
        &mut self,
        twj: &ast::TableWithJoins,
    ) -> Result<(Plan, Scope), SqlError> {
        let (mut plan, mut scope) = self.factor(&twj.relation)?;
        for j in &twj.joins {
            if j.global {
                return Err(unsupported("GLOBAL joins"));
            }
            let (rplan, rscope) = self.factor(&j.relation)?;
            let (kind, constraint) = match &j.join_operator {
                ast::JoinOperator::Join(c) | ast::JoinOperator::Inner(c) => {
                    (JoinKind::Inner, Some(c))
                }
                ast::JoinOperator::Left(c) | ast::JoinOperator::LeftOuter(c) => {
                    (JoinKind::Left, Some(c))
                }
                ast::JoinOperator::CrossJoin(c) => (JoinKind::Inner, Some(c)),
                other => {
                    // The SQL words, not the parser's variant names (`FullOuter`).
                    let name = match other {
                        ast::JoinOperator::FullOuter(_) => "FULL JOIN",
                        ast::JoinOperator::Right(_) | ast::JoinOperator::RightOuter(_) => {
                            "RIGHT JOIN"
                        }
                        ast::JoinOperator::Semi(_)
                        | ast::JoinOperator::LeftSemi(_)
                        | ast::JoinOperator::RightSemi(_) => "SEMI JOIN",
                        ast::JoinOperator::Anti(_)
                        | ast::JoinOperator::LeftAnti(_)
                        | ast::JoinOperator::RightAnti(_) => "ANTI JOIN",
                        ast::JoinOperator::CrossApply | ast::JoinOperator::OuterApply => "APPLY",
                        ast::JoinOperator::AsOf { .. } => "ASOF JOIN",
                        _ => "this join",
                    };
                    return Err(unsupported(format!(
                        "{name} (JOIN, LEFT JOIN and CROSS JOIN are)"
                    )));
                }
            };
            let lw = scope.cols.len();
            scope.cols.extend(rscope.cols);
            let conjuncts = match constraint {
                Some(ast::JoinConstraint::On(e)) => {
                    if contains_aggregate(e) || contains_window(e) {
                        return Err(SqlError::new(
                            "misuse of aggregate or window function in ON",
                        ));
                    }
                    let mut cx = Cx {
                        scope: &scope,
                        group: None,
                        windows: None,
                        aliases: &[],
                        expanding: Vec::new(),
                        clause: "ON",
                    };
                    let e = self.expr(e, &mut cx)?.0;
                    let mut c = Vec::new();
                    split_and(e, &mut c);
                    c
                }
                Some(ast::JoinConstraint::None) | None => Vec::new(),
                Some(ast::JoinConstraint::Using(_)) => {
                    return Err(unsupported("JOIN ... USING (write ON a.x = b.x)"))
                }
                Some(ast::JoinConstraint::Natural) => {
                    return Err(unsupported("NATURAL JOIN (write ON a.x = b.x)"))
                }
                Some(ast::JoinConstraint::UsingAlias(..)) => {
                    return Err(unsupported("USING ... AS"))
                }
            };
            let (left_keys, right_keys, rest) = equi_keys(conjuncts, lw);
            plan = Plan::Join {
                left: Box::new(plan),
                right: Box::new(rplan),
                kind,
                left_keys,
                right_keys,
                condition: join_and(rest),
            };
        }
        Ok((plan, scope))
    }

    pub(super) fn factor(&mut self, f: &ast::TableFactor) -> Result<(Plan, Scope), SqlError> {
        match f {
            ast::TableFactor::Table {
                name,
                alias,
                args,
                with_hints,
                version,
                with_ordinality,
                partitions,
                json_path,
                sample,
                index_directives,
                inheritance,
            } => {
                if args.is_some()
                    || !with_hints.is_empty()
                    || version.is_some()
                    || *with_ordinality
                    || !partitions.is_empty()
                    || json_path.is_some()
                    || sample.is_some()
                    || !index_directives.is_empty()
                    || inheritance.is_some()
                {
                    return Err(unsupported(format!("table options on {name}")));
                }
                let parts: Vec<String> = name
                    .0
                    .iter()
                    .map(|p| match p {
                        ast::ObjectNamePart::Identifier(i) => Ok(i.value.clone()),
                        _ => Err(unsupported("table functions")),
                    })
                    .collect::<Result<_, _>>()?;
                let table = match parts.as_slice() {
                    [t] => t.clone(),
                    [schema, t] if schema.eq_ignore_ascii_case("main") => t.clone(),
                    _ => return Err(SqlError::new(format!("no such table: {name}"))),
                };
                let alias_name = alias
                    .as_ref()
                    .map(|a| a.name.value.clone())
                    .unwrap_or_else(|| table.clone());
                // A CTE of that name (innermost first), else a table of the schema.
                let planned = if let Some(cte) = self
                    .ctes
                    .iter()
                    .rev()
                    .find(|c| c.name.eq_ignore_ascii_case(&table))
                {
                    let mut p = cte.planned.clone();
                    if let Some(a) = alias {
                        rename(&mut p, a)?;
                    }
                    let scope = Scope {
                        cols: p
                            .columns
                            .iter()
                            .map(|c| ScopeCol {
                                table: alias_name.clone(),
                                name: c.name.clone(),
                                affinity: c.affinity,
                                used: None,
                            })
                            .collect(),
                        sealed: false,
                    };
                    return Ok((p.plan, scope));
                } else {
                    self.schema.table(&table)
                };
                let Some(t) = planned else {
                    return Err(at(
                        SqlError::new(format!("no such table: {table}")),
                        name.span(),
                    ));
                };
                let mut columns: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
                let affinities: Vec<Affinity> = t
                    .columns
                    .iter()
                    .map(|c| affinity_of(c.ty, c.kind))
                    .collect();
                if let Some(a) = alias {
                    if a.columns.len() > columns.len() {
                        return Err(SqlError::new(format!(
                            "table {} has {} columns but {} column names were given",
                            t.name,
                            columns.len(),
                            a.columns.len()
                        )));
                    }
                }
                let used = Rc::new(RefCell::new(vec![false; columns.len()]));
                let id = self.scans.len();
                self.scans.push(ScanInfo {
                    table: t.name.clone(),
                    columns: columns.clone(),
                    used: used.clone(),
                });
                if let Some(a) = alias {
                    for (c, new) in columns.iter_mut().zip(&a.columns) {
                        *c = new.name.value.clone();
                    }
                }
                let scope = Scope {
                    cols: columns
                        .iter()
                        .zip(&affinities)
                        .enumerate()
                        .map(|(i, (name, aff))| ScopeCol {
                            table: alias_name.clone(),
                            name: name.clone(),
                            affinity: *aff,
                            used: Some((used.clone(), i)),
                        })
                        .collect(),
                    sealed: false,
                };
                Ok((
                    Plan::Scan {
                        table: format!("{SCAN_PLACEHOLDER}{id}"),
                        columns,
                    },
                    scope,
                ))
            }
            ast::TableFactor::Derived {
                lateral,
                subquery,
                alias,
                sample,
            } => {
                if *lateral || sample.is_some() {
                    return Err(unsupported("LATERAL or TABLESAMPLE"));
                }
                // A subquery in FROM cannot see the query it is part of.
                let levels = std::mem::take(&mut self.levels);
                let refs_before = self.refs.len();
                let planned = self.query(subquery);
                self.levels = levels;
                let outer_refs = self.refs.len() > refs_before;
                self.refs.truncate(refs_before);
                let mut planned = planned?;
                if outer_refs {
                    return Err(unsupported(
                        "subqueries in FROM that refer to an outer query",
                    ));
                }
                let alias_name = match alias {
                    Some(a) => {
                        rename(&mut planned, a)?;
                        a.name.value.clone()
                    }
                    None => String::new(),
                };
                let scope = Scope {
                    cols: planned
                        .columns
                        .iter()
                        .map(|c| ScopeCol {
                            table: alias_name.clone(),
                            name: c.name.clone(),
                            affinity: c.affinity,
                            used: None,
                        })
                        .collect(),
                    sealed: false,
                };
                Ok((planned.plan, scope))
            }
            ast::TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                if alias.is_some() {
                    return Err(unsupported("an alias on a parenthesized join"));
                }
                self.table_with_joins(table_with_joins)
            }
            other => Err(unsupported(format!(
                "this FROM item: {}",
                other.to_string().chars().take(40).collect::<String>()
            ))),
        }
    }
}

pub(super) fn rename(planned: &mut Planned, alias: &ast::TableAlias) -> Result<(), SqlError> {
    if alias.columns.is_empty() {
        return Ok(());
    }
    if alias.columns.len() > planned.columns.len() {
        return Err(SqlError::new(format!(
            "{} has {} values for {} columns",
            alias.name,
            planned.columns.len(),
            alias.columns.len()
        )));
    }
    for (c, new) in planned.columns.iter_mut().zip(&alias.columns) {
        c.name = new.name.value.clone();
    }
    Ok(())
}

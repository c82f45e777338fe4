//! Function calls: scalar functions, aggregates (`COUNT`, `SUM`, ... with `DISTINCT`)
//! and window functions, and the walks that find aggregates and windows in an
//! expression.

use super::order_by::sort_key;
use super::{at, unsupported, Cx, Planner, Scope, MAX_DEPTH, WINDOW_BASE};
use crate::sql::error::SqlError;
use crate::sql::func;
use crate::sql::plan::{Affinity, AggFunc, AggregateCall, Expr, Func, WindowFunc, WindowFunction};
use sqlparser::ast;
use sqlparser::ast::Spanned;

pub(super) fn aggregate_func(name: &str, args: usize) -> Option<AggFunc> {
    Some(match name {
        "count" => AggFunc::Count,
        "sum" => AggFunc::Sum,
        "total" => AggFunc::Total,
        "avg" => AggFunc::Avg,
        "min" if args == 1 => AggFunc::Min,
        "max" if args == 1 => AggFunc::Max,
        "group_concat" | "string_agg" => AggFunc::GroupConcat,
        _ => return None,
    })
}

pub(super) fn function_name(f: &ast::Function) -> String {
    f.name.to_string().to_ascii_lowercase()
}

pub(super) fn function_args(
    f: &ast::Function,
) -> Result<(Vec<&ast::FunctionArgExpr>, bool), SqlError> {
    match &f.args {
        ast::FunctionArguments::None => Ok((Vec::new(), false)),
        ast::FunctionArguments::Subquery(_) => Err(unsupported(format!(
            "a subquery as the arguments of {}",
            f.name
        ))),
        ast::FunctionArguments::List(list) => {
            if !list.clauses.is_empty() {
                return Err(unsupported(format!(
                    "clauses inside the arguments of {}",
                    f.name
                )));
            }
            let distinct = matches!(
                list.duplicate_treatment,
                Some(ast::DuplicateTreatment::Distinct)
            );
            let mut out = Vec::new();
            for a in &list.args {
                match a {
                    ast::FunctionArg::Unnamed(e) => out.push(e),
                    _ => return Err(unsupported("named function arguments")),
                }
            }
            Ok((out, distinct))
        }
    }
}

pub(super) fn is_aggregate_call(f: &ast::Function) -> bool {
    if f.over.is_some() {
        return false;
    }
    let n = match &f.args {
        ast::FunctionArguments::List(l) => l.args.len(),
        _ => 0,
    };
    aggregate_func(&function_name(f), n).is_some()
}

/// Whether an expression calls an aggregate outside any subquery (window functions'
/// own calls excluded, their arguments included).
pub(super) fn contains_aggregate(e: &ast::Expr) -> bool {
    let mut found = false;
    walk(e, &mut |x| {
        if let ast::Expr::Function(f) = x {
            if is_aggregate_call(f) {
                found = true;
            }
        }
    });
    found
}

pub(super) fn contains_window(e: &ast::Expr) -> bool {
    let mut found = false;
    walk(e, &mut |x| {
        if let ast::Expr::Function(f) = x {
            if f.over.is_some() {
                found = true;
            }
        }
    });
    found
}

/// Visits an expression and its sub-expressions, not entering subqueries (nor nesting
/// deeper than the planner accepts, which refuses such expressions anyway).
pub(super) fn walk(e: &ast::Expr, f: &mut dyn FnMut(&ast::Expr)) {
    walk_at(e, f, 0)
}

pub(super) fn walk_at(e: &ast::Expr, f: &mut dyn FnMut(&ast::Expr), depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    f(e);
    let walk = |x: &ast::Expr, f: &mut dyn FnMut(&ast::Expr)| walk_at(x, f, depth + 1);
    use ast::Expr as E;
    match e {
        E::IsNull(x)
        | E::IsNotNull(x)
        | E::Nested(x)
        | E::UnaryOp { expr: x, .. }
        | E::Cast { expr: x, .. }
        | E::IsTrue(x)
        | E::IsFalse(x)
        | E::IsNotTrue(x)
        | E::IsNotFalse(x)
        | E::Collate { expr: x, .. } => walk(x, f),
        E::BinaryOp { left, right, .. }
        | E::IsDistinctFrom(left, right)
        | E::IsNotDistinctFrom(left, right) => {
            walk(left, f);
            walk(right, f);
        }
        E::Between {
            expr, low, high, ..
        } => {
            walk(expr, f);
            walk(low, f);
            walk(high, f);
        }
        E::Like {
            expr,
            pattern,
            escape_char,
            ..
        } => {
            walk(expr, f);
            walk(pattern, f);
            if let Some(x) = escape_char {
                walk(x, f);
            }
        }
        E::In { expr, target, .. } => {
            walk(expr, f);
            if let ast::InTarget::List(list) = target {
                for x in list {
                    walk(x, f);
                }
            }
        }
        E::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            if let Some(o) = operand {
                walk(o, f);
            }
            for c in conditions {
                walk(&c.condition, f);
                walk(&c.result, f);
            }
            if let Some(x) = else_result {
                walk(x, f);
            }
        }
        E::Function(func) => {
            if let ast::FunctionArguments::List(list) = &func.args {
                for a in &list.args {
                    if let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x)) = a {
                        walk(x, f);
                    }
                }
            }
            if let Some(ast::WindowType::WindowSpec(spec)) = &func.over {
                for x in &spec.partition_by {
                    walk(x, f);
                }
                for o in &spec.order_by {
                    walk(&o.expr, f);
                }
            }
        }
        E::Substring {
            expr,
            substring_from,
            substring_for,
            ..
        } => {
            walk(expr, f);
            if let Some(x) = substring_from {
                walk(x, f);
            }
            if let Some(x) = substring_for {
                walk(x, f);
            }
        }
        E::Tuple(items) => {
            for x in items {
                walk(x, f);
            }
        }
        _ => {}
    }
}

impl<'s> Planner<'s> {
    pub(super) fn function(
        &mut self,
        f: &ast::Function,
        cx: &mut Cx<'_>,
    ) -> Result<(Expr, Affinity), SqlError> {
        let name = function_name(f);
        if f.uses_odbc_syntax
            || !matches!(f.parameters, ast::FunctionArguments::None)
            || !f.within_group.is_empty()
            || f.filter.is_some()
            || f.null_treatment.is_some()
        {
            return Err(unsupported(format!(
                "FILTER, WITHIN GROUP or NULLS clauses on {name}()"
            )));
        }
        let (args, distinct) = function_args(f)?;
        let span = f.name.span();
        // CURRENT_DATE and friends.
        if matches!(f.args, ast::FunctionArguments::None) {
            let func = match name.as_str() {
                "current_date" => Func::Date,
                "current_time" => Func::Time,
                "current_timestamp" => Func::DateTime,
                _ => return Err(at(SqlError::new(format!("no such column: {name}")), span)),
            };
            return Ok((
                Expr::Call {
                    func,
                    args: Vec::new(),
                },
                Affinity::None,
            ));
        }
        if let Some(over) = &f.over {
            return self.window_function(&name, &args, distinct, over, cx, span);
        }
        if let Some(agg) = aggregate_func(&name, args.len()) {
            return self.aggregate(agg, &name, &args, distinct, cx, span);
        }
        if matches!(name.as_str(), "row_number" | "rank" | "dense_rank") {
            return Err(at(
                SqlError::new(format!("misuse of window function {name}()")),
                span,
            ));
        }
        let Some(func) = func::by_name(&name) else {
            return Err(at(unsupported(format!("the function {name}()")), span));
        };
        if distinct {
            return Err(SqlError::new(format!(
                "DISTINCT is only for aggregate functions, not {name}()"
            )));
        }
        let (least, most) = func::arity(func);
        if args.len() < least || args.len() > most {
            return Err(at(
                SqlError::new(format!("wrong number of arguments to function {name}()")),
                span,
            ));
        }
        let mut planned = Vec::new();
        for a in args {
            match a {
                ast::FunctionArgExpr::Expr(x) => planned.push(self.expr(x, cx)?.0),
                _ => {
                    return Err(at(
                        SqlError::new(format!("wrong arguments to function {name}()")),
                        span,
                    ))
                }
            }
        }
        Ok((
            Expr::Call {
                func,
                args: planned,
            },
            Affinity::None,
        ))
    }

    /// An aggregate call: its arguments read the FROM row; the call reads the
    /// aggregate output.
    pub(super) fn aggregate(
        &mut self,
        func: AggFunc,
        name: &str,
        args: &[&ast::FunctionArgExpr],
        distinct: bool,
        cx: &mut Cx<'_>,
        span: sqlparser::tokenizer::Span,
    ) -> Result<(Expr, Affinity), SqlError> {
        if cx.group.is_none() {
            return Err(at(
                SqlError::new(format!(
                    "misuse of aggregate function {name}() in {}",
                    cx.clause
                )),
                span,
            ));
        }
        let (func, arg_exprs): (AggFunc, Vec<&ast::Expr>) = match (func, args) {
            (AggFunc::Count, [ast::FunctionArgExpr::Wildcard]) if !distinct => {
                (AggFunc::CountRows, Vec::new())
            }
            (AggFunc::Count, []) => (AggFunc::CountRows, Vec::new()),
            (_, a) => {
                let mut exprs = Vec::new();
                for x in a {
                    match x {
                        ast::FunctionArgExpr::Expr(e) => exprs.push(e),
                        _ => {
                            return Err(at(
                                SqlError::new(format!("wrong arguments to function {name}()")),
                                span,
                            ))
                        }
                    }
                }
                (func, exprs)
            }
        };
        let expected = match func {
            AggFunc::CountRows => 0..=0,
            AggFunc::GroupConcat if name == "string_agg" => 2..=2,
            AggFunc::GroupConcat => 1..=2,
            _ => 1..=1,
        };
        if !expected.contains(&arg_exprs.len()) {
            return Err(at(
                SqlError::new(format!("wrong number of arguments to function {name}()")),
                span,
            ));
        }
        if distinct && arg_exprs.len() != 1 {
            return Err(SqlError::new(
                "DISTINCT aggregates must have exactly one argument",
            ));
        }
        let scope = Scope {
            cols: cx.scope.cols.clone(),
            sealed: false,
        };
        let mut inner = Cx {
            scope: &scope,
            group: None,
            windows: None,
            aliases: &[],
            expanding: Vec::new(),
            clause: "an aggregate",
        };
        let mut planned = Vec::new();
        for e in &arg_exprs {
            if contains_aggregate(e) {
                return Err(SqlError::new(format!(
                    "misuse of aggregate function inside {name}()"
                )));
            }
            planned.push(self.expr(e, &mut inner)?.0);
        }
        let mut it = planned.into_iter();
        let aggregate = AggregateCall {
            func,
            arg: it.next(),
            distinct,
            separator: it.next(),
        };
        let group = cx.group.as_mut().expect("checked above");
        let index = match group.aggregates.iter().position(|a| *a == aggregate) {
            Some(i) => i,
            None => {
                group.aggregates.push(aggregate);
                group.aggregates.len() - 1
            }
        };
        Ok((Expr::Column(group.exprs.len() + index), Affinity::None))
    }

    pub(super) fn window_function(
        &mut self,
        name: &str,
        args: &[&ast::FunctionArgExpr],
        distinct: bool,
        over: &ast::WindowType,
        cx: &mut Cx<'_>,
        span: sqlparser::tokenizer::Span,
    ) -> Result<(Expr, Affinity), SqlError> {
        let ast::WindowType::WindowSpec(spec) = over else {
            return Err(unsupported("named windows"));
        };
        if spec.window_name.is_some() {
            return Err(unsupported("named windows"));
        }
        if spec.window_frame.is_some() {
            return Err(at(
                unsupported(
                    "window frames (ROWS/RANGE/GROUPS ...): the default frame is supported",
                ),
                span,
            ));
        }
        if cx.windows.is_none() {
            return Err(at(
                SqlError::new(format!(
                    "misuse of window function {name}() in {}",
                    cx.clause
                )),
                span,
            ));
        }
        if distinct {
            return Err(SqlError::new(
                "DISTINCT is not supported for window functions",
            ));
        }
        let func = match name {
            "row_number" => WindowFunc::RowNumber,
            "rank" => WindowFunc::Rank,
            "dense_rank" => WindowFunc::DenseRank,
            _ => match aggregate_func(name, args.len()) {
                Some(AggFunc::Count) if matches!(args, [ast::FunctionArgExpr::Wildcard] | []) => {
                    WindowFunc::Aggregate(AggFunc::CountRows)
                }
                Some(AggFunc::GroupConcat) => {
                    return Err(unsupported("group_concat() as a window function"))
                }
                Some(a) => WindowFunc::Aggregate(a),
                None => {
                    return Err(at(
                        unsupported(format!("the window function {name}()")),
                        span,
                    ))
                }
            },
        };
        let arg = match (func, args) {
            (WindowFunc::Aggregate(AggFunc::CountRows), _) => None,
            (WindowFunc::Aggregate(_), [ast::FunctionArgExpr::Expr(e)]) => {
                let mut inner = Cx {
                    scope: cx.scope,
                    group: cx.group.as_deref_mut(),
                    windows: None,
                    aliases: &[],
                    expanding: Vec::new(),
                    clause: "a window function",
                };
                Some(self.expr(e, &mut inner)?.0)
            }
            (WindowFunc::Aggregate(_), _) => {
                return Err(at(
                    SqlError::new(format!("wrong number of arguments to function {name}()")),
                    span,
                ))
            }
            (_, []) => None,
            _ => {
                return Err(at(
                    SqlError::new(format!("wrong number of arguments to function {name}()")),
                    span,
                ))
            }
        };
        let mut partition_by = Vec::new();
        let mut order_by = Vec::new();
        {
            let mut inner = Cx {
                scope: cx.scope,
                group: cx.group.as_deref_mut(),
                windows: None,
                aliases: &[],
                expanding: Vec::new(),
                clause: "a window definition",
            };
            for p in &spec.partition_by {
                partition_by.push(self.expr(p, &mut inner)?.0);
            }
            for o in &spec.order_by {
                let e = self.expr(&o.expr, &mut inner)?.0;
                order_by.push(sort_key(e, &o.options)?);
            }
        }
        let windows = cx.windows.as_mut().expect("checked above");
        windows.push(WindowFunction {
            func,
            arg,
            distinct: false,
            partition_by,
            order_by,
        });
        Ok((
            Expr::Column(WINDOW_BASE + windows.len() - 1),
            Affinity::None,
        ))
    }
}

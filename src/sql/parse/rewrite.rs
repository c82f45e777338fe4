//! Rewrites of planned trees: visiting a plan's expressions and children, remapping
//! columns, and moving `WHERE` conjuncts into join keys.

use crate::sql::plan::{BinOp, Coerce, Expr, JoinKind, Plan};

/// Visits every expression of a plan tree (not entering subquery plans).
pub(super) fn exprs_mut(plan: &mut Plan, f: &mut dyn FnMut(&mut Expr)) {
    match plan {
        Plan::Scan { .. } => {}
        Plan::Values { rows, .. } => rows.iter_mut().flatten().for_each(f),
        Plan::Filter { predicate, .. } => f(predicate),
        Plan::Project { exprs, .. } => exprs.iter_mut().for_each(f),
        Plan::Aggregate {
            group_by,
            aggregates,
            ..
        } => {
            group_by.iter_mut().for_each(&mut *f);
            for a in aggregates {
                if let Some(x) = &mut a.arg {
                    f(x);
                }
                if let Some(x) = &mut a.separator {
                    f(x);
                }
            }
        }
        Plan::Window { functions, .. } => {
            for w in functions {
                if let Some(x) = &mut w.arg {
                    f(x);
                }
                w.partition_by.iter_mut().for_each(&mut *f);
                for k in &mut w.order_by {
                    f(&mut k.expr);
                }
            }
        }
        Plan::Sort { keys, .. } => keys.iter_mut().for_each(|k| f(&mut k.expr)),
        Plan::Limit { limit, offset, .. } => {
            if let Some(x) = limit {
                f(x);
            }
            if let Some(x) = offset {
                f(x);
            }
        }
        Plan::Distinct { .. } => {}
        Plan::Join {
            left_keys,
            right_keys,
            condition,
            ..
        } => {
            left_keys.iter_mut().for_each(&mut *f);
            right_keys.iter_mut().for_each(&mut *f);
            if let Some(c) = condition {
                f(c);
            }
        }
        Plan::SetOp { .. } => {}
    }
}

/// Visits the sub-expressions of an expression, and the plans of its subqueries.
pub(super) fn expr_children_mut(
    e: &mut Expr,
    f: &mut dyn FnMut(&mut Expr),
    p: &mut dyn FnMut(&mut Plan),
) {
    match e {
        Expr::Column(_) | Expr::Outer { .. } | Expr::Literal(_) => {}
        Expr::Neg(x) | Expr::Not(x) => f(x),
        Expr::Binary { left, right, .. } => {
            f(left);
            f(right);
        }
        Expr::IsNull { expr, .. } => f(expr),
        Expr::InList { expr, list, .. } => {
            f(expr);
            for (x, _) in list {
                f(x);
            }
        }
        Expr::InSubquery { expr, plan, .. } => {
            f(expr);
            p(plan);
        }
        Expr::Subquery { plan, .. } | Expr::Exists { plan, .. } => p(plan),
        Expr::Case {
            operand,
            whens,
            otherwise,
        } => {
            if let Some(o) = operand {
                f(o);
            }
            for (w, t) in whens {
                f(w);
                f(t);
            }
            if let Some(o) = otherwise {
                f(o);
            }
        }
        Expr::Cast { expr, .. } => f(expr),
        Expr::Like {
            expr,
            pattern,
            escape,
            ..
        } => {
            f(expr);
            f(pattern);
            if let Some(x) = escape {
                f(x);
            }
        }
        Expr::Call { args, .. } => args.iter_mut().for_each(f),
    }
}

/// Rewrites the column references of an expression of this level.
pub(super) fn map_columns(e: &mut Expr, map: &dyn Fn(usize) -> usize) {
    if let Expr::Column(i) = e {
        *i = map(*i);
        return;
    }
    expr_children_mut(e, &mut |x| map_columns(x, map), &mut |_| {});
}

pub(super) fn columns_of(e: &Expr, out: &mut Vec<usize>, nested: &mut bool) {
    let mut e = e.clone();
    fn go(e: &mut Expr, out: &mut Vec<usize>, nested: &mut bool) {
        match e {
            Expr::Column(i) => out.push(*i),
            Expr::Outer { .. } => *nested = true,
            Expr::InSubquery { .. } | Expr::Subquery { .. } | Expr::Exists { .. } => {
                *nested = true;
            }
            _ => {}
        }
        let mut items: Vec<Expr> = Vec::new();
        expr_children_mut(e, &mut |x| items.push(x.clone()), &mut |_| {});
        for mut x in items {
            go(&mut x, out, nested);
        }
    }
    go(&mut e, out, nested);
}

/// The width of a plan's rows.
pub(super) fn width(plan: &Plan) -> usize {
    match plan {
        Plan::Scan { columns, .. } => columns.len(),
        Plan::Values { width, .. } => *width,
        Plan::Project { exprs, .. } => exprs.len(),
        Plan::Aggregate {
            group_by,
            aggregates,
            ..
        } => group_by.len() + aggregates.len(),
        Plan::Window { input, functions } => width(input) + functions.len(),
        Plan::Join { left, right, .. } => width(left) + width(right),
        Plan::SetOp { left, .. } => width(left),
        Plan::Filter { input, .. }
        | Plan::Sort { input, .. }
        | Plan::Limit { input, .. }
        | Plan::Distinct { input } => width(input),
    }
}

pub(super) fn split_and(e: Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::Binary {
            op: BinOp::And,
            left,
            right,
            ..
        } => {
            split_and(*left, out);
            split_and(*right, out);
        }
        other => out.push(other),
    }
}

pub(super) fn join_and(mut conjuncts: Vec<Expr>) -> Option<Expr> {
    let first = conjuncts.pop()?;
    Some(
        conjuncts
            .into_iter()
            .rev()
            .fold(first, |acc, c| Expr::Binary {
                op: BinOp::And,
                left: Box::new(c),
                right: Box::new(acc),
                coerce: Coerce::None,
            }),
    )
}

/// Splits join conditions into hash keys (`left = right` without conversions) and the
/// rest, for a join whose left side is `left_width` columns wide.
pub(super) fn equi_keys(
    conjuncts: Vec<Expr>,
    left_width: usize,
) -> (Vec<Expr>, Vec<Expr>, Vec<Expr>) {
    let (mut lk, mut rk, mut rest) = (Vec::new(), Vec::new(), Vec::new());
    for c in conjuncts {
        if let Expr::Binary {
            op: BinOp::Eq,
            left,
            right,
            coerce: Coerce::None,
        } = &c
        {
            let side = |e: &Expr| -> Option<bool> {
                let (mut cols, mut nested) = (Vec::new(), false);
                columns_of(e, &mut cols, &mut nested);
                if nested || cols.is_empty() {
                    return None;
                }
                if cols.iter().all(|&i| i < left_width) {
                    Some(true)
                } else if cols.iter().all(|&i| i >= left_width) {
                    Some(false)
                } else {
                    None
                }
            };
            let shift = |e: &Expr| {
                let mut e = e.clone();
                map_columns(&mut e, &|i| i - left_width);
                e
            };
            match (side(left), side(right)) {
                (Some(true), Some(false)) => {
                    lk.push((**left).clone());
                    rk.push(shift(right));
                    continue;
                }
                (Some(false), Some(true)) => {
                    lk.push((**right).clone());
                    rk.push(shift(left));
                    continue;
                }
                _ => {}
            }
        }
        rest.push(c);
    }
    (lk, rk, rest)
}

/// Moves WHERE conjuncts into a left-deep chain of inner joins: those that compare the
/// two sides of a join become its hash keys, and those that read one side only filter
/// that side before the join (the right side's rows before the hash table is built, the
/// left side's before they are probed), so a condition on a dimension is not tested once
/// per joined pair. Returns what stays in WHERE.
///
/// The joins' answers and their order are unchanged: an inner join's pair passes a
/// one-sided condition exactly when its side's row does, and filtering keeps the rows'
/// order. Conditions with subqueries or outer references stay where they were.
pub(super) fn push_into_joins(plan: &mut Plan, conjuncts: Vec<Expr>) -> Vec<Expr> {
    let Plan::Join {
        left,
        right,
        kind: JoinKind::Inner,
        left_keys,
        right_keys,
        ..
    } = plan
    else {
        return conjuncts;
    };
    let lw = width(left);
    let total = lw + width(right);
    let mut here = Vec::new();
    let mut rest = Vec::new();
    for c in conjuncts {
        let (mut cols, mut nested) = (Vec::new(), false);
        columns_of(&c, &mut cols, &mut nested);
        if !nested && cols.iter().all(|&i| i < total) {
            here.push(c);
        } else {
            rest.push(c);
        }
    }
    let (lk, rk, others) = equi_keys(here, lw);
    left_keys.extend(lk);
    right_keys.extend(rk);
    let mut stay = Vec::new();
    let mut down_left = Vec::new();
    let mut down_right = Vec::new();
    for c in others {
        let (mut cols, mut nested) = (Vec::new(), false);
        columns_of(&c, &mut cols, &mut nested);
        if cols.is_empty() {
            stay.push(c);
        } else if cols.iter().all(|&i| i < lw) {
            down_left.push(c);
        } else if cols.iter().all(|&i| i >= lw) {
            let mut c = c;
            map_columns(&mut c, &|i| i - lw);
            down_right.push(c);
        } else {
            stay.push(c);
        }
    }
    // Conditions within the left side may go further down its chain of joins; what
    // cannot filters the left side here.
    let left_rest = push_into_joins(left, down_left);
    filter_input(left, left_rest);
    filter_input(right, down_right);
    rest.extend(stay);
    rest
}

/// Puts `conjuncts` as a filter over `input` (nothing when there are none).
fn filter_input(input: &mut Box<Plan>, conjuncts: Vec<Expr>) {
    if let Some(predicate) = join_and(conjuncts) {
        let inner = std::mem::replace(
            input.as_mut(),
            Plan::Values {
                rows: Vec::new(),
                width: 0,
            },
        );
        **input = Plan::Filter {
            input: Box::new(inner),
            predicate,
        };
    }
}

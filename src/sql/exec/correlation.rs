//! What a correlated subquery reads of the rows around it: its outer references, found
//! by walking its plan, and the exact values they read for one outer row (the key its
//! results are remembered by in [`super::subquery`]).

use super::SubResult;
use crate::sql::plan::{Expr, Plan};
use crate::sql::value::Val;
use std::collections::HashMap;
use std::rc::Rc;

/// Correlated subquery results remembered at most (all subqueries of a statement).
const MEMO_LIMIT: usize = 1 << 16;

/// Correlated subqueries' results by plan address and the exact values of the outer
/// columns they read.
#[derive(Default)]
pub(super) struct Memo<'w> {
    /// The outer columns each subquery reads ([`outer_columns`]), by plan address.
    columns: HashMap<usize, Rc<[(usize, usize)]>>,
    results: HashMap<(usize, Vec<u8>), Rc<SubResult<'w>>>,
}

impl<'w> Memo<'w> {
    /// The key of `plan` (at `address`) run for `row` inside `outer`.
    pub(super) fn key(
        &mut self,
        address: usize,
        plan: &Plan,
        row: &[Val<'_>],
        outer: &[Vec<Val<'_>>],
    ) -> Option<(usize, Vec<u8>)> {
        let columns = self
            .columns
            .entry(address)
            .or_insert_with(|| outer_columns(plan).into());
        Some((address, key(columns, row, outer)?))
    }

    pub(super) fn get(&self, key: &(usize, Vec<u8>)) -> Option<Rc<SubResult<'w>>> {
        self.results.get(key).cloned()
    }

    /// Remembers a result, up to [`MEMO_LIMIT`] of them: a subquery keyed by a nearly
    /// unique column (an id) would keep one per outer row, most never asked again.
    pub(super) fn insert(&mut self, key: (usize, Vec<u8>), result: Rc<SubResult<'w>>) {
        if self.results.len() < MEMO_LIMIT {
            self.results.insert(key, result);
        }
    }
}

/// The outer columns a subquery's plan reads from outside itself, as `(level, index)`:
/// level 1 is the row the subquery is run for, 2 the row around that one, and so on.
/// Sorted, each once.
pub(super) fn outer_columns(plan: &Plan) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    plan_refs(plan, 0, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

/// `nesting` is how many subqueries deep inside the one asked about `plan` is: an
/// `Outer { depth }` there reaches past that subquery when `depth > nesting`.
fn plan_refs(plan: &Plan, nesting: usize, out: &mut Vec<(usize, usize)>) {
    let mut expr = |e: &Expr| expr_refs(e, nesting, out);
    match plan {
        Plan::Scan { .. } => {}
        Plan::Values { rows, .. } => rows.iter().flatten().for_each(&mut expr),
        Plan::Filter { predicate, .. } => expr(predicate),
        Plan::Project { exprs, .. } => exprs.iter().for_each(&mut expr),
        Plan::Aggregate {
            group_by,
            aggregates,
            ..
        } => {
            group_by.iter().for_each(&mut expr);
            for a in aggregates {
                a.arg.iter().chain(&a.separator).for_each(&mut expr);
            }
        }
        Plan::Window { functions, .. } => {
            for f in functions {
                f.arg.iter().chain(&f.partition_by).for_each(&mut expr);
                f.order_by.iter().for_each(|k| expr(&k.expr));
            }
        }
        Plan::Sort { keys, .. } => keys.iter().for_each(|k| expr(&k.expr)),
        Plan::Limit { limit, offset, .. } => limit.iter().chain(offset).for_each(&mut expr),
        Plan::Distinct { .. } => {}
        Plan::Join {
            left_keys,
            right_keys,
            condition,
            ..
        } => left_keys
            .iter()
            .chain(right_keys)
            .chain(condition)
            .for_each(&mut expr),
        Plan::SetOp { .. } => {}
    }
    for input in plan.inputs() {
        plan_refs(input, nesting, out);
    }
}

fn expr_refs(e: &Expr, nesting: usize, out: &mut Vec<(usize, usize)>) {
    let mut sub = |e: &Expr| expr_refs(e, nesting, out);
    match e {
        Expr::Column(_) | Expr::Literal(_) => {}
        Expr::Outer { depth, index } => {
            if *depth > nesting {
                out.push((depth - nesting, *index));
            }
        }
        Expr::Neg(x) | Expr::Not(x) => sub(x),
        Expr::IsNull { expr, .. } | Expr::Cast { expr, .. } => sub(expr),
        Expr::Binary { left, right, .. } => {
            sub(left);
            sub(right);
        }
        Expr::InList { expr, list, .. } => {
            sub(expr);
            list.iter().for_each(|(item, _)| sub(item));
        }
        Expr::InSubquery { expr, plan, .. } => {
            sub(expr);
            plan_refs(plan, nesting + 1, out);
        }
        Expr::Subquery { plan, .. } | Expr::Exists { plan, .. } => {
            plan_refs(plan, nesting + 1, out)
        }
        Expr::Case {
            operand,
            whens,
            otherwise,
        } => {
            operand.iter().for_each(|o| sub(o));
            whens.iter().for_each(|(w, t)| {
                sub(w);
                sub(t);
            });
            otherwise.iter().for_each(|o| sub(o));
        }
        Expr::Like {
            expr,
            pattern,
            escape,
            ..
        } => {
            sub(expr);
            sub(pattern);
            escape.iter().for_each(|x| sub(x));
        }
        Expr::Call { args, .. } => args.iter().for_each(sub),
    }
}

/// The values at `columns` (see [`outer_columns`]) for `row` (level 1) inside the
/// enclosing rows `outer` (innermost last), as bytes that are equal only for the same
/// values of the same types: `1`, `1.0` and money `1.00` are equal in SQL, but a
/// subquery may tell them apart (`typeof`, or returning the value), so they are kept
/// apart here. `None` when a column is missing (the subquery then runs and says why).
pub(super) fn key(
    columns: &[(usize, usize)],
    row: &[Val<'_>],
    outer: &[Vec<Val<'_>>],
) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for &(level, index) in columns {
        let values = if level == 1 {
            row
        } else {
            outer.get(outer.len().checked_sub(level - 1)?)?
        };
        exact_bytes(values.get(index)?, &mut out);
    }
    Some(out)
}

fn exact_bytes(v: &Val<'_>, out: &mut Vec<u8>) {
    match v {
        Val::Null => out.push(0),
        Val::Int(i) => {
            out.push(1);
            out.extend_from_slice(&i.to_le_bytes());
        }
        Val::Real(f) => {
            out.push(2);
            out.extend_from_slice(&f.to_bits().to_le_bytes());
        }
        Val::Money(m) => {
            out.push(3);
            out.extend_from_slice(&m.to_le_bytes());
        }
        Val::Date(d) => {
            out.push(4);
            out.extend_from_slice(&d.to_le_bytes());
        }
        Val::Str(_) | Val::String(_) => {
            let text = v.as_text().unwrap_or_default();
            out.push(5);
            out.extend_from_slice(&(text.len() as u64).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
    }
}

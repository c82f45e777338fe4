//! Expression evaluation over one row: SQLite's operators, comparisons with affinity
//! conversions, `CAST`, and calls into [`crate::sql::func`].

use super::{err, Exec};
use crate::sql::error::SqlError;
use crate::sql::func;
use crate::sql::plan::{BinOp, CastType, Coerce, Expr, Literal};
use crate::sql::value::{arith, negate, sql_cmp, Arith, Val, ValKey, MICROS};
use std::cmp::Ordering;

/// Applies a comparison's affinity conversions.
fn coerce<'w>(c: Coerce, a: Val<'w>, b: Val<'w>) -> (Val<'w>, Val<'w>) {
    match c {
        Coerce::None => (a, b),
        Coerce::NumericLeft => (a.numeric_affinity(), b),
        Coerce::NumericRight => (a, b.numeric_affinity()),
        Coerce::TextLeft => (a.text_affinity(), b),
        Coerce::TextRight => (a, b.text_affinity()),
    }
}

/// Compares after conversions: NULL when either side is.
pub(crate) fn compare<'w>(c: Coerce, a: Val<'w>, b: Val<'w>) -> Option<Ordering> {
    let (a, b) = coerce(c, a, b);
    sql_cmp(&a, &b)
}

impl<'a, 'w> Exec<'a, 'w> {
    pub(super) fn eval(&self, e: &Expr, row: &[Val<'w>]) -> Result<Val<'w>, SqlError> {
        Ok(match e {
            Expr::Column(i) => row
                .get(*i)
                .cloned()
                .ok_or_else(|| err(format!("plan error: column {i} out of range")))?,
            Expr::Outer { depth, index } => {
                let outer = self.outer.borrow();
                let level = outer
                    .len()
                    .checked_sub(*depth)
                    .and_then(|l| outer.get(l))
                    .ok_or_else(|| err("plan error: outer reference without an outer row"))?;
                level
                    .get(*index)
                    .cloned()
                    .ok_or_else(|| err("plan error: outer column out of range"))?
            }
            Expr::Literal(l) => match l {
                Literal::Null => Val::Null,
                Literal::Int(i) => Val::Int(*i),
                Literal::Real(f) => Val::real(*f),
                Literal::Text(s) => Val::text(s.as_str()),
            },
            Expr::Neg(x) => negate(&self.eval(x, row)?),
            Expr::Not(x) => match self.eval(x, row)?.truth() {
                None => Val::Null,
                Some(b) => Val::bool(!b),
            },
            Expr::Binary {
                op,
                left,
                right,
                coerce: c,
            } => match op {
                BinOp::And => {
                    let l = self.eval(left, row)?.truth();
                    if l == Some(false) {
                        return Ok(Val::Int(0));
                    }
                    match (l, self.eval(right, row)?.truth()) {
                        (_, Some(false)) => Val::Int(0),
                        (Some(true), Some(true)) => Val::Int(1),
                        _ => Val::Null,
                    }
                }
                BinOp::Or => {
                    let l = self.eval(left, row)?.truth();
                    if l == Some(true) {
                        return Ok(Val::Int(1));
                    }
                    match (l, self.eval(right, row)?.truth()) {
                        (_, Some(true)) => Val::Int(1),
                        (Some(false), Some(false)) => Val::Int(0),
                        _ => Val::Null,
                    }
                }
                _ => {
                    let (a, b) = (self.eval(left, row)?, self.eval(right, row)?);
                    binary(*op, *c, a, b)
                }
            },
            Expr::IsNull { expr, negated } => {
                Val::bool(self.eval(expr, row)?.is_null() != *negated)
            }
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let v = self.eval(expr, row)?;
                if v.is_null() {
                    return Ok(if list.is_empty() {
                        Val::bool(*negated)
                    } else {
                        Val::Null
                    });
                }
                let mut saw_null = false;
                for (item, c) in list {
                    match compare(*c, v.clone(), self.eval(item, row)?) {
                        Some(Ordering::Equal) => return Ok(Val::bool(!negated)),
                        None => saw_null = true,
                        _ => {}
                    }
                }
                if saw_null {
                    Val::Null
                } else {
                    Val::bool(*negated)
                }
            }
            Expr::InSubquery {
                expr,
                plan,
                correlated,
                coerce: c,
                negated,
            } => {
                let sub = self.subquery(plan, *correlated, row)?;
                let v = self.eval(expr, row)?;
                if sub.rows.is_empty() {
                    return Ok(Val::bool(*negated));
                }
                if v.is_null() {
                    return Ok(Val::Null);
                }
                let found = if *c == Coerce::None {
                    sub.keys.contains(&ValKey(v.clone()))
                } else {
                    sub.rows.iter().any(|r| {
                        r.first().is_some_and(|x| {
                            compare(*c, v.clone(), x.clone()) == Some(Ordering::Equal)
                        })
                    })
                };
                if found {
                    Val::bool(!negated)
                } else if sub.has_null {
                    Val::Null
                } else {
                    Val::bool(*negated)
                }
            }
            Expr::Subquery { plan, correlated } => {
                let sub = self.subquery(plan, *correlated, row)?;
                sub.rows
                    .first()
                    .and_then(|r| r.first())
                    .cloned()
                    .unwrap_or(Val::Null)
            }
            Expr::Exists {
                plan,
                correlated,
                negated,
            } => {
                let sub = self.subquery(plan, *correlated, row)?;
                Val::bool(sub.rows.is_empty() == *negated)
            }
            Expr::Case {
                operand,
                whens,
                otherwise,
            } => {
                let base = match operand {
                    Some(o) => Some(self.eval(o, row)?),
                    None => None,
                };
                for (when, then) in whens {
                    let w = self.eval(when, row)?;
                    let hit = match &base {
                        Some(b) => sql_cmp(b, &w) == Some(Ordering::Equal),
                        None => w.truth() == Some(true),
                    };
                    if hit {
                        return self.eval(then, row);
                    }
                }
                match otherwise {
                    Some(o) => self.eval(o, row)?,
                    None => Val::Null,
                }
            }
            Expr::Cast { expr, to } => cast(self.eval(expr, row)?, *to),
            Expr::Like {
                expr,
                pattern,
                escape,
                negated,
            } => {
                let (v, p) = (self.eval(expr, row)?, self.eval(pattern, row)?);
                let esc = match escape {
                    Some(e) => Some(self.eval(e, row)?),
                    None => None,
                };
                if v.is_null() || p.is_null() || esc.as_ref().is_some_and(Val::is_null) {
                    return Ok(Val::Null);
                }
                let esc_char = match &esc {
                    Some(e) => {
                        let t = e.to_text().unwrap_or_default().into_owned();
                        let mut chars = t.chars();
                        match (chars.next(), chars.next()) {
                            (Some(c), None) => Some(c),
                            _ => return Err(err("ESCAPE expression must be a single character")),
                        }
                    }
                    None => None,
                };
                let text = v.to_text().unwrap_or_default();
                let pat = p.to_text().unwrap_or_default();
                Val::bool(func::like(&pat, &text, esc_char) != *negated)
            }
            Expr::Call { func: f, args } => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.eval(a, row)?);
                }
                func::call(*f, values, || self.now_ms())?
            }
        })
    }
}

/// A binary operator other than AND and OR.
pub(super) fn binary<'w>(op: BinOp, c: Coerce, a: Val<'w>, b: Val<'w>) -> Val<'w> {
    let cmp = |pred: fn(Ordering) -> bool| match compare(c, a.clone(), b.clone()) {
        None => Val::Null,
        Some(o) => Val::bool(pred(o)),
    };
    match op {
        BinOp::Add => arith(Arith::Add, &a, &b),
        BinOp::Sub => arith(Arith::Sub, &a, &b),
        BinOp::Mul => arith(Arith::Mul, &a, &b),
        BinOp::Div => arith(Arith::Div, &a, &b),
        BinOp::Rem => arith(Arith::Rem, &a, &b),
        BinOp::Concat => match (a.to_text(), b.to_text()) {
            (Some(x), Some(y)) => {
                let mut s = String::with_capacity(x.len() + y.len());
                s.push_str(&x);
                s.push_str(&y);
                Val::text(s)
            }
            _ => Val::Null,
        },
        BinOp::Eq => cmp(|o| o == Ordering::Equal),
        BinOp::NotEq => cmp(|o| o != Ordering::Equal),
        BinOp::Lt => cmp(|o| o == Ordering::Less),
        BinOp::LtEq => cmp(|o| o != Ordering::Greater),
        BinOp::Gt => cmp(|o| o == Ordering::Greater),
        BinOp::GtEq => cmp(|o| o != Ordering::Less),
        BinOp::Is | BinOp::IsNot => {
            let same = match (a.is_null(), b.is_null()) {
                (true, true) => true,
                (true, false) | (false, true) => false,
                _ => compare(c, a, b) == Some(Ordering::Equal),
            };
            Val::bool(same == (op == BinOp::Is))
        }
        BinOp::And | BinOp::Or => Val::Null,
    }
}

/// The integer prefix of text, saturating (`CAST('12.5x' AS INTEGER)` is 12).
fn text_to_int(s: &str) -> i64 {
    let b = s.trim_start().as_bytes();
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let mut v: i128 = 0;
    for &d in digits.iter().take_while(|d| d.is_ascii_digit()) {
        v = (v * 10 + i128::from(d - b'0')).min(i128::from(u64::MAX));
    }
    let v = if neg { -v } else { v };
    v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

fn real_to_int(f: f64) -> i64 {
    if f.is_nan() {
        0
    } else if f >= 9.223_372_036_854_775e18 {
        i64::MAX
    } else if f <= -9.223_372_036_854_775e18 {
        i64::MIN
    } else {
        f as i64
    }
}

/// `CAST(v AS to)`.
pub(crate) fn cast<'w>(v: Val<'w>, to: CastType) -> Val<'w> {
    if v.is_null() {
        return Val::Null;
    }
    match to {
        CastType::Integer => match v {
            Val::Int(_) => v,
            Val::Real(f) => Val::Int(real_to_int(f)),
            Val::Money(m) => Val::Int((m / MICROS) as i64),
            _ => Val::Int(text_to_int(&v.as_text().unwrap_or_default())),
        },
        CastType::Real => Val::Real(v.to_f64()),
        CastType::Text => match v {
            Val::Str(_) | Val::String(_) | Val::Date(_) => v,
            _ => Val::text(v.to_text().unwrap_or_default().as_ref()),
        },
        CastType::Numeric => {
            let n = match v {
                Val::Str(_) | Val::String(_) | Val::Date(_) => v.to_numeric(),
                other => other,
            };
            match n {
                Val::Real(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Val::Int(f as i64),
                Val::Money(m) if m % MICROS == 0 => Val::Int((m / MICROS) as i64),
                other => other,
            }
        }
    }
}

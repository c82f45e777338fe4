//! Expressions: operators, comparisons with SQLite's affinity rules, `CASE`, `CAST`,
//! `IN`, `BETWEEN`, `LIKE`, literals and subquery expressions.

use super::affinity::{cast_affinity, coerce_for};
use super::function::{contains_aggregate, contains_window};
use super::rewrite::columns_of;
use super::{at, unsupported, Cx, OutCol, Planner, Scope};
use crate::sql::error::SqlError;
use crate::sql::plan::{Affinity, BinOp, CastType, Coerce, Expr, Func, Literal, Plan};
use sqlparser::ast;
use sqlparser::ast::Spanned;

/// SQLite's affinity of a declared type name.
pub(super) fn cast_type(ty: &ast::DataType) -> Result<CastType, SqlError> {
    let name = ty.to_string().to_ascii_uppercase();
    if name.contains("INT") {
        Ok(CastType::Integer)
    } else if name.contains("CHAR") || name.contains("CLOB") || name.contains("TEXT") {
        Ok(CastType::Text)
    } else if name.contains("BLOB") || name.is_empty() {
        Err(unsupported("BLOB values (CAST AS BLOB)"))
    } else if name.contains("REAL") || name.contains("FLOA") || name.contains("DOUB") {
        Ok(CastType::Real)
    } else {
        Ok(CastType::Numeric)
    }
}

impl<'s> Planner<'s> {
    /// Plans a subquery expression: returns the plan, its columns and whether it reads
    /// the current row.
    pub(super) fn subquery(
        &mut self,
        q: &ast::Query,
        cx: &Cx<'_>,
    ) -> Result<(Plan, Vec<OutCol>, bool), SqlError> {
        self.levels.push(cx.scope.clone());
        let height = self.levels.len();
        let mark = self.refs.len();
        let planned = self.query(q);
        self.levels.pop();
        let correlated = self.refs[mark..].iter().any(|&l| l < height);
        // References to levels still open stay recorded for the enclosing subqueries.
        let keep: Vec<usize> = self.refs[mark..]
            .iter()
            .copied()
            .filter(|&l| l < height - 1)
            .collect();
        self.refs.truncate(mark);
        self.refs.extend(keep);
        let planned = planned?;
        Ok((planned.plan, planned.columns, correlated))
    }

    pub(super) fn expr(
        &mut self,
        e: &ast::Expr,
        cx: &mut Cx<'_>,
    ) -> Result<(Expr, Affinity), SqlError> {
        self.enter()?;
        let r = self.expr_inner(e, cx);
        self.leave();
        r
    }

    pub(super) fn expr_inner(
        &mut self,
        e: &ast::Expr,
        cx: &mut Cx<'_>,
    ) -> Result<(Expr, Affinity), SqlError> {
        // In a grouped query, an expression equal to a GROUP BY term reads that group
        // column.
        if cx.group.is_some() && !contains_aggregate(e) && !contains_window(e) {
            let plain_scope = Scope {
                cols: cx.scope.cols.clone(),
                sealed: false,
            };
            let mut plain = Cx {
                scope: &plain_scope,
                group: None,
                windows: None,
                aliases: &[],
                expanding: Vec::new(),
                clause: cx.clause,
            };
            let refs = self.refs.len();
            if let Ok((p, aff)) = self.expr(e, &mut plain) {
                let group = cx.group.as_ref().map(|g| &g.exprs);
                if let Some(i) = group.and_then(|g| g.iter().position(|x| *x == p)) {
                    self.refs.truncate(refs);
                    return Ok((Expr::Column(i), aff));
                }
                let (mut cols, mut nested) = (Vec::new(), false);
                columns_of(&p, &mut cols, &mut nested);
                if cols.is_empty() && !nested {
                    self.refs.truncate(refs);
                    return Ok((p, aff));
                }
            }
            self.refs.truncate(refs);
        }
        use ast::Expr as E;
        let none = Affinity::None;
        Ok(match e {
            E::Identifier(id) => {
                if id.quote_style.is_none() {
                    match id.value.to_ascii_lowercase().as_str() {
                        "true" => return Ok((Expr::Literal(Literal::Int(1)), none)),
                        "false" => return Ok((Expr::Literal(Literal::Int(0)), none)),
                        _ => {}
                    }
                }
                self.column(None, &id.value, id.span, cx)?
            }
            E::CompoundIdentifier(ids) => match ids.as_slice() {
                [t, c] => self.column(Some(&t.value), &c.value, c.span, cx)?,
                [s, t, c] if s.value.eq_ignore_ascii_case("main") => {
                    self.column(Some(&t.value), &c.value, c.span, cx)?
                }
                _ => return Err(SqlError::new(format!("no such column: {e}"))),
            },
            E::Value(v) => (literal(&v.value)?, none),
            E::Nested(x) => self.expr(x, cx)?,
            E::UnaryOp { op, expr } => {
                let (x, aff) = self.expr(expr, cx)?;
                match op {
                    ast::UnaryOperator::Minus => match x {
                        Expr::Literal(Literal::Int(i)) => (Expr::Literal(Literal::Int(-i)), none),
                        Expr::Literal(Literal::Real(f)) => (Expr::Literal(Literal::Real(-f)), none),
                        x => (Expr::Neg(Box::new(x)), none),
                    },
                    ast::UnaryOperator::Plus => (x, aff),
                    ast::UnaryOperator::Not => (Expr::Not(Box::new(x)), none),
                    other => return Err(unsupported(format!("the operator {other}"))),
                }
            }
            E::BinaryOp { left, op, right } => {
                // `-9223372036854775808` arrives as minus a number too large for i64.
                let (l, la) = self.expr(left, cx)?;
                let (r, ra) = self.expr(right, cx)?;
                let op = match op {
                    ast::BinaryOperator::Plus => BinOp::Add,
                    ast::BinaryOperator::Minus => BinOp::Sub,
                    ast::BinaryOperator::Multiply => BinOp::Mul,
                    ast::BinaryOperator::Divide => BinOp::Div,
                    ast::BinaryOperator::Modulo => BinOp::Rem,
                    ast::BinaryOperator::StringConcat => BinOp::Concat,
                    ast::BinaryOperator::Eq => BinOp::Eq,
                    ast::BinaryOperator::NotEq => BinOp::NotEq,
                    ast::BinaryOperator::Lt => BinOp::Lt,
                    ast::BinaryOperator::LtEq => BinOp::LtEq,
                    ast::BinaryOperator::Gt => BinOp::Gt,
                    ast::BinaryOperator::GtEq => BinOp::GtEq,
                    ast::BinaryOperator::And => BinOp::And,
                    ast::BinaryOperator::Or => BinOp::Or,
                    other => return Err(unsupported(format!("the operator {other}"))),
                };
                let coerce = if matches!(
                    op,
                    BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq
                ) {
                    coerce_for(la, ra)
                } else {
                    Coerce::None
                };
                (
                    Expr::Binary {
                        op,
                        left: Box::new(l),
                        right: Box::new(r),
                        coerce,
                    },
                    none,
                )
            }
            E::IsNull(x) | E::IsNotNull(x) => {
                let (x, _) = self.expr(x, cx)?;
                (
                    Expr::IsNull {
                        expr: Box::new(x),
                        negated: matches!(e, E::IsNotNull(_)),
                    },
                    none,
                )
            }
            E::IsDistinctFrom(a, b) | E::IsNotDistinctFrom(a, b) => {
                let (l, la) = self.expr(a, cx)?;
                let (r, ra) = self.expr(b, cx)?;
                (
                    Expr::Binary {
                        op: if matches!(e, E::IsNotDistinctFrom(..)) {
                            BinOp::Is
                        } else {
                            BinOp::IsNot
                        },
                        left: Box::new(l),
                        right: Box::new(r),
                        coerce: coerce_for(la, ra),
                    },
                    none,
                )
            }
            E::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let (x, xa) = self.expr(expr, cx)?;
                let (lo, la) = self.expr(low, cx)?;
                let (hi, ha) = self.expr(high, cx)?;
                let both = Expr::Binary {
                    op: BinOp::And,
                    left: Box::new(Expr::Binary {
                        op: BinOp::GtEq,
                        left: Box::new(x.clone()),
                        right: Box::new(lo),
                        coerce: coerce_for(xa, la),
                    }),
                    right: Box::new(Expr::Binary {
                        op: BinOp::LtEq,
                        left: Box::new(x),
                        right: Box::new(hi),
                        coerce: coerce_for(xa, ha),
                    }),
                    coerce: Coerce::None,
                };
                (
                    if *negated {
                        Expr::Not(Box::new(both))
                    } else {
                        both
                    },
                    none,
                )
            }
            E::In {
                expr,
                target,
                negated,
                global,
            } => {
                if *global {
                    return Err(unsupported("GLOBAL IN"));
                }
                let (x, xa) = self.expr(expr, cx)?;
                match target {
                    ast::InTarget::List(list) => {
                        let mut items = Vec::new();
                        for item in list {
                            let (i, ia) = self.expr(item, cx)?;
                            items.push((i, coerce_for(xa, ia)));
                        }
                        (
                            Expr::InList {
                                expr: Box::new(x),
                                list: items,
                                negated: *negated,
                            },
                            none,
                        )
                    }
                    ast::InTarget::Subquery(q) => {
                        let (plan, cols, correlated) = self.subquery(q, cx)?;
                        if cols.len() != 1 {
                            return Err(SqlError::new(format!(
                                "sub-select returns {} columns - expected 1",
                                cols.len()
                            )));
                        }
                        (
                            Expr::InSubquery {
                                expr: Box::new(x),
                                plan: Box::new(plan),
                                correlated,
                                coerce: coerce_for(xa, cols[0].affinity),
                                negated: *negated,
                            },
                            none,
                        )
                    }
                    _ => return Err(unsupported("this IN target")),
                }
            }
            E::Like {
                negated,
                any,
                expr,
                pattern,
                escape_char,
            } => {
                if *any {
                    return Err(unsupported("LIKE ANY"));
                }
                let (x, _) = self.expr(expr, cx)?;
                let (p, _) = self.expr(pattern, cx)?;
                let escape = match escape_char {
                    Some(esc) => Some(Box::new(self.expr(esc, cx)?.0)),
                    None => None,
                };
                (
                    Expr::Like {
                        expr: Box::new(x),
                        pattern: Box::new(p),
                        escape,
                        negated: *negated,
                    },
                    none,
                )
            }
            E::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                let operand = match operand {
                    Some(o) => Some(Box::new(self.expr(o, cx)?.0)),
                    None => None,
                };
                let mut whens = Vec::new();
                for c in conditions {
                    let w = self.expr(&c.condition, cx)?.0;
                    let t = self.expr(&c.result, cx)?.0;
                    whens.push((w, t));
                }
                let otherwise = match else_result {
                    Some(x) => Some(Box::new(self.expr(x, cx)?.0)),
                    None => None,
                };
                (
                    Expr::Case {
                        operand,
                        whens,
                        otherwise,
                    },
                    none,
                )
            }
            E::Cast {
                kind,
                expr,
                data_type,
                format,
            } => {
                if !matches!(kind, ast::CastKind::Cast) || format.is_some() {
                    return Err(unsupported("this form of CAST (write CAST(x AS type))"));
                }
                let to = cast_type(data_type)?;
                let (x, _) = self.expr(expr, cx)?;
                (
                    Expr::Cast {
                        expr: Box::new(x),
                        to,
                    },
                    cast_affinity(to),
                )
            }
            E::Subquery(q) => {
                let (plan, cols, correlated) = self.subquery(q, cx)?;
                if cols.len() != 1 {
                    return Err(SqlError::new(format!(
                        "sub-select returns {} columns - expected 1",
                        cols.len()
                    )));
                }
                (
                    Expr::Subquery {
                        plan: Box::new(plan),
                        correlated,
                    },
                    cols[0].affinity,
                )
            }
            E::Exists { subquery, negated } => {
                let (plan, _, correlated) = self.subquery(subquery, cx)?;
                (
                    Expr::Exists {
                        plan: Box::new(plan),
                        correlated,
                        negated: *negated,
                    },
                    none,
                )
            }
            E::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                let mut args = vec![self.expr(expr, cx)?.0];
                match substring_from {
                    Some(f) => args.push(self.expr(f, cx)?.0),
                    None => {
                        return Err(SqlError::new(
                            "wrong number of arguments to function substr()",
                        ))
                    }
                }
                if let Some(f) = substring_for {
                    args.push(self.expr(f, cx)?.0);
                }
                (
                    Expr::Call {
                        func: Func::Substr,
                        args,
                    },
                    none,
                )
            }
            E::Trim {
                trim_where,
                trim_what,
                expr,
                trim_characters,
            } => {
                if trim_where.is_some() || trim_what.is_some() {
                    return Err(unsupported(
                        "TRIM(BOTH/LEADING/TRAILING ...) (write trim(x, chars))",
                    ));
                }
                let mut args = vec![self.expr(expr, cx)?.0];
                if let Some(chars) = trim_characters {
                    for c in chars {
                        args.push(self.expr(c, cx)?.0);
                    }
                }
                if args.len() > 2 {
                    return Err(SqlError::new(
                        "wrong number of arguments to function trim()",
                    ));
                }
                (
                    Expr::Call {
                        func: Func::Trim,
                        args,
                    },
                    none,
                )
            }
            E::Function(f) => self.function(f, cx)?,
            E::Collate { .. } => return Err(unsupported("COLLATE (text compares by bytes)")),
            E::IsTrue(_) | E::IsFalse(_) | E::IsNotTrue(_) | E::IsNotFalse(_) => {
                return Err(unsupported("IS TRUE / IS FALSE (write x <> 0 or x = 0)"))
            }
            E::Tuple(_) => return Err(unsupported("row values")),
            other => {
                let text = other.to_string();
                return Err(at(
                    unsupported(format!(
                        "the expression {}",
                        text.chars().take(60).collect::<String>()
                    )),
                    other.span(),
                ));
            }
        })
    }
}

pub(super) fn literal(v: &ast::Value) -> Result<Expr, SqlError> {
    Ok(Expr::Literal(match v {
        ast::Value::Number(text, _) => {
            let lower = text.to_ascii_lowercase();
            if let Some(hex) = lower.strip_prefix("0x") {
                match i64::from_str_radix(hex, 16) {
                    Ok(i) => Literal::Int(i),
                    Err(_) => return Err(SqlError::new(format!("hex literal too big: {text}"))),
                }
            } else if !lower.contains(['.', 'e']) {
                match text.parse::<i64>() {
                    Ok(i) => Literal::Int(i),
                    Err(_) => Literal::Real(
                        text.parse::<f64>()
                            .map_err(|_| SqlError::new(format!("bad number: {text}")))?,
                    ),
                }
            } else {
                Literal::Real(
                    text.parse::<f64>()
                        .map_err(|_| SqlError::new(format!("bad number: {text}")))?,
                )
            }
        }
        ast::Value::SingleQuotedString(s) => Literal::Text(s.clone()),
        ast::Value::Boolean(b) => Literal::Int(i64::from(*b)),
        ast::Value::Null => Literal::Null,
        ast::Value::Placeholder(p) => return Err(unsupported(format!("parameters ({p})"))),
        other => return Err(unsupported(format!("the literal {other}"))),
    }))
}

//! SQL text to plans: sqlparser (SQLite dialect) parses, this planner resolves names
//! against a [`Schema`] and compiles the AST into a [`Statement`] for the executor.
//!
//! What the AST may hold beyond the supported dialect (see [`crate::sql`]) is refused
//! here with an error naming it, so nothing unsupported is ever answered approximately.
//! Name resolution follows SQLite: in `ORDER BY` and `GROUP BY` a bare name is first a
//! result-column alias, an integer is a result-column ordinal; in `WHERE` and `HAVING` a
//! name is first a column, then an alias. A grouped query may only name grouped columns
//! outside aggregates (SQLite would pick an arbitrary row: refused here).

use crate::sql::catalog::{Kind, Schema, SqlType};
use crate::sql::error::SqlError;
use crate::sql::func;
use crate::sql::plan::{
    Affinity, AggFunc, Aggregate, BinOp, CastType, Coerce, Expr, Func, JoinKind, Literal, Plan,
    SetOp, SortKey, Statement, WindowFunc, WindowFunction,
};
use sqlparser::ast;
use sqlparser::ast::Spanned;
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::{Parser, ParserError};
use std::cell::RefCell;
use std::rc::Rc;

/// How deep expressions and queries may nest.
const MAX_DEPTH: usize = 128;
/// Column indices from here on stand for window function results until the width of
/// the aggregate output is known.
const WINDOW_BASE: usize = 1 << 30;
/// Placeholder table names of scans whose used columns are filled in at the end.
const SCAN_PLACEHOLDER: &str = "\u{0}scan:";

/// Compiles every statement of `sql`.
pub fn compile(sql: &str, schema: &Schema) -> Result<Vec<Statement>, SqlError> {
    let statements = parse(sql)?;
    if statements.is_empty() {
        return Err(SqlError::new("no statement to run"));
    }
    statements
        .iter()
        .map(|s| compile_statement(sql, s, schema))
        .collect()
}

/// Compiles a text holding exactly one statement.
pub fn compile_one(sql: &str, schema: &Schema) -> Result<Statement, SqlError> {
    let mut all = compile(sql, schema)?;
    if all.len() != 1 {
        return Err(SqlError::new(format!(
            "expected one statement, found {}",
            all.len()
        )));
    }
    Ok(all.remove(0))
}

/// Splits a text into its statements at the `;`s outside quotes and comments, each with
/// the line it starts on (0-based), dropping pieces with nothing but blanks and
/// comments: so each statement can run (and fail) on its own.
pub fn split_statements(sql: &str) -> Vec<(u64, &str)> {
    fn push<'a>(
        sql: &'a str,
        from: usize,
        to: usize,
        has_code: bool,
        out: &mut Vec<(u64, &'a str)>,
    ) {
        if has_code {
            let line = sql[..from].matches('\n').count() as u64;
            out.push((line, &sql[from..to]));
        }
    }
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0usize, 0usize);
    let mut has_code = false;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                has_code = true;
                i += 1;
                while i < b.len() {
                    if b[i] == q {
                        if b.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'[' => {
                has_code = true;
                while i < b.len() && b[i] != b']' {
                    i += 1;
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b';' => {
                push(sql, start, i, has_code, &mut out);
                has_code = false;
                i += 1;
                start = i;
            }
            c => {
                if !c.is_ascii_whitespace() {
                    has_code = true;
                }
                i += 1;
            }
        }
    }
    push(sql, start.min(b.len()), b.len(), has_code, &mut out);
    out
}

/// Operators a text may hold at most: a chain of binary operators parses into a tree as
/// deep as it is long, and deep trees overflow the stack when walked or dropped.
const MAX_OPERATORS: usize = 2000;

fn parse(sql: &str) -> Result<Vec<ast::Statement>, SqlError> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let tokens = Tokenizer::new(&SQLiteDialect {}, sql)
        .tokenize()
        .map_err(|e| parser_error(ParserError::TokenizerError(e.to_string())))?;
    let operators = tokens
        .iter()
        .filter(|t| match t {
            Token::Word(w) => matches!(
                w.keyword,
                sqlparser::keywords::Keyword::AND
                    | sqlparser::keywords::Keyword::OR
                    | sqlparser::keywords::Keyword::NOT
                    | sqlparser::keywords::Keyword::CASE
            ),
            Token::Whitespace(_)
            | Token::Comma
            | Token::Number(..)
            | Token::SingleQuotedString(_) => false,
            Token::LParen | Token::RParen | Token::SemiColon | Token::Period | Token::EOF => false,
            _ => !matches!(t, Token::Word(_)),
        })
        .count();
    let mut depth = 0i64;
    let mut deepest = 0i64;
    for t in &tokens {
        match t {
            Token::LParen => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            Token::RParen => depth -= 1,
            _ => {}
        }
    }
    if deepest > (MAX_DEPTH / 2) as i64 {
        return Err(SqlError::new(format!(
            "the query is nested too deeply: more than {} levels of parentheses",
            MAX_DEPTH / 2
        )));
    }
    if operators > MAX_OPERATORS {
        return Err(SqlError::new(format!(
            "the query is too complex: more than {MAX_OPERATORS} operators"
        )));
    }
    Parser::new(&SQLiteDialect {})
        .with_recursion_limit(MAX_DEPTH / 2)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| {
            let mut e = parser_error(e);
            if e.line.is_none() && e.message.contains("EOF") {
                // The end of the text: its last line and the column after it.
                let last = sql.trim_end().rsplit('\n').next().unwrap_or("");
                e.line = Some(sql.trim_end().matches('\n').count() as u64 + 1);
                e.column = Some(last.chars().count() as u64 + 1);
            }
            e
        })
}

fn parser_error(e: ParserError) -> SqlError {
    let text = match &e {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => m.clone(),
        ParserError::RecursionLimitExceeded => "the query is nested too deeply".to_string(),
    };
    // sqlparser ends its messages with "at Line: L, Column: C".
    let mut error = SqlError::new(format!("syntax error: {text}"));
    if let Some(at) = text.rfind("Line: ") {
        let tail = &text[at + 6..];
        let line = tail
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|n| n.parse().ok());
        let column = tail.find("Column: ").and_then(|c| {
            tail[c + 8..]
                .split(|ch: char| !ch.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
        });
        error.line = line;
        error.column = column;
    }
    error
}

fn unsupported(what: impl std::fmt::Display) -> SqlError {
    SqlError::new(format!("not supported: {what}"))
}

fn at(mut e: SqlError, span: sqlparser::tokenizer::Span) -> SqlError {
    if e.line.is_none() && span.start.line > 0 {
        e.line = Some(span.start.line);
        e.column = Some(span.start.column);
    }
    e
}

fn compile_statement(
    sql: &str,
    statement: &ast::Statement,
    schema: &Schema,
) -> Result<Statement, SqlError> {
    let ast::Statement::Query(query) = statement else {
        let text = statement.to_string();
        let verb: String = text
            .split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        return Err(SqlError::new(format!(
            "only read-only SELECT queries can run; this statement is {verb} ..."
        )));
    };
    let mut planner = Planner {
        sql,
        schema,
        ctes: Vec::new(),
        levels: Vec::new(),
        refs: Vec::new(),
        scans: Vec::new(),
        depth: 0,
    };
    let planned = planner.query(query)?;
    let mut plan = planned.plan;
    planner.finish_scans(&mut plan);
    Ok(Statement {
        columns: planned.columns.into_iter().map(|c| c.name).collect(),
        plan,
    })
}

/// An output column of a planned query.
#[derive(Debug, Clone)]
struct OutCol {
    name: String,
    affinity: Affinity,
}

#[derive(Debug, Clone)]
struct Planned {
    plan: Plan,
    columns: Vec<OutCol>,
}

/// A column visible to expressions: which table (alias) it belongs to.
#[derive(Debug, Clone)]
struct ScopeCol {
    table: String,
    name: String,
    affinity: Affinity,
    /// The scan's column-use mask and this column's index in it, for base tables.
    used: Option<(Rc<RefCell<Vec<bool>>>, usize)>,
}

#[derive(Debug, Clone, Default)]
struct Scope {
    cols: Vec<ScopeCol>,
    /// A grouped query's FROM row is gone by the time its SELECT list runs: a
    /// subquery there cannot read it.
    sealed: bool,
}

impl Scope {
    fn mark(&self, i: usize) {
        if let Some((mask, j)) = &self.cols[i].used {
            mask.borrow_mut()[*j] = true;
        }
    }

    /// Finds `table.name` (or `name` in any table).
    fn find(&self, table: Option<&str>, name: &str) -> Result<Option<usize>, SqlError> {
        let mut found = None;
        for (i, c) in self.cols.iter().enumerate() {
            if c.name.eq_ignore_ascii_case(name)
                && table.is_none_or(|t| c.table.eq_ignore_ascii_case(t))
            {
                if found.is_some() {
                    return Err(SqlError::new(format!("ambiguous column name: {name}")));
                }
                found = Some(i);
            }
        }
        Ok(found)
    }
}

struct Cte {
    name: String,
    planned: Planned,
}

struct ScanInfo {
    table: String,
    columns: Vec<String>,
    used: Rc<RefCell<Vec<bool>>>,
}

/// How an expression is being planned.
struct Cx<'a> {
    scope: &'a Scope,
    /// Grouped: the planned GROUP BY expressions (over the FROM row) and the aggregates
    /// found so far; expressions then read the aggregate output row.
    group: Option<&'a mut Grouping>,
    /// Window functions found so far (`None`: not allowed here).
    windows: Option<&'a mut Vec<WindowFunction>>,
    /// Result-column aliases a name may fall back to (WHERE, HAVING).
    aliases: &'a [(String, ast::Expr)],
    expanding: Vec<String>,
    clause: &'static str,
}

#[derive(Default)]
struct Grouping {
    exprs: Vec<Expr>,
    aggregates: Vec<Aggregate>,
}

struct Planner<'s> {
    sql: &'s str,
    schema: &'s Schema,
    ctes: Vec<Cte>,
    /// Scopes of the enclosing queries (innermost last).
    levels: Vec<Scope>,
    /// Levels referenced by outer references, to tell correlated subqueries.
    refs: Vec<usize>,
    scans: Vec<ScanInfo>,
    depth: usize,
}

fn affinity_of(ty: SqlType, kind: Kind) -> Affinity {
    match (ty, kind) {
        (SqlType::Integer, _) => Affinity::Integer,
        (SqlType::Real, _) => Affinity::Real,
        (SqlType::Text, _) => Affinity::Text,
    }
}

/// SQLite's affinity of a declared type name.
fn cast_type(ty: &ast::DataType) -> Result<CastType, SqlError> {
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

fn cast_affinity(t: CastType) -> Affinity {
    match t {
        CastType::Integer => Affinity::Integer,
        CastType::Real => Affinity::Real,
        CastType::Text => Affinity::Text,
        CastType::Numeric => Affinity::Numeric,
    }
}

/// The conversions SQLite applies before comparing operands of these affinities.
pub fn coerce_for(left: Affinity, right: Affinity) -> Coerce {
    let weak = |a: Affinity| matches!(a, Affinity::Text | Affinity::None);
    if left.is_numeric() && weak(right) {
        Coerce::NumericRight
    } else if right.is_numeric() && weak(left) {
        Coerce::NumericLeft
    } else if left == Affinity::Text && right == Affinity::None {
        Coerce::TextRight
    } else if right == Affinity::Text && left == Affinity::None {
        Coerce::TextLeft
    } else {
        Coerce::None
    }
}

fn aggregate_func(name: &str, args: usize) -> Option<AggFunc> {
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

fn function_name(f: &ast::Function) -> String {
    f.name.to_string().to_ascii_lowercase()
}

fn function_args(f: &ast::Function) -> Result<(Vec<&ast::FunctionArgExpr>, bool), SqlError> {
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

fn is_aggregate_call(f: &ast::Function) -> bool {
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
fn contains_aggregate(e: &ast::Expr) -> bool {
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

fn contains_window(e: &ast::Expr) -> bool {
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
fn walk(e: &ast::Expr, f: &mut dyn FnMut(&ast::Expr)) {
    walk_at(e, f, 0)
}

fn walk_at(e: &ast::Expr, f: &mut dyn FnMut(&ast::Expr), depth: usize) {
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

/// Visits every expression of a plan tree (not entering subquery plans).
fn exprs_mut(plan: &mut Plan, f: &mut dyn FnMut(&mut Expr)) {
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

fn children_mut(plan: &mut Plan) -> Vec<&mut Plan> {
    match plan {
        Plan::Scan { .. } | Plan::Values { .. } => Vec::new(),
        Plan::Filter { input, .. }
        | Plan::Project { input, .. }
        | Plan::Aggregate { input, .. }
        | Plan::Window { input, .. }
        | Plan::Sort { input, .. }
        | Plan::Limit { input, .. }
        | Plan::Distinct { input } => vec![input],
        Plan::Join { left, right, .. } | Plan::SetOp { left, right, .. } => vec![left, right],
    }
}

/// Visits the sub-expressions of an expression, and the plans of its subqueries.
fn expr_children_mut(e: &mut Expr, f: &mut dyn FnMut(&mut Expr), p: &mut dyn FnMut(&mut Plan)) {
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
fn map_columns(e: &mut Expr, map: &dyn Fn(usize) -> usize) {
    if let Expr::Column(i) = e {
        *i = map(*i);
        return;
    }
    expr_children_mut(e, &mut |x| map_columns(x, map), &mut |_| {});
}

fn columns_of(e: &Expr, out: &mut Vec<usize>, nested: &mut bool) {
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
fn width(plan: &Plan) -> usize {
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

fn split_and(e: Expr, out: &mut Vec<Expr>) {
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

fn join_and(mut conjuncts: Vec<Expr>) -> Option<Expr> {
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
fn equi_keys(conjuncts: Vec<Expr>, left_width: usize) -> (Vec<Expr>, Vec<Expr>, Vec<Expr>) {
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

/// Moves WHERE conjuncts that compare the two sides of an inner join into its keys, down
/// a left-deep chain of joins. Returns what stays in WHERE.
fn push_into_joins(plan: &mut Plan, conjuncts: Vec<Expr>) -> Vec<Expr> {
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
    // Conditions within the left side may go further down.
    let mut stay = Vec::new();
    let mut down = Vec::new();
    for c in others {
        let (mut cols, mut nested) = (Vec::new(), false);
        columns_of(&c, &mut cols, &mut nested);
        if cols.iter().all(|&i| i < lw) {
            down.push(c);
        } else {
            stay.push(c);
        }
    }
    let left_rest = push_into_joins(left, down);
    rest.extend(stay);
    rest.extend(left_rest);
    rest
}

impl<'s> Planner<'s> {
    fn enter(&mut self) -> Result<(), SqlError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(SqlError::new("the query is nested too deeply"));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// The source text of a select item starting at `span` (for unnamed result
    /// columns, which SQLite names as written): from its first token to the `,`,
    /// keyword or `)` that ends it at its own nesting level.
    fn source_text(&self, span: sqlparser::tokenizer::Span, fallback: String) -> String {
        use sqlparser::tokenizer::{Token, Tokenizer};
        let Ok(tokens) = Tokenizer::new(&SQLiteDialect {}, self.sql).tokenize_with_location()
        else {
            return fallback;
        };
        let offset = |line: u64, column: u64| -> Option<usize> {
            let mut pos = 0usize;
            for (i, l) in self.sql.split_inclusive('\n').enumerate() {
                if i as u64 + 1 == line {
                    return Some(
                        pos + l
                            .char_indices()
                            .nth(column.saturating_sub(1) as usize)
                            .map_or(l.len(), |(b, _)| b),
                    );
                }
                pos += l.len();
            }
            None
        };
        let Some(first) = tokens.iter().position(|t| t.span.start == span.start) else {
            return fallback;
        };
        let mut depth = 0i32;
        let mut end = None;
        for t in &tokens[first..] {
            match &t.token {
                Token::LParen => {
                    depth += 1;
                    continue;
                }
                Token::RParen if depth == 0 => {}
                Token::RParen => {
                    depth -= 1;
                    continue;
                }
                Token::Comma | Token::SemiColon if depth == 0 => {}
                Token::Word(w) if depth == 0 && t.span.start != span.start => {
                    use sqlparser::keywords::Keyword as K;
                    if !matches!(
                        w.keyword,
                        K::FROM
                            | K::WHERE
                            | K::GROUP
                            | K::HAVING
                            | K::ORDER
                            | K::LIMIT
                            | K::UNION
                            | K::EXCEPT
                            | K::INTERSECT
                            | K::WINDOW
                            | K::AS
                    ) {
                        continue;
                    }
                }
                Token::EOF => {}
                _ => continue,
            }
            end = Some(t.span.start);
            break;
        }
        let from = offset(span.start.line, span.start.column);
        let to = match end {
            Some(e) if e.line > 0 => offset(e.line, e.column),
            _ => Some(self.sql.len()),
        };
        match (from, to) {
            (Some(a), Some(b)) if a < b => {
                let text = self.sql[a..b].trim_end();
                let text = text.strip_suffix("--").unwrap_or(text).trim_end();
                if text.is_empty() {
                    fallback
                } else {
                    text.to_string()
                }
            }
            _ => fallback,
        }
    }

    fn finish_scans(&self, plan: &mut Plan) {
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
        for child in children_mut(plan) {
            self.finish_scans(child);
        }
    }

    fn finish_expr(&self, e: &mut Expr) {
        expr_children_mut(e, &mut |x| self.finish_expr(x), &mut |p| {
            self.finish_scans(p)
        });
    }

    fn query(&mut self, q: &ast::Query) -> Result<Planned, SqlError> {
        self.enter()?;
        let result = self.query_inner(q);
        self.leave();
        result
    }

    fn query_inner(&mut self, q: &ast::Query) -> Result<Planned, SqlError> {
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
    fn constant(&mut self, e: Option<&ast::Expr>) -> Result<Option<Expr>, SqlError> {
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

    fn set_expr(&mut self, body: &ast::SetExpr) -> Result<Planned, SqlError> {
        self.enter()?;
        let r = self.set_expr_inner(body);
        self.leave();
        r
    }

    fn set_expr_inner(&mut self, body: &ast::SetExpr) -> Result<Planned, SqlError> {
        match body {
            ast::SetExpr::Select(select) => self.select(select, &[]),
            ast::SetExpr::Query(q) => self.query(q),
            ast::SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            } => {
                let l = self.set_expr(left)?;
                let r = self.set_expr(right)?;
                if l.columns.len() != r.columns.len() {
                    return Err(SqlError::new(format!(
                        "SELECTs to the left and right of {op} do not have the same number of result columns"
                    )));
                }
                let all = match set_quantifier {
                    ast::SetQuantifier::All => true,
                    ast::SetQuantifier::Distinct | ast::SetQuantifier::None => false,
                    other => return Err(unsupported(format!("{op} {other}"))),
                };
                let op = match (op, all) {
                    (ast::SetOperator::Union, true) => SetOp::UnionAll,
                    (ast::SetOperator::Union, false) => SetOp::Union,
                    (ast::SetOperator::Intersect, false) => SetOp::Intersect,
                    (ast::SetOperator::Except, false) => SetOp::Except,
                    (other, _) => return Err(unsupported(format!("{other} {set_quantifier}"))),
                };
                Ok(Planned {
                    plan: Plan::SetOp {
                        op,
                        left: Box::new(l.plan),
                        right: Box::new(r.plan),
                    },
                    columns: l.columns,
                })
            }
            ast::SetExpr::Values(values) => {
                let scope = Scope::default();
                let mut rows = Vec::new();
                let mut width = None;
                for row in &values.rows {
                    let mut cx = Cx {
                        scope: &scope,
                        group: None,
                        windows: None,
                        aliases: &[],
                        expanding: Vec::new(),
                        clause: "VALUES",
                    };
                    let mut planned = Vec::new();
                    for e in row.iter() {
                        planned.push(self.expr(e, &mut cx)?.0);
                    }
                    if width.is_some_and(|w| w != planned.len()) {
                        return Err(SqlError::new(
                            "all VALUES must have the same number of terms",
                        ));
                    }
                    width = Some(planned.len());
                    rows.push(planned);
                }
                let width = width.unwrap_or(0);
                Ok(Planned {
                    plan: Plan::Values { width, rows },
                    columns: (1..=width)
                        .map(|i| OutCol {
                            name: format!("column{i}"),
                            affinity: Affinity::None,
                        })
                        .collect(),
                })
            }
            other => Err(unsupported(format!(
                "{} as a query",
                other
                    .to_string()
                    .split_whitespace()
                    .next()
                    .unwrap_or("this")
            ))),
        }
    }

    /// ORDER BY of a compound query: by result column (ordinal or name).
    fn order_compound(
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

    fn select(&mut self, s: &ast::Select, order: &[ast::OrderByExpr]) -> Result<Planned, SqlError> {
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
        let mut items: Vec<(ast::Expr, String, Option<usize>)> = Vec::new();
        for item in &s.projection {
            match item {
                ast::SelectItem::UnnamedExpr(e) => {
                    let name = match e {
                        ast::Expr::Identifier(id) => id.value.clone(),
                        ast::Expr::CompoundIdentifier(ids) => {
                            ids.last().map(|i| i.value.clone()).unwrap_or_default()
                        }
                        _ => self.source_text(e.span(), e.to_string()),
                    };
                    items.push((e.clone(), name, None));
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    items.push((expr.clone(), alias.value.clone(), None));
                }
                ast::SelectItem::Wildcard(opts) => {
                    check_wildcard(opts)?;
                    if scope.cols.is_empty() {
                        return Err(SqlError::new("no tables specified"));
                    }
                    for i in 0..scope.cols.len() {
                        items.push((
                            ast::Expr::Identifier(ast::Ident::new("*")),
                            scope.cols[i].name.clone(),
                            Some(i),
                        ));
                    }
                }
                ast::SelectItem::QualifiedWildcard(kind, opts) => {
                    check_wildcard(opts)?;
                    let table = match kind {
                        ast::SelectItemQualifiedWildcardKind::ObjectName(n) => n.to_string(),
                        _ => return Err(unsupported("this wildcard")),
                    };
                    let mut any = false;
                    for i in 0..scope.cols.len() {
                        if scope.cols[i].table.eq_ignore_ascii_case(&table) {
                            any = true;
                            items.push((
                                ast::Expr::Identifier(ast::Ident::new("*")),
                                scope.cols[i].name.clone(),
                                Some(i),
                            ));
                        }
                    }
                    if !any {
                        return Err(SqlError::new(format!("no such table: {table}")));
                    }
                }
                ast::SelectItem::ExprWithAliases { .. } => {
                    return Err(unsupported("multiple aliases"))
                }
            }
        }
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

    fn from(&mut self, from: &[ast::TableWithJoins]) -> Result<(Plan, Scope), SqlError> {
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

    fn table_with_joins(&mut self, twj: &ast::TableWithJoins) -> Result<(Plan, Scope), SqlError> {
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
                    let name = format!("{other:?}");
                    let name = name.split('(').next().unwrap_or("this").to_string();
                    return Err(unsupported(format!(
                        "{name} joins (JOIN, LEFT JOIN and CROSS JOIN are)"
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

    fn factor(&mut self, f: &ast::TableFactor) -> Result<(Plan, Scope), SqlError> {
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

    /// Resolves a column name: this query's FROM, then result aliases (where allowed),
    /// then the enclosing queries.
    fn column(
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

    /// Plans a subquery expression: returns the plan, its columns and whether it reads
    /// the current row.
    fn subquery(
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

    fn expr(&mut self, e: &ast::Expr, cx: &mut Cx<'_>) -> Result<(Expr, Affinity), SqlError> {
        self.enter()?;
        let r = self.expr_inner(e, cx);
        self.leave();
        r
    }

    fn expr_inner(&mut self, e: &ast::Expr, cx: &mut Cx<'_>) -> Result<(Expr, Affinity), SqlError> {
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

    fn function(
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
    fn aggregate(
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
        let aggregate = Aggregate {
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

    fn window_function(
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

fn check_wildcard(opts: &ast::WildcardAdditionalOptions) -> Result<(), SqlError> {
    if opts.opt_ilike.is_some()
        || opts.opt_exclude.is_some()
        || opts.opt_except.is_some()
        || opts.opt_replace.is_some()
        || opts.opt_rename.is_some()
    {
        return Err(unsupported(
            "wildcard options (EXCLUDE, EXCEPT, REPLACE, ...)",
        ));
    }
    Ok(())
}

fn rename(planned: &mut Planned, alias: &ast::TableAlias) -> Result<(), SqlError> {
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

fn nth(n: usize) -> String {
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
fn ordinal(text: &str, n: usize, columns: usize) -> Result<Option<usize>, SqlError> {
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

fn sort_key(expr: Expr, options: &ast::OrderByOptions) -> Result<SortKey, SqlError> {
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

fn literal(v: &ast::Value) -> Result<Expr, SqlError> {
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

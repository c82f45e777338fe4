//! SQL text to plans: sqlparser (SQLite dialect) parses, this planner resolves names
//! against a [`Schema`] and compiles the AST into a [`Statement`] for the executor.
//!
//! What the AST may hold beyond the supported dialect (see [`crate::sql`]) is refused
//! here with an error naming it, so nothing unsupported is ever answered approximately.
//! Name resolution follows SQLite: in `ORDER BY` and `GROUP BY` a bare name is first a
//! result-column alias, an integer is a result-column ordinal; in `WHERE` and `HAVING` a
//! name is first a column, then an alias. A grouped query may only name grouped columns
//! outside aggregates (SQLite would pick an arbitrary row: refused here).
//!
//! This file holds the entry points and the planner's context (`Planner`, the `Scope`
//! of visible columns, what an expression is planned in); the planner's methods live by
//! construct: `query` (`WITH`, `LIMIT`), `set_expr` (compound queries, `VALUES`),
//! `select`, `select_list` (wildcards, result column names), `from` (tables, joins,
//! subqueries in `FROM`), `order_by`, `expr`, `function` (scalar, aggregate and window
//! calls), `scope` (resolving a column name); `rewrite` holds rewrites of planned
//! trees, `affinity` SQLite's type affinities and `split` the splitting of a script into
//! statements.

mod affinity;
mod expr;
mod from;
mod function;
mod order_by;
mod query;
mod rewrite;
mod scope;
mod select;
mod select_list;
mod set_expr;
mod split;

pub use affinity::coerce_for;
pub use split::split_statements;

use crate::sql::catalog::Schema;
use crate::sql::error::SqlError;
use crate::sql::plan::{Affinity, AggregateCall, Expr, Plan, Statement, WindowFunction};
use sqlparser::ast;
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
    aggregates: Vec<AggregateCall>,
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
}

//! A `SELECT`'s list of result columns: wildcards expanded over the `FROM` scope,
//! aliases, and unnamed columns named as written, as SQLite names them.

use super::{unsupported, Planner, Scope};
use crate::sql::error::SqlError;
use sqlparser::ast;
use sqlparser::ast::Spanned;
use sqlparser::dialect::SQLiteDialect;

impl<'s> Planner<'s> {
    /// The select list, with `*` expanded, as (expression, name, the scope column a
    /// wildcard stands for).
    pub(super) fn select_items(
        &self,
        projection: &[ast::SelectItem],
        scope: &Scope,
    ) -> Result<Vec<(ast::Expr, String, Option<usize>)>, SqlError> {
        let mut items: Vec<(ast::Expr, String, Option<usize>)> = Vec::new();
        for item in projection {
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
        Ok(items)
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

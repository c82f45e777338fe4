//! SQL text to a result, on a small warehouse under a small memory budget.
//!
//! An input is either SQL text (first byte even: the rest, as UTF-8 lossily) or, far
//! more often useful, choices for a generator that follows the grammar (first byte
//! odd): each further byte picks a production, so that every input is a statement the
//! parser mostly accepts, with joins (cross, equality, LEFT), derived tables, subqueries
//! in expressions (scalar, `IN`, `EXISTS`), aggregates with `GROUP BY` and `HAVING`,
//! window functions, `ORDER BY`, `LIMIT`, compound selects and the functions the
//! engine has. Each statement compiled runs twice, on the fast paths and on the general
//! path only ([`Options::general_only`]): no panic, and both give the same rows or the
//! same error, but where one stopped at the memory budget (its paths hold different
//! amounts).

use bi_platform::generate::{sample_files, SampleSpec};
use bi_platform::sql::{self, Options, Schema};
use bi_platform::{memory, TenantScope, Warehouse};
use std::fmt::Write;

/// The room a statement has above what is live when it starts.
const ROOM: u64 = 16 << 20;

thread_local! {
    /// Two tenants of six campaigns (twelve rows), their targets and customers.
    static WAREHOUSE: (Warehouse, Schema) = {
        let spec = SampleSpec {
            tenants: 2,
            campaigns_per_tenant: 6,
            customers_per_tenant: 3,
            seed: 7,
        };
        let files = sample_files(&spec).expect("a small sample");
        let mut w = Warehouse::new();
        w.load("marketing_campaigns.csv", &files.campaigns_csv);
        w.load("sales_targets.csv", &files.targets_csv);
        let schema = sql::schema(w.star());
        (w, schema)
    };
}

/// Runs the statement(s) an input stands for (see the module docs).
pub fn check_sql(bytes: &[u8]) {
    WAREHOUSE.with(|(w, schema)| {
        let text = match bytes.split_first() {
            Some((mode, rest)) if mode % 2 == 1 => generated_sql(rest, schema),
            Some((_, rest)) => String::from_utf8_lossy(rest).into_owned(),
            None => return,
        };
        run_both_ways(w, schema, &text);
    });
}

/// The statement the generator makes of `choices` over `schema`.
pub fn generated_sql(choices: &[u8], schema: &Schema) -> String {
    let mut g = Gen {
        choices,
        at: 0,
        schema,
        names: 0,
    };
    let mut out = String::new();
    g.statement(&mut out);
    out
}

fn run_both_ways(w: &Warehouse, schema: &Schema, text: &str) {
    let star = w.star();
    for statement in sql::compile_each(text, schema) {
        let Ok(statement) = statement else { continue };
        let run = |general_only| {
            let options = Options {
                now_ms: Some(1_732_000_000_000),
                memory_budget: Some(memory::live_bytes() + ROOM),
                general_only,
            };
            sql::run(star, &TenantScope::All, &statement, &options)
        };
        let fast = run(false);
        let general = run(true);
        let over = |r: &Result<sql::Rows<'_>, sql::SqlError>| matches!(r, Err(e) if e.message.starts_with("this query needs more than"));
        if over(&fast) || over(&general) {
            continue;
        }
        match (&fast, &general) {
            (Ok(a), Ok(b)) => assert!(a == b, "{text}\n  fast:    {a:?}\n  general: {b:?}"),
            (Err(a), Err(b)) => assert_eq!(a, b, "{text}"),
            _ => panic!("{text}\n  fast:    {fast:?}\n  general: {general:?}"),
        }
    }
}

/// A FROM item in scope: its alias and column names.
struct Item {
    alias: String,
    columns: Vec<String>,
}

struct Gen<'a> {
    choices: &'a [u8],
    at: usize,
    schema: &'a Schema,
    names: usize,
}

impl Gen<'_> {
    /// A choice in `0..n`; 0 (the simplest production) once the input is used up.
    fn pick(&mut self, n: usize) -> usize {
        let Some(&b) = self.choices.get(self.at) else {
            return 0;
        };
        self.at += 1;
        b as usize % n.max(1)
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.names += 1;
        format!("{prefix}{}", self.names)
    }

    fn statement(&mut self, out: &mut String) {
        let width = 1 + self.pick(3);
        self.query(out, 0, width, &[]);
        if self.pick(4) == 1 {
            let op = ["UNION", "UNION ALL", "INTERSECT", "EXCEPT"][self.pick(4)];
            let _ = write!(out, " {op} ");
            self.query(out, 1, width, &[]);
        }
        if self.pick(3) == 1 {
            let _ = write!(out, " ORDER BY {}", 1 + self.pick(width));
            if self.pick(2) == 1 {
                out.push_str(" DESC");
            }
        }
        if self.pick(3) == 1 {
            let _ = write!(out, " LIMIT {}", self.pick(20));
            if self.pick(3) == 1 {
                let _ = write!(out, " OFFSET {}", self.pick(10));
            }
        }
    }

    /// `SELECT` of `width` columns (named c0, c1, ...) at nesting `depth`, seeing the
    /// enclosing query's items `outer` (correlated references).
    fn query(
        &mut self,
        out: &mut String,
        depth: usize,
        width: usize,
        outer: &[Item],
    ) -> Vec<String> {
        let mut items = Vec::new();
        let mut from = String::new();
        // At most two items: `dim_date` alone has hundreds of rows, and three-way
        // products of it with subqueries per row take seconds (the three-way cross
        // joins are tests/limits/query_budget.rs's).
        let n = 1 + self.pick(2);
        for i in 0..n {
            let item = self.table_ref(&mut from, depth, i, &items);
            items.push(item);
        }
        let mut scope: Vec<&Item> = items.iter().collect();
        scope.extend(outer.iter());
        let grouped = self.pick(3) == 1;
        out.push_str("SELECT ");
        if self.pick(5) == 1 {
            out.push_str("DISTINCT ");
        }
        let mut names = Vec::new();
        for i in 0..width {
            if i > 0 {
                out.push_str(", ");
            }
            if grouped && i == 0 {
                self.column(out, &scope);
            } else if grouped || self.pick(4) == 1 {
                self.aggregate(out, &scope, depth);
            } else {
                self.expr(out, &scope, depth, 0);
            }
            let _ = write!(out, " AS c{i}");
            names.push(format!("c{i}"));
        }
        let _ = write!(out, " FROM {from}");
        if self.pick(2) == 1 {
            out.push_str(" WHERE ");
            self.predicate(out, &scope, depth, 0);
        }
        if grouped {
            out.push_str(" GROUP BY 1");
            if self.pick(3) == 1 {
                out.push_str(" HAVING ");
                self.aggregate(out, &scope, depth);
                let _ = write!(out, " > {}", self.pick(5));
            }
        }
        names
    }

    fn table_ref(&mut self, from: &mut String, depth: usize, i: usize, before: &[Item]) -> Item {
        if i > 0 {
            from.push_str(match self.pick(4) {
                0 => ", ",
                1 => " JOIN ",
                2 => " LEFT JOIN ",
                _ => " CROSS JOIN ",
            });
        }
        let join_on = i > 0 && !from.ends_with(", ") && !from.ends_with("CROSS JOIN ");
        let alias = self.fresh("t");
        let item = if depth < 2 && self.pick(5) == 1 {
            let width = 1 + self.pick(3);
            let mut sub = String::new();
            let columns = self.query(&mut sub, depth + 1, width, &[]);
            let _ = write!(from, "({sub}) {alias}");
            Item { alias, columns }
        } else {
            let tables = &self.schema.tables;
            let table = &tables[self.pick(tables.len())];
            let _ = write!(from, "{} {alias}", table.name);
            Item {
                alias,
                columns: table.columns.iter().map(|c| c.name.clone()).collect(),
            }
        };
        if join_on {
            from.push_str(" ON ");
            let left = &before[self.pick(before.len())];
            let l = left.columns[self.pick(left.columns.len())].clone();
            let r = item.columns[self.pick(item.columns.len())].clone();
            let _ = write!(from, "{}.{l} = {}.{r}", left.alias, item.alias);
            if self.pick(3) == 1 {
                from.push_str(" AND ");
                let scope: Vec<&Item> = before.iter().chain([&item]).collect();
                self.predicate(from, &scope, depth + 1, 1);
            }
        }
        item
    }

    fn column(&mut self, out: &mut String, scope: &[&Item]) {
        let item = scope[self.pick(scope.len())];
        let column = &item.columns[self.pick(item.columns.len())];
        let _ = write!(out, "{}.{column}", item.alias);
    }

    fn literal(&mut self, out: &mut String) {
        match self.pick(6) {
            0 => {
                let _ = write!(out, "{}", self.pick(100));
            }
            1 => {
                let _ = write!(out, "{}.5", self.pick(10));
            }
            2 => {
                out.push_str(["'North'", "'tenant_001'", "'2024-11-01'", "''", "'x'"][self.pick(5)])
            }
            3 => out.push_str("NULL"),
            4 => {
                let _ = write!(out, "-{}", self.pick(1000));
            }
            _ => out.push_str(["9223372036854775807", "1e308", "0.1"][self.pick(3)]),
        }
    }

    fn expr(&mut self, out: &mut String, scope: &[&Item], depth: usize, level: usize) {
        let choice = if level > 3 {
            self.pick(2)
        } else {
            self.pick(9)
        };
        match choice {
            0 => self.column(out, scope),
            1 => self.literal(out),
            2 | 3 => {
                out.push('(');
                self.expr(out, scope, depth, level + 1);
                let op = ["+", "-", "*", "/", "%", "||"][self.pick(6)];
                let _ = write!(out, " {op} ");
                self.expr(out, scope, depth, level + 1);
                out.push(')');
            }
            4 => {
                let f = [
                    "LENGTH", "UPPER", "LOWER", "ABS", "ROUND", "TYPEOF", "TRIM", "HEX",
                ][self.pick(8)];
                let _ = write!(out, "{f}(");
                self.expr(out, scope, depth, level + 1);
                out.push(')');
            }
            5 => {
                let f = ["COALESCE", "IFNULL", "NULLIF", "MAX", "MIN", "SUBSTR"][self.pick(6)];
                let _ = write!(out, "{f}(");
                self.expr(out, scope, depth, level + 1);
                out.push_str(", ");
                self.expr(out, scope, depth, level + 1);
                out.push(')');
            }
            6 => {
                out.push_str("CASE WHEN ");
                self.predicate(out, scope, depth, level + 1);
                out.push_str(" THEN ");
                self.expr(out, scope, depth, level + 1);
                out.push_str(" ELSE ");
                self.expr(out, scope, depth, level + 1);
                out.push_str(" END");
            }
            7 if depth == 0 => {
                // A scalar subquery, possibly correlated.
                out.push('(');
                let outer: Vec<Item> = scope
                    .iter()
                    .map(|i| Item {
                        alias: i.alias.clone(),
                        columns: i.columns.clone(),
                    })
                    .collect();
                self.query(out, depth + 1, 1, &outer);
                out.push(')');
            }
            7 => self.literal(out),
            _ => {
                let f = ["strftime('%Y-%m', ", "date(", "CAST(", "julianday("][self.pick(4)];
                out.push_str(f);
                self.expr(out, scope, depth, level + 1);
                out.push_str(if f == "CAST(" { " AS INTEGER)" } else { ")" });
            }
        }
    }

    fn aggregate(&mut self, out: &mut String, scope: &[&Item], depth: usize) {
        match self.pick(9) {
            0 => out.push_str("COUNT(*)"),
            7 => {
                out.push_str("GROUP_CONCAT(");
                self.expr(out, scope, depth, 2);
                out.push_str(", '|')");
            }
            8 => {
                let f = ["ROW_NUMBER()", "RANK()", "SUM(1)"][self.pick(3)];
                let _ = write!(out, "{f} OVER (ORDER BY ");
                self.column(out, scope);
                out.push(')');
            }
            n => {
                let f = ["COUNT", "SUM", "AVG", "MIN", "MAX", "TOTAL"][n - 1];
                let distinct = if self.pick(4) == 1 { "DISTINCT " } else { "" };
                let _ = write!(out, "{f}({distinct}");
                self.expr(out, scope, depth, 2);
                out.push(')');
            }
        }
    }

    fn predicate(&mut self, out: &mut String, scope: &[&Item], depth: usize, level: usize) {
        let choice = if level > 2 { 0 } else { self.pick(7) };
        match choice {
            0 | 1 => {
                self.expr(out, scope, depth, level + 1);
                let op = ["=", "<>", "<", "<=", ">", ">=", "IS", "IS NOT"][self.pick(8)];
                let _ = write!(out, " {op} ");
                self.expr(out, scope, depth, level + 1);
            }
            2 => {
                out.push('(');
                self.predicate(out, scope, depth, level + 1);
                out.push_str([" AND ", " OR "][self.pick(2)]);
                self.predicate(out, scope, depth, level + 1);
                out.push(')');
            }
            3 => {
                out.push_str("NOT ");
                self.predicate(out, scope, depth, level + 1);
            }
            4 => {
                self.expr(out, scope, depth, level + 1);
                out.push_str([" IS NULL", " LIKE 'C%'", " BETWEEN 1 AND 50"][self.pick(3)]);
            }
            _ if depth == 0 => {
                let outer: Vec<Item> = scope
                    .iter()
                    .map(|i| Item {
                        alias: i.alias.clone(),
                        columns: i.columns.clone(),
                    })
                    .collect();
                if self.pick(2) == 0 {
                    self.expr(out, scope, depth, level + 1);
                    out.push_str(" IN (");
                } else {
                    out.push_str("EXISTS (");
                }
                self.query(out, depth + 1, 1, &outer);
                out.push(')');
            }
            _ => out.push('1'),
        }
    }
}

//! EXPLAIN: a plan as text an analyst can read, one operator a line, its input indented
//! below it, columns by name rather than by position.
//!
//! ```text
//! Sort: spend DESC
//!   Aggregate: group by tenant_id; SUM(spend), COUNT(*)
//!     Scan fact_campaigns: tenant_id, spend
//! ```
//!
//! Subqueries are printed after the plan that uses them, as `subquery #n`, and an
//! expression of theirs that reads the enclosing row says `outer.<name>`. The text is
//! a function of the plan alone, so a dashboard and the SQL it is written in print the
//! same text when they compile to the same plan.

use crate::sql::exec::Step;
use crate::sql::plan::{
    AggFunc, AggregateCall, BinOp, CastType, Expr, Func, JoinKind, Literal, Plan, SetOp, SortKey,
    Statement, WindowFunc, WindowFunction,
};
use std::fmt::Write;

/// The plan of `statement` as text, output columns first.
pub fn explain(statement: &Statement) -> String {
    let mut printer = Printer::default();
    let mut out = format!("Output: {}\n", statement.columns.join(", "));
    printer.plan(&statement.plan, 0, &[], &mut out);
    let mut next = 0;
    while next < printer.subqueries.len() {
        let (plan, outer) = printer.subqueries[next].clone();
        next += 1;
        let _ = writeln!(out, "subquery #{next}:");
        printer.plan(&plan, 1, &outer, &mut out);
    }
    out
}

/// How a traced run went ([`crate::sql::exec::run_traced`]): one line an operator, in
/// the order they started, indented by how many operators they ran under, with the
/// paths they took and the rows they gave.
pub fn steps_text(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        let indent = "  ".repeat(step.depth);
        let paths = if step.paths.is_empty() {
            String::new()
        } else {
            format!(" [{}]", step.paths.join("; "))
        };
        let rows = if step.rows == 1 { "row" } else { "rows" };
        let _ = writeln!(
            out,
            "{indent}{}{paths}: {} {rows}",
            step.operator, step.rows
        );
    }
    out
}

/// What the printer collects while walking a plan: the subqueries met (with the
/// enclosing row's column names), printed after it.
#[derive(Default)]
struct Printer {
    subqueries: Vec<(Plan, Vec<String>)>,
}

/// The names of a plan's output columns, as expressions above it see them.
fn names(plan: &Plan, outer: &[String]) -> Vec<String> {
    match plan {
        Plan::Scan { columns, .. } => columns.clone(),
        Plan::Values { width, .. } => (1..=*width).map(|i| format!("column{i}")).collect(),
        Plan::Filter { input, .. }
        | Plan::Sort { input, .. }
        | Plan::Limit { input, .. }
        | Plan::Distinct { input } => names(input, outer),
        Plan::Project { input, exprs } => {
            let inner = names(input, outer);
            exprs.iter().map(|e| quiet_expr(e, &inner, outer)).collect()
        }
        Plan::Aggregate {
            input,
            group_by,
            aggregates,
        } => {
            let inner = names(input, outer);
            group_by
                .iter()
                .map(|e| quiet_expr(e, &inner, outer))
                .chain(aggregates.iter().map(|a| quiet_aggregate(a, &inner, outer)))
                .collect()
        }
        Plan::Window { input, functions } => {
            let inner = names(input, outer);
            let mut all = inner.clone();
            all.extend(functions.iter().map(|f| quiet_window(f, &inner, outer)));
            all
        }
        Plan::Join { left, right, .. } => {
            let mut all = names(left, outer);
            all.extend(names(right, outer));
            all
        }
        Plan::SetOp { left, .. } => names(left, outer),
    }
}

/// An expression's text without collecting its subqueries (for names).
fn quiet_expr(e: &Expr, inner: &[String], outer: &[String]) -> String {
    Printer::default().expr(e, inner, outer)
}

fn quiet_aggregate(a: &AggregateCall, inner: &[String], outer: &[String]) -> String {
    Printer::default().aggregate(a, inner, outer)
}

fn quiet_window(f: &WindowFunction, inner: &[String], outer: &[String]) -> String {
    Printer::default().window(f, inner, outer)
}

impl Printer {
    fn plan(&mut self, plan: &Plan, depth: usize, outer: &[String], out: &mut String) {
        let indent = "  ".repeat(depth);
        let line = self.line(plan, outer);
        let _ = writeln!(out, "{indent}{line}");
        for input in plan.inputs() {
            self.plan(input, depth + 1, outer, out);
        }
    }

    /// One operator's line.
    fn line(&mut self, plan: &Plan, outer: &[String]) -> String {
        match plan {
            Plan::Scan { table, columns } => {
                let read: Vec<&str> = columns
                    .iter()
                    .filter(|c| !c.is_empty())
                    .map(String::as_str)
                    .collect();
                format!("Scan {table}: {}", read.join(", "))
            }
            Plan::Values { width, rows } => format!("Values: {} row(s) of {width}", rows.len()),
            Plan::Filter { input, predicate } => {
                let inner = names(input, outer);
                format!("Filter: {}", self.expr(predicate, &inner, outer))
            }
            Plan::Project { input, exprs } => {
                let inner = names(input, outer);
                let exprs: Vec<String> =
                    exprs.iter().map(|e| self.expr(e, &inner, outer)).collect();
                format!("Project: {}", exprs.join(", "))
            }
            Plan::Aggregate {
                input,
                group_by,
                aggregates,
            } => {
                let inner = names(input, outer);
                let groups: Vec<String> = group_by
                    .iter()
                    .map(|e| self.expr(e, &inner, outer))
                    .collect();
                let aggs: Vec<String> = aggregates
                    .iter()
                    .map(|a| self.aggregate(a, &inner, outer))
                    .collect();
                if groups.is_empty() {
                    format!("Aggregate: {}", aggs.join(", "))
                } else {
                    format!(
                        "Aggregate: group by {}; {}",
                        groups.join(", "),
                        aggs.join(", ")
                    )
                }
            }
            Plan::Window { input, functions } => {
                let inner = names(input, outer);
                let fs: Vec<String> = functions
                    .iter()
                    .map(|f| self.window(f, &inner, outer))
                    .collect();
                format!("Window: {}", fs.join(", "))
            }
            Plan::Sort { input, keys } => {
                let inner = names(input, outer);
                format!("Sort: {}", self.keys(keys, &inner, outer))
            }
            Plan::Limit {
                input,
                limit,
                offset,
            } => {
                let inner = names(input, outer);
                let mut text = String::from("Limit:");
                if let Some(limit) = limit {
                    let _ = write!(text, " {}", self.expr(limit, &inner, outer));
                }
                if let Some(offset) = offset {
                    let _ = write!(text, " offset {}", self.expr(offset, &inner, outer));
                }
                text
            }
            Plan::Distinct { .. } => "Distinct".to_string(),
            Plan::Join {
                left,
                right,
                kind,
                left_keys,
                right_keys,
                condition,
            } => {
                let (l, r) = (names(left, outer), names(right, outer));
                let mut both = l.clone();
                both.extend(r.iter().cloned());
                let kind = match kind {
                    JoinKind::Inner => "Join",
                    JoinKind::Left => "Left join",
                };
                let pairs: Vec<String> = left_keys
                    .iter()
                    .zip(right_keys)
                    .map(|(a, b)| {
                        format!("{} = {}", self.expr(a, &l, outer), self.expr(b, &r, outer))
                    })
                    .collect();
                let mut text = if pairs.is_empty() {
                    format!("{kind} (nested loop)")
                } else {
                    format!("{kind} (hash): {}", pairs.join(" AND "))
                };
                if let Some(condition) = condition {
                    let _ = write!(text, "; if {}", self.expr(condition, &both, outer));
                }
                text
            }
            Plan::SetOp { op, .. } => match op {
                SetOp::UnionAll => "Union all",
                SetOp::Union => "Union",
                SetOp::Intersect => "Intersect",
                SetOp::Except => "Except",
            }
            .to_string(),
        }
    }

    fn keys(&mut self, keys: &[SortKey], inner: &[String], outer: &[String]) -> String {
        keys.iter()
            .map(|k| {
                let mut text = self.expr(&k.expr, inner, outer);
                text.push_str(if k.desc { " DESC" } else { " ASC" });
                match k.nulls_first {
                    Some(true) => text.push_str(" NULLS FIRST"),
                    Some(false) => text.push_str(" NULLS LAST"),
                    None => {}
                }
                text
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn aggregate(&mut self, a: &AggregateCall, inner: &[String], outer: &[String]) -> String {
        if a.func == AggFunc::CountRows {
            return "COUNT(*)".to_string();
        }
        let mut text = format!("{}(", agg_name(a.func));
        if a.distinct {
            text.push_str("DISTINCT ");
        }
        if let Some(arg) = &a.arg {
            text.push_str(&self.expr(arg, inner, outer));
        }
        if let Some(separator) = &a.separator {
            let _ = write!(text, ", {}", self.expr(separator, inner, outer));
        }
        text.push(')');
        text
    }

    fn window(&mut self, f: &WindowFunction, inner: &[String], outer: &[String]) -> String {
        let name = match f.func {
            WindowFunc::RowNumber => "ROW_NUMBER",
            WindowFunc::Rank => "RANK",
            WindowFunc::DenseRank => "DENSE_RANK",
            WindowFunc::Aggregate(AggFunc::CountRows) => "COUNT",
            WindowFunc::Aggregate(func) => agg_name(func),
        };
        let mut text = format!("{name}(");
        if f.distinct {
            text.push_str("DISTINCT ");
        }
        match (&f.arg, f.func) {
            (Some(arg), _) => text.push_str(&self.expr(arg, inner, outer)),
            (None, WindowFunc::Aggregate(AggFunc::CountRows)) => text.push('*'),
            (None, _) => {}
        }
        text.push_str(") OVER (");
        let mut parts = Vec::new();
        if !f.partition_by.is_empty() {
            let by: Vec<String> = f
                .partition_by
                .iter()
                .map(|e| self.expr(e, inner, outer))
                .collect();
            parts.push(format!("PARTITION BY {}", by.join(", ")));
        }
        if !f.order_by.is_empty() {
            parts.push(format!("ORDER BY {}", self.keys(&f.order_by, inner, outer)));
        }
        text.push_str(&parts.join(" "));
        text.push(')');
        text
    }

    /// A subquery's reference, noting it to be printed after the plan.
    fn subquery(&mut self, plan: &Plan, inner: &[String], correlated: bool) -> String {
        self.subqueries.push((plan.clone(), inner.to_vec()));
        let n = self.subqueries.len();
        if correlated {
            format!("subquery #{n}, correlated")
        } else {
            format!("subquery #{n}, once")
        }
    }

    fn expr(&mut self, e: &Expr, inner: &[String], outer: &[String]) -> String {
        match e {
            Expr::Column(i) => inner.get(*i).cloned().unwrap_or_else(|| format!("#{i}")),
            Expr::Outer { depth, index } => match (depth, outer.get(*index)) {
                (1, Some(name)) => format!("outer.{name}"),
                _ => format!("outer{depth}.#{index}"),
            },
            Expr::Literal(literal) => literal_text(literal),
            Expr::Neg(e) => format!("-{}", self.expr(e, inner, outer)),
            Expr::Not(e) => format!("NOT {}", self.expr(e, inner, outer)),
            Expr::Binary {
                op, left, right, ..
            } => format!(
                "({} {} {})",
                self.expr(left, inner, outer),
                op_text(*op),
                self.expr(right, inner, outer)
            ),
            Expr::IsNull { expr, negated } => format!(
                "{} IS {}NULL",
                self.expr(expr, inner, outer),
                if *negated { "NOT " } else { "" }
            ),
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let items: Vec<String> = list
                    .iter()
                    .map(|(e, _)| self.expr(e, inner, outer))
                    .collect();
                format!(
                    "{} {}IN ({})",
                    self.expr(expr, inner, outer),
                    if *negated { "NOT " } else { "" },
                    items.join(", ")
                )
            }
            Expr::InSubquery {
                expr,
                plan,
                correlated,
                negated,
                ..
            } => {
                let left = self.expr(expr, inner, outer);
                let sub = self.subquery(plan, inner, *correlated);
                format!("{left} {}IN ({sub})", if *negated { "NOT " } else { "" })
            }
            Expr::Subquery { plan, correlated } => {
                format!("({})", self.subquery(plan, inner, *correlated))
            }
            Expr::Exists {
                plan,
                correlated,
                negated,
            } => {
                let sub = self.subquery(plan, inner, *correlated);
                format!("{}EXISTS ({sub})", if *negated { "NOT " } else { "" })
            }
            Expr::Case {
                operand,
                whens,
                otherwise,
            } => {
                let mut text = String::from("CASE");
                if let Some(operand) = operand {
                    let _ = write!(text, " {}", self.expr(operand, inner, outer));
                }
                for (when, then) in whens {
                    let _ = write!(
                        text,
                        " WHEN {} THEN {}",
                        self.expr(when, inner, outer),
                        self.expr(then, inner, outer)
                    );
                }
                if let Some(otherwise) = otherwise {
                    let _ = write!(text, " ELSE {}", self.expr(otherwise, inner, outer));
                }
                text.push_str(" END");
                text
            }
            Expr::Cast { expr, to } => format!(
                "CAST({} AS {})",
                self.expr(expr, inner, outer),
                match to {
                    CastType::Integer => "INTEGER",
                    CastType::Real => "REAL",
                    CastType::Text => "TEXT",
                    CastType::Numeric => "NUMERIC",
                }
            ),
            Expr::Like {
                expr,
                pattern,
                escape,
                negated,
            } => {
                let mut text = format!(
                    "{} {}LIKE {}",
                    self.expr(expr, inner, outer),
                    if *negated { "NOT " } else { "" },
                    self.expr(pattern, inner, outer)
                );
                if let Some(escape) = escape {
                    let _ = write!(text, " ESCAPE {}", self.expr(escape, inner, outer));
                }
                text
            }
            Expr::Call { func, args } => {
                let args: Vec<String> = args.iter().map(|a| self.expr(a, inner, outer)).collect();
                format!("{}({})", func_name(*func), args.join(", "))
            }
        }
    }
}

fn literal_text(literal: &Literal) -> String {
    match literal {
        Literal::Null => "NULL".to_string(),
        Literal::Int(n) => n.to_string(),
        Literal::Real(x) => format!("{x:?}"),
        Literal::Text(s) => format!("'{}'", s.replace('\'', "''")),
    }
}

fn op_text(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Rem => "%",
        BinOp::Concat => "||",
        BinOp::Eq => "=",
        BinOp::NotEq => "<>",
        BinOp::Lt => "<",
        BinOp::LtEq => "<=",
        BinOp::Gt => ">",
        BinOp::GtEq => ">=",
        BinOp::Is => "IS",
        BinOp::IsNot => "IS NOT",
        BinOp::And => "AND",
        BinOp::Or => "OR",
    }
}

fn agg_name(func: AggFunc) -> &'static str {
    match func {
        AggFunc::CountRows | AggFunc::Count => "COUNT",
        AggFunc::Sum => "SUM",
        AggFunc::Total => "TOTAL",
        AggFunc::Avg => "AVG",
        AggFunc::Min => "MIN",
        AggFunc::Max => "MAX",
        AggFunc::GroupConcat => "GROUP_CONCAT",
    }
}

fn func_name(func: Func) -> &'static str {
    match func {
        Func::Abs => "abs",
        Func::Round => "round",
        Func::Upper => "upper",
        Func::Lower => "lower",
        Func::Length => "length",
        Func::Substr => "substr",
        Func::Coalesce => "coalesce",
        Func::IfNull => "ifnull",
        Func::NullIf => "nullif",
        Func::Iif => "iif",
        Func::Trim => "trim",
        Func::LTrim => "ltrim",
        Func::RTrim => "rtrim",
        Func::Replace => "replace",
        Func::Instr => "instr",
        Func::Typeof => "typeof",
        Func::Min => "min",
        Func::Max => "max",
        Func::Date => "date",
        Func::Time => "time",
        Func::DateTime => "datetime",
        Func::JulianDay => "julianday",
        Func::StrfTime => "strftime",
    }
}

#[cfg(all(test, feature = "sql"))]
mod tests {
    use super::*;
    use crate::sql::parse::compile_one;
    use crate::sql::Schema;

    fn plan_text(sql: &str) -> String {
        let schema: Schema = crate::sql::schema(&crate::model::star::StarSchema::default());
        explain(&compile_one(sql, &schema).unwrap())
    }

    #[test]
    fn an_aggregate_reads_as_its_sql() {
        let text = plan_text(
            "SELECT tenant_id, SUM(spend) AS spend FROM fact_campaigns \
             WHERE channel = 'Search' GROUP BY tenant_id ORDER BY spend DESC LIMIT 5",
        );
        assert!(text.starts_with("Output: tenant_id, spend\n"), "{text}");
        assert!(text.contains("Limit: 5"), "{text}");
        assert!(
            text.contains("Aggregate: group by tenant_id; SUM(spend)"),
            "{text}"
        );
        assert!(text.contains("Filter: (channel = 'Search')"), "{text}");
        assert!(text.contains("Scan fact_campaigns: "), "{text}");
        // Each operator is indented under the one that reads it.
        let depth = |prefix: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(prefix))
                .map(|l| l.len() - l.trim_start().len())
                .unwrap_or_else(|| panic!("no {prefix} in {text}"))
        };
        assert!(depth("Limit") < depth("Aggregate"), "{text}");
        assert!(depth("Aggregate") < depth("Filter"), "{text}");
        assert!(depth("Filter") < depth("Scan"), "{text}");
    }

    #[test]
    fn subqueries_and_joins_are_named() {
        let text = plan_text(
            "SELECT f.tenant_id, d.weekday FROM fact_campaigns f JOIN dim_date d ON f.date = d.date \
             WHERE f.spend > (SELECT AVG(spend) FROM fact_campaigns)",
        );
        assert!(text.contains("Join (hash): date = date"), "{text}");
        assert!(text.contains("subquery #1, once"), "{text}");
        assert!(text.contains("subquery #1:\n"), "{text}");
        assert!(text.contains("AVG(spend)"), "{text}");
    }

    #[test]
    fn the_same_plan_prints_the_same_text() {
        let a = plan_text("SELECT channel, COUNT(*) FROM fact_campaigns GROUP BY channel");
        let b = plan_text("select channel, count(*) from FACT_CAMPAIGNS group by 1");
        assert_eq!(
            a.lines().skip(1).collect::<Vec<_>>(),
            b.lines().skip(1).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_traced_run_says_which_path_each_operator_took() {
        let mut warehouse = crate::Warehouse::new();
        warehouse.load(
            "c.csv",
            b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue,channel\n\
              a,c1,2024-11-01,100,10,1,1.00,3.00,Search\n\
              a,c2,2024-11-02,100,10,1,2.00,3.00,Social\n\
              b,c1,2024-11-01,100,10,1,9.00,3.00,Search\n",
        );
        let star = warehouse.star();
        let text = crate::sql::explain_query(
            star,
            &crate::TenantScope::Only(vec!["a".into()]),
            "SELECT channel, SUM(spend) FROM fact_campaigns GROUP BY channel ORDER BY 2 DESC",
        )
        .unwrap();
        assert!(
            text.starts_with("Scope: tenants a\nOutput: channel, SUM(spend)\n"),
            "{text}"
        );
        let ran = &text[text.find("Ran:\n").expect("a Ran section")..];
        assert!(
            ran.contains("Aggregate [group index by dense codes, typed accumulators]: 2 rows"),
            "{ran}"
        );
        assert!(ran.contains("Scan: 2 rows"), "{ran}");
        // The general path is named as such.
        let text = crate::sql::explain_query(
            star,
            &crate::TenantScope::All,
            "SELECT a.campaign_id FROM fact_campaigns a, fact_campaigns b WHERE a.spend < b.spend",
        )
        .unwrap();
        assert!(
            text.contains("general: nested loop, every pair of rows"),
            "{text}"
        );
    }
}

//! The type of each column of a SQL result ([`ColumnType`]), so the page and the command
//! line format a query's cells as they format a dashboard's.
//!
//! Two sources, each knowing what the other cannot:
//! - the plan: a column read from a table keeps the table's declared type through
//!   projections, joins, subqueries and the aggregates that keep a unit (`SUM`, `MIN`,
//!   `MAX`, `AVG` of money is money; money over money is a ratio; `COUNT` is an integer);
//! - the values: SQLite's storage classes decide where the plan says nothing (a literal,
//!   a computed real), and overrule it where they disagree (a `CAST` to text).

use crate::query::columns::{label_of, ColumnType, ResultColumn};
use crate::sql::catalog::Schema;
use crate::sql::exec::Rows;
use crate::sql::plan::{AggFunc, BinOp, Expr, Func, Plan, Statement, WindowFunc};
use crate::sql::value::Val;

/// The columns of a statement's result, with their types and labels.
///
/// ```
/// # #[cfg(feature = "sql")] {
/// use bi_platform::query::columns::ColumnType;
/// use bi_platform::{sql, TenantScope, Warehouse};
/// let mut w = Warehouse::new();
/// w.load("c.csv", b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
///                  a,c1,2024-11-01,100,10,1,1.10,3.00\n");
/// let schema = sql::schema(w.star());
/// let text = "SELECT date, SUM(spend), AVG(ctr), SUM(revenue) / SUM(spend), COUNT(*) \
///             FROM fact_campaigns GROUP BY date";
/// let statement = sql::parse::compile_one(text, &schema).unwrap();
/// let rows = sql::run(w.star(), &TenantScope::All, &statement, &sql::Options::default()).unwrap();
/// let types: Vec<_> = sql::types::columns(&statement, &rows, &schema).into_iter().map(|c| c.ty).collect();
/// assert_eq!(types, [ColumnType::Date, ColumnType::Money, ColumnType::Ratio, ColumnType::Ratio,
///                    ColumnType::Integer]);
/// # }
/// ```
pub fn columns(statement: &Statement, rows: &Rows<'_>, schema: &Schema) -> Vec<ResultColumn> {
    let planned = plan_types(&statement.plan, schema);
    rows.columns
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let from_plan = planned.get(i).copied().flatten();
            ResultColumn {
                name: name.clone(),
                ty: decide(from_plan, value_type(rows, i)),
                label: label_of(name),
            }
        })
        .collect()
}

/// What the values of column `i` are: `None` when every value is NULL, `Some(None)`
/// when they are of different classes.
fn value_type(rows: &Rows<'_>, i: usize) -> Option<Option<ColumnType>> {
    let mut seen: Option<Option<ColumnType>> = None;
    for row in &rows.rows {
        let ty = match row[i] {
            Val::Null => continue,
            Val::Int(_) => ColumnType::Integer,
            Val::Money(_) => ColumnType::Money,
            Val::Real(_) => ColumnType::Number,
            Val::Date(_) => ColumnType::Date,
            Val::Str(_) | Val::String(_) => ColumnType::Text,
        };
        seen = match seen {
            None => Some(Some(ty)),
            Some(Some(t)) if t == ty => Some(Some(t)),
            _ => return Some(None),
        };
    }
    seen
}

/// The plan's type where the values allow it, else the values'.
fn decide(planned: Option<ColumnType>, values: Option<Option<ColumnType>>) -> ColumnType {
    use ColumnType as T;
    match (values, planned) {
        (None, Some(p)) | (Some(None), Some(p)) => p,
        (None, None) | (Some(None), None) => T::Text,
        (Some(Some(T::Integer)), Some(T::Code)) => T::Code,
        (Some(Some(T::Number)), Some(p @ (T::Ratio | T::Money | T::Number))) => p,
        (Some(Some(T::Text)), Some(T::Date)) => T::Date,
        (Some(Some(v)), _) => v,
    }
}

/// The type of each output column of a plan, where the plan tells it.
fn plan_types(plan: &Plan, schema: &Schema) -> Vec<Option<ColumnType>> {
    match plan {
        Plan::Scan { table, columns } => {
            let table = schema.table(table);
            columns
                .iter()
                .map(|name| {
                    table.and_then(|t| {
                        t.columns
                            .iter()
                            .find(|c| c.name.eq_ignore_ascii_case(name))
                            .map(|c| c.kind)
                    })
                })
                .collect()
        }
        Plan::Values { width, .. } => vec![None; *width],
        Plan::Filter { input, .. }
        | Plan::Sort { input, .. }
        | Plan::Limit { input, .. }
        | Plan::Distinct { input } => plan_types(input, schema),
        Plan::Project { input, exprs } => {
            let inner = plan_types(input, schema);
            exprs.iter().map(|e| expr_type(e, &inner)).collect()
        }
        Plan::Aggregate {
            input,
            group_by,
            aggregates,
        } => {
            let inner = plan_types(input, schema);
            group_by
                .iter()
                .map(|e| expr_type(e, &inner))
                .chain(aggregates.iter().map(|a| {
                    aggregate_type(a.func, a.arg.as_ref().and_then(|e| expr_type(e, &inner)))
                }))
                .collect()
        }
        Plan::Window { input, functions } => {
            let mut out = plan_types(input, schema);
            let arg_types: Vec<_> = functions
                .iter()
                .map(|f| f.arg.as_ref().and_then(|e| expr_type(e, &out)))
                .collect();
            for (f, arg) in functions.iter().zip(arg_types) {
                out.push(match f.func {
                    WindowFunc::RowNumber | WindowFunc::Rank | WindowFunc::DenseRank => {
                        Some(ColumnType::Integer)
                    }
                    WindowFunc::Aggregate(func) => aggregate_type(func, arg),
                });
            }
            out
        }
        Plan::Join { left, right, .. } => {
            let mut out = plan_types(left, schema);
            out.extend(plan_types(right, schema));
            out
        }
        Plan::SetOp { left, right, .. } => plan_types(left, schema)
            .into_iter()
            .zip(plan_types(right, schema))
            .map(|(l, r)| if l == r { l } else { None })
            .collect(),
    }
}

/// The type an aggregate keeps from its argument.
fn aggregate_type(func: AggFunc, arg: Option<ColumnType>) -> Option<ColumnType> {
    use ColumnType as T;
    match func {
        AggFunc::CountRows | AggFunc::Count => Some(T::Integer),
        AggFunc::GroupConcat => Some(T::Text),
        AggFunc::Min | AggFunc::Max => arg,
        AggFunc::Sum | AggFunc::Total => match arg {
            Some(T::Code) => Some(T::Integer),
            other => other,
        },
        AggFunc::Avg => match arg {
            Some(T::Integer | T::Code) => Some(T::Number),
            other => other,
        },
    }
}

/// The type of an expression over a row of columns of the given types.
fn expr_type(expr: &Expr, input: &[Option<ColumnType>]) -> Option<ColumnType> {
    use ColumnType as T;
    match expr {
        Expr::Column(i) => input.get(*i).copied().flatten(),
        Expr::Neg(e) => expr_type(e, input).filter(|t| t.is_numeric()),
        Expr::Binary {
            op, left, right, ..
        } => {
            let (l, r) = (expr_type(left, input), expr_type(right, input));
            match (op, l, r) {
                (BinOp::Add | BinOp::Sub, Some(a), Some(b)) if a == b && a.is_numeric() => l,
                // A constant moved by a number keeps its unit (`roas - 1`, `spend + 0.5`).
                (BinOp::Add | BinOp::Sub, Some(a), None)
                    if a.is_numeric() && matches!(**right, Expr::Literal(_)) =>
                {
                    l
                }
                (BinOp::Div, Some(T::Money), Some(T::Money)) => Some(T::Ratio),
                (BinOp::Div, Some(T::Money), Some(T::Integer | T::Number)) => Some(T::Money),
                (BinOp::Concat, _, _) => Some(T::Text),
                _ => None,
            }
        }
        Expr::Case {
            whens, otherwise, ..
        } => {
            let mut types = whens
                .iter()
                .map(|(_, then)| then)
                .chain(otherwise.as_deref())
                .map(|e| expr_type(e, input));
            let first = types.next().flatten();
            types.all(|t| t == first).then_some(first).flatten()
        }
        Expr::Call { func, args } => match func {
            Func::Coalesce | Func::IfNull | Func::NullIf | Func::Abs | Func::Min | Func::Max => {
                args.first().and_then(|e| expr_type(e, input))
            }
            Func::Round if args.len() > 1 => args.first().and_then(|e| expr_type(e, input)),
            Func::Date => Some(T::Date),
            Func::Upper | Func::Lower | Func::Trim | Func::LTrim | Func::RTrim => Some(T::Text),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(all(test, feature = "sql"))]
mod tests {
    use super::*;
    use crate::sql::{self, parse, Options};
    use crate::{TenantScope, Warehouse};

    fn types_of(w: &Warehouse, text: &str) -> Vec<ColumnType> {
        let schema = sql::schema(w.star());
        let statement = parse::compile_one(text, &schema).unwrap();
        let rows = sql::run(w.star(), &TenantScope::All, &statement, &Options::default()).unwrap();
        columns(&statement, &rows, &schema)
            .into_iter()
            .map(|c| c.ty)
            .collect()
    }

    fn warehouse() -> Warehouse {
        let mut w = Warehouse::new();
        w.load(
            "c.csv",
            b"tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue\n\
              a,c1,C1 - Search,2024-11-01,100,10,1,1.10,3.00\n\
              b,c2,C2 - Video,2024-11-02,100,20,2,2.00,1.00\n",
        );
        w.load(
            "t.csv",
            b"tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n\
              a,North,P,2024,11,100.00,10,50.00\n",
        );
        w
    }

    #[test]
    fn table_types_survive_subqueries_joins_and_unit_keeping_aggregates() {
        use ColumnType as T;
        let w = warehouse();
        assert_eq!(
            types_of(
                &w,
                "SELECT tenant_id, date, spend, ctr, impressions FROM fact_campaigns"
            ),
            [T::Text, T::Date, T::Money, T::Ratio, T::Integer]
        );
        assert_eq!(
            types_of(
                &w,
                "SELECT s.t, s.r, s.c FROM (SELECT tenant_id AS t, SUM(revenue) AS r, \
                 MAX(roi) AS c FROM fact_campaigns GROUP BY 1) s ORDER BY 1"
            ),
            [T::Text, T::Money, T::Ratio]
        );
        assert_eq!(
            types_of(
                &w,
                "SELECT t.year, t.month, f.revenue, AVG(f.clicks) OVER (PARTITION BY t.tenant_id), \
                 RANK() OVER (ORDER BY f.revenue) FROM dim_sales_targets t \
                 JOIN fact_campaigns f ON f.tenant_id = t.tenant_id"
            ),
            [T::Code, T::Code, T::Money, T::Number, T::Integer]
        );
        // Money over money is a ratio; money over a count is money.
        assert_eq!(
            types_of(
                &w,
                "SELECT (SUM(revenue) - SUM(spend)) / SUM(spend), SUM(spend) / COUNT(*), \
                 100.0 * SUM(clicks) / SUM(impressions), SUM(revenue) / SUM(spend) - 1 \
                 FROM fact_campaigns"
            ),
            [T::Ratio, T::Money, T::Number, T::Ratio]
        );
    }

    #[test]
    fn values_decide_where_the_plan_says_nothing_or_disagrees() {
        use ColumnType as T;
        let w = warehouse();
        assert_eq!(
            types_of(
                &w,
                "SELECT 1, 'x', 2.5, NULL, CAST(spend AS TEXT), date('2024-01-01'), \
                 CASE WHEN clicks > 10 THEN 1 ELSE 'many' END FROM fact_campaigns"
            ),
            [
                T::Integer,
                T::Text,
                T::Number,
                T::Text,
                T::Text,
                T::Date,
                T::Text
            ]
        );
        // An empty result keeps the plan's types.
        assert_eq!(
            types_of(
                &w,
                "SELECT spend, date FROM fact_campaigns WHERE tenant_id = 'nobody'"
            ),
            [T::Money, T::Date]
        );
    }

    /// Each dashboard's SQL gives the columns the dashboard declares, with the declared
    /// types (the page formats both the same way).
    #[test]
    fn each_dashboards_sql_has_the_dashboards_declared_types() {
        let w = warehouse();
        for d in crate::Dashboard::ALL {
            let schema = sql::schema(w.star());
            let statement = parse::compile_one(d.sql(), &schema).unwrap();
            let rows =
                sql::run(w.star(), &TenantScope::All, &statement, &Options::default()).unwrap();
            let got: Vec<(String, ColumnType)> = columns(&statement, &rows, &schema)
                .into_iter()
                .map(|c| (c.name, c.ty))
                .collect();
            let want: Vec<(String, ColumnType)> = d
                .columns()
                .iter()
                .map(|c| (c.name.to_string(), c.ty))
                .collect();
            assert_eq!(got, want, "{}", d.name());
        }
    }
}

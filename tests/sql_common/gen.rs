//! A random query generator over the SQL schema: filters, groupings, aggregates,
//! windows, joins, subqueries and set operations, each query with a flag saying whether
//! its ORDER BY orders the rows completely (then order is compared, else multisets).

use rand::Rng;
use rand_pcg::Pcg64;

#[derive(Clone, Copy, PartialEq)]
enum Ty {
    Text,
    Int,
    Real,
    Date,
}

struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Ty)],
    /// Columns that identify a row.
    key: &'static [&'static str],
}

const FACT: Table = Table {
    name: "fact_campaigns",
    columns: &[
        ("tenant_id", Ty::Text),
        ("campaign_id", Ty::Text),
        ("campaign_name", Ty::Text),
        ("date", Ty::Date),
        ("impressions", Ty::Int),
        ("clicks", Ty::Int),
        ("conversions", Ty::Int),
        ("spend", Ty::Real),
        ("revenue", Ty::Real),
        ("region", Ty::Text),
        ("product", Ty::Text),
        ("channel", Ty::Text),
        ("ctr", Ty::Real),
        ("roi", Ty::Real),
        ("cpa", Ty::Real),
        ("performance_category", Ty::Text),
    ],
    key: &["tenant_id", "campaign_id", "date"],
};

const TARGETS: Table = Table {
    name: "dim_sales_targets",
    columns: &[
        ("tenant_id", Ty::Text),
        ("region", Ty::Text),
        ("product", Ty::Text),
        ("year", Ty::Int),
        ("month", Ty::Int),
        ("target_revenue", Ty::Real),
        ("target_conversions", Ty::Int),
        ("target_spend", Ty::Real),
        ("target_roi", Ty::Real),
    ],
    key: &["tenant_id", "region", "product", "year", "month"],
};

const CUSTOMERS: Table = Table {
    name: "dim_customers",
    columns: &[
        ("tenant_id", Ty::Text),
        ("customer_id", Ty::Text),
        ("customer_name", Ty::Text),
        ("region", Ty::Text),
        ("product_preference", Ty::Text),
        ("total_spent", Ty::Real),
        ("total_orders", Ty::Int),
        ("avg_order_value", Ty::Real),
    ],
    key: &["tenant_id", "customer_id"],
};

const TEXTS: &[&str] = &[
    "North",
    "South",
    "West",
    "Nörth",
    "Product A",
    "Product B",
    "Product C",
    "Search",
    "Email",
    "Video",
    "tenant_001",
    "tenant_002",
    "acme",
    "Globex",
    "Ünïcode",
    "c1",
    "Good",
    "Loss",
    "Break Even",
    "",
    "a",
];
const DATES: &[&str] = &[
    "2024-10-01",
    "2024-10-15",
    "2024-11-01",
    "2024-11-15",
    "2024-12-31",
];
const PATTERNS: &[&str] = &["%a%", "N%", "%h", "_o%", "%search%", "prod%", "%1%", "t_n%"];

pub struct Generated {
    pub sql: String,
    pub ordered: bool,
}

pub struct Gen {
    rng: Pcg64,
    /// Leave out GROUP_CONCAT (whose order within a group is not defined).
    pub with_group_concat: bool,
}

impl Gen {
    pub fn new(seed: u64) -> Self {
        Gen {
            rng: Pcg64::new(seed.into(), 0xa02b_dbf7_bb3c_0a7a_c28f_a16a_64ab_f96f),
            with_group_concat: false,
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.random_range(0..items.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    fn table(&mut self) -> &'static Table {
        match self.rng.random_range(0..10) {
            0..=6 => &FACT,
            7..=8 => &TARGETS,
            _ => &CUSTOMERS,
        }
    }

    fn column(&mut self, t: &Table, ty: Option<Ty>) -> (&'static str, Ty) {
        // A table without a column of that type (no dates in targets): any text column.
        let ty = ty.map(|want| {
            if t.columns.iter().any(|c| c.1 == want) {
                want
            } else {
                Ty::Text
            }
        });
        loop {
            let c = *self.pick(t.columns);
            if ty.is_none_or(|want| want == c.1) {
                return c;
            }
        }
    }

    fn literal(&mut self, ty: Ty) -> String {
        match ty {
            Ty::Text => format!("'{}'", self.pick(TEXTS).replace('\'', "''")),
            Ty::Int => self.rng.random_range(-5..5000).to_string(),
            Ty::Real => format!("{:.2}", self.rng.random_range(-2.0..20000.0)),
            Ty::Date => format!("'{}'", self.pick(DATES)),
        }
    }

    /// A predicate over the columns of `t` (qualified with `q.` when given).
    fn predicate(&mut self, t: &Table, q: &str, depth: u32) -> String {
        if depth < 2 && self.chance(0.35) {
            let a = self.predicate(t, q, depth + 1);
            let b = self.predicate(t, q, depth + 1);
            let op = if self.chance(0.5) { "AND" } else { "OR" };
            let not = if self.chance(0.15) { "NOT " } else { "" };
            return format!("{not}({a} {op} {b})");
        }
        let (c, ty) = self.column(t, None);
        let c = format!("{q}{c}");
        match self.rng.random_range(0..7) {
            0 => format!("{c} IS {}NULL", if self.chance(0.5) { "NOT " } else { "" }),
            1 => {
                let (a, b) = (self.literal(ty), self.literal(ty));
                format!(
                    "{c} {}IN ({a}, {b})",
                    if self.chance(0.3) { "NOT " } else { "" }
                )
            }
            2 => {
                let (a, b) = (self.literal(ty), self.literal(ty));
                format!("{c} BETWEEN {a} AND {b}")
            }
            3 if ty == Ty::Text => format!("{c} LIKE '{}'", self.pick(PATTERNS)),
            _ => {
                let op = *self.pick(&["=", "<>", "<", "<=", ">", ">="]);
                // Now and then a literal of another type, for SQLite's affinities.
                let lit_ty = if self.chance(0.1) {
                    *self.pick(&[Ty::Text, Ty::Int, Ty::Real])
                } else {
                    ty
                };
                let lit = self.literal(lit_ty);
                format!("{c} {op} {lit}")
            }
        }
    }

    /// A scalar expression over one row.
    fn scalar(&mut self, t: &Table) -> String {
        let (c, ty) = self.column(t, None);
        match (ty, self.rng.random_range(0..8)) {
            (Ty::Int, 0) => format!("{c} / {}", self.rng.random_range(1..7)),
            (Ty::Int, 1) => format!("{c} % {}", self.rng.random_range(1..7)),
            (Ty::Int, 2) => format!("{c} * 2 - 1"),
            (Ty::Real, 0) => format!("ROUND({c}, {})", self.rng.random_range(0..3)),
            (Ty::Real, 1) => format!("ABS({c})"),
            (Ty::Real, 2) => format!("{c} * 3"),
            (Ty::Text, 0) => format!("UPPER({c})"),
            (Ty::Text, 1) => format!("LENGTH({c})"),
            (Ty::Text, 2) => format!("SUBSTR({c}, 2, 3)"),
            (Ty::Text, 3) => format!("COALESCE({c}, 'none')"),
            (Ty::Text, 4) => format!("{c} || '-x'"),
            (Ty::Date, 0) => format!("strftime('%m', {c})"),
            (Ty::Date, 1) => format!("date({c}, '+1 month')"),
            (_, 5) => format!("CASE WHEN {} THEN 1 ELSE 0 END", self.predicate(t, "", 1)),
            (_, 6) => format!("{c} IS NULL"),
            _ => c.to_string(),
        }
    }

    fn aggregate(&mut self, t: &Table, q: &str) -> String {
        let (c, ty) = self.column(t, None);
        let numeric = matches!(ty, Ty::Int | Ty::Real);
        match self.rng.random_range(0..9) {
            0 => "COUNT(*)".to_string(),
            1 => format!("COUNT({q}{c})"),
            2 => format!("COUNT(DISTINCT {q}{c})"),
            3 if numeric => format!("SUM({q}{c})"),
            4 if numeric => format!("TOTAL({q}{c})"),
            5 if numeric => format!("AVG({q}{c})"),
            6 => format!("MIN({q}{c})"),
            7 => format!("MAX({q}{c})"),
            8 if self.with_group_concat => format!("GROUP_CONCAT({q}{c})"),
            _ => format!("MAX({q}{c})"),
        }
    }

    fn limit(&mut self) -> String {
        if self.chance(0.3) {
            format!(
                " LIMIT {} OFFSET {}",
                self.rng.random_range(0..8),
                self.rng.random_range(0..3)
            )
        } else {
            String::new()
        }
    }

    pub fn query(&mut self) -> Generated {
        match self.rng.random_range(0..10) {
            0..=2 => self.plain(),
            3..=5 => self.grouped(),
            6 => self.window(),
            7 => self.joined(),
            8 => self.subquery(),
            _ => self.set_op(),
        }
    }

    fn plain(&mut self) -> Generated {
        let t = self.table();
        let n = self.rng.random_range(1..5);
        let mut items: Vec<String> = (0..n).map(|_| self.scalar(t)).collect();
        items.extend(t.key.iter().map(|k| k.to_string()));
        let distinct = if self.chance(0.15) { "DISTINCT " } else { "" };
        let filter = if self.chance(0.8) {
            format!(" WHERE {}", self.predicate(t, "", 0))
        } else {
            String::new()
        };
        let order: Vec<String> = (1..=items.len())
            .map(|i| format!("{i}{}", if self.chance(0.3) { " DESC" } else { "" }))
            .collect();
        Generated {
            sql: format!(
                "SELECT {distinct}{} FROM {}{filter} ORDER BY {}{}",
                items.join(", "),
                t.name,
                order.join(", "),
                self.limit()
            ),
            ordered: true,
        }
    }

    fn grouped(&mut self) -> Generated {
        let t = self.table();
        let groups: Vec<String> = (0..self.rng.random_range(0..3))
            .map(|_| {
                let (c, _) = self.column(t, None);
                c.to_string()
            })
            .collect();
        let aggs: Vec<String> = (0..self.rng.random_range(1..4))
            .map(|_| self.aggregate(t, ""))
            .collect();
        let filter = if self.chance(0.6) {
            format!(" WHERE {}", self.predicate(t, "", 0))
        } else {
            String::new()
        };
        let mut sql = format!(
            "SELECT {} FROM {}{filter}",
            groups
                .iter()
                .chain(&aggs)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            t.name
        );
        if !groups.is_empty() {
            sql.push_str(&format!(" GROUP BY {}", groups.join(", ")));
            if self.chance(0.3) {
                sql.push_str(&format!(
                    " HAVING COUNT(*) > {}",
                    self.rng.random_range(0..3)
                ));
            }
            let order: Vec<String> = (1..=groups.len()).map(|i| i.to_string()).collect();
            sql.push_str(&format!(" ORDER BY {}", order.join(", ")));
            sql.push_str(&self.limit());
        }
        Generated { sql, ordered: true }
    }

    fn window(&mut self) -> Generated {
        let t = &FACT;
        let (part, _) = self.column(t, Some(Ty::Text));
        let (by, _) = self.column(t, None);
        let (arg, _) = self.column(t, Some(Ty::Int));
        let func = match self.rng.random_range(0..6) {
            0 => "ROW_NUMBER()".to_string(),
            1 => "RANK()".to_string(),
            2 => "DENSE_RANK()".to_string(),
            3 => format!("SUM({arg})"),
            4 => "COUNT(*)".to_string(),
            _ => format!("MAX({arg})"),
        };
        // ROW_NUMBER numbers ties arbitrarily: order it by the key too.
        let order = if func.starts_with("ROW_NUMBER") {
            format!("{by}, tenant_id, campaign_id, date")
        } else {
            by.to_string()
        };
        let over = if self.chance(0.2) {
            format!("PARTITION BY {part}")
        } else {
            format!("PARTITION BY {part} ORDER BY {order}")
        };
        let filter = if self.chance(0.5) {
            format!(" WHERE {}", self.predicate(t, "", 0))
        } else {
            String::new()
        };
        Generated {
            sql: format!(
                "SELECT tenant_id, campaign_id, date, {func} OVER ({over}) FROM {}{filter} ORDER BY 1, 2, 3",
                t.name
            ),
            ordered: true,
        }
    }

    fn joined(&mut self) -> Generated {
        let (kind, other, on) = match self.rng.random_range(0..3) {
            0 => ("JOIN", "dim_date d", "d.date = f.date"),
            1 => (
                "LEFT JOIN",
                "dim_sales_targets d",
                "d.tenant_id = f.tenant_id AND d.region = f.region AND d.product = f.product",
            ),
            _ => (
                "LEFT JOIN",
                "dim_customers d",
                "d.tenant_id = f.tenant_id AND d.region = f.region",
            ),
        };
        let filter = if self.chance(0.6) {
            format!(" WHERE {}", self.predicate(&FACT, "f.", 0))
        } else {
            String::new()
        };
        let agg = self.aggregate(&FACT, "f.");
        let (g, _) = self.column(&FACT, Some(Ty::Text));
        Generated {
            sql: format!(
                "SELECT f.{g}, {agg}, COUNT(d.{}) FROM fact_campaigns f {kind} {other} ON {on}{filter} GROUP BY f.{g} ORDER BY 1",
                if other.starts_with("dim_date") { "weekday" } else { "tenant_id" }
            ),
            ordered: true,
        }
    }

    fn subquery(&mut self) -> Generated {
        let t = self.table();
        let inner = self.table();
        let (c, ty) = self.column(t, Some(Ty::Text));
        let (ic, _) = self.column(inner, Some(ty));
        let pred = self.predicate(inner, "", 1);
        let not = if self.chance(0.3) { "NOT " } else { "" };
        let keys = t.key.join(", ");
        let sql = if self.chance(0.5) {
            format!(
                "SELECT {keys} FROM {} WHERE {c} {not}IN (SELECT {ic} FROM {} WHERE {pred}) ORDER BY {keys}",
                t.name, inner.name
            )
        } else {
            let (n, _) = self.column(t, Some(Ty::Int));
            format!(
                "SELECT {keys}, {n} - (SELECT MIN({n}) FROM {} i WHERE i.tenant_id = o.tenant_id) FROM {} o WHERE {} ORDER BY {keys}",
                t.name,
                t.name,
                self.predicate(t, "o.", 1)
            )
        };
        Generated { sql, ordered: true }
    }

    fn set_op(&mut self) -> Generated {
        let (a, b) = (self.table(), self.table());
        let (ca, ty) = self.column(a, None);
        let (cb, _) = self.column(b, Some(ty));
        let op = *self.pick(&["UNION", "UNION ALL", "INTERSECT", "EXCEPT"]);
        let pa = self.predicate(a, "", 1);
        let pb = self.predicate(b, "", 1);
        Generated {
            sql: format!(
                "SELECT {ca} FROM {} WHERE {pa} {op} SELECT {cb} FROM {} WHERE {pb} ORDER BY 1",
                a.name, b.name
            ),
            ordered: true,
        }
    }
}

/// Random text, for the parser: SQL-ish tokens and noise.
pub fn noise(rng: &mut Pcg64) -> String {
    const TOKENS: &[&str] = &[
        "SELECT",
        "FROM",
        "WHERE",
        "GROUP BY",
        "ORDER BY",
        "(",
        ")",
        ",",
        "*",
        "fact_campaigns",
        "spend",
        "1",
        "'a'",
        "AND",
        "OR",
        "NOT",
        "=",
        "<",
        "+",
        "-",
        "/",
        "%",
        "||",
        "CASE",
        "WHEN",
        "THEN",
        "END",
        "OVER",
        "PARTITION",
        "BY",
        "JOIN",
        "ON",
        "UNION",
        "WITH",
        "AS",
        "x",
        "LIMIT",
        "NULL",
        "IN",
        "SUM(",
        "COUNT(*)",
        "date(",
        ";",
        "\"",
        "'",
        "é",
        "\n",
        "9223372036854775808",
        "-",
        "1e999",
        "EXISTS",
        "DISTINCT",
        "HAVING",
        "LIKE",
    ];
    let n = rng.random_range(0..30);
    let mut s = String::new();
    for _ in 0..n {
        if rng.random_bool(0.1) {
            s.push(char::from_u32(rng.random_range(1..0x2FFF)).unwrap_or('?'));
        } else {
            s.push_str(TOKENS[rng.random_range(0..TOKENS.len())]);
        }
        s.push(' ');
    }
    s
}

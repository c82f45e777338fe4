//! Query plans: what a SQL text compiles to and the executor runs, as plain serde data.
//!
//! A plan is a tree of relational operators over the star schema's tables. Each
//! operator's output is a row of columns addressed by position; expressions read the
//! row of the operator that evaluates them ([`Expr::Column`]) or, inside a correlated
//! subquery, a row of an enclosing query ([`Expr::Outer`]).
//!
//! ```text
//!  Limit ── Sort ── Project ── Window ── Filter(HAVING) ── Aggregate ── Filter(WHERE) ── Join ── Scan
//!                                                                                            └── Scan
//! ```
//!
//! Plans are made by [`crate::sql::parse`] (needs the `sql` feature) and run by
//! [`crate::sql::exec`], which needs no parser: a plan can come from anywhere that
//! speaks this serde shape (a lazily loaded parser module in the page, a test).

use serde::{Deserialize, Serialize};

/// A compiled statement: the plan and the names of its output columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    pub columns: Vec<String>,
    pub plan: Plan,
}

/// A relational operator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Plan {
    /// The rows of a table in the tenant scope, with these columns (by name).
    Scan { table: String, columns: Vec<String> },
    /// Literal rows (`VALUES`, or one empty row for a `SELECT` without `FROM`).
    Values { width: usize, rows: Vec<Vec<Expr>> },
    /// Rows of `input` for which `predicate` is true.
    Filter { input: Box<Plan>, predicate: Expr },
    /// One output column per expression.
    Project { input: Box<Plan>, exprs: Vec<Expr> },
    /// One row per distinct `group_by` (one row overall when it is empty): the group
    /// values, then the aggregates. Groups come out in the order of their values.
    Aggregate {
        input: Box<Plan>,
        group_by: Vec<Expr>,
        aggregates: Vec<AggregateCall>,
    },
    /// The input's columns, then one column per window function.
    Window {
        input: Box<Plan>,
        functions: Vec<WindowFunction>,
    },
    /// Rows ordered by the keys (stable).
    Sort {
        input: Box<Plan>,
        keys: Vec<SortKey>,
    },
    /// At most `limit` rows after skipping `offset` (negative limit: no limit).
    Limit {
        input: Box<Plan>,
        limit: Option<Expr>,
        offset: Option<Expr>,
    },
    /// Distinct rows, first occurrences in order.
    Distinct { input: Box<Plan> },
    /// Left columns then right columns, for pairs whose keys are equal (NULL keys never
    /// are) and for which `condition` is true; a `Left` join keeps unmatched left rows
    /// with NULLs on the right.
    Join {
        left: Box<Plan>,
        right: Box<Plan>,
        kind: JoinKind,
        left_keys: Vec<Expr>,
        right_keys: Vec<Expr>,
        condition: Option<Expr>,
    },
    /// `UNION [ALL]`, `INTERSECT`, `EXCEPT`.
    SetOp {
        op: SetOp,
        left: Box<Plan>,
        right: Box<Plan>,
    },
}

impl Plan {
    /// The operator's inputs, left before right.
    pub fn inputs(&self) -> Vec<&Plan> {
        match self {
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

    /// [`Plan::inputs`], to change.
    pub fn inputs_mut(&mut self) -> Vec<&mut Plan> {
        match self {
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinKind {
    Inner,
    Left,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SetOp {
    UnionAll,
    Union,
    Intersect,
    Except,
}

/// A sort key: ascending puts NULLs first, as SQLite does, unless `nulls_first` says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SortKey {
    pub expr: Expr,
    pub desc: bool,
    pub nulls_first: Option<bool>,
}

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggFunc {
    /// `COUNT(*)`.
    CountRows,
    Count,
    Sum,
    Total,
    Avg,
    Min,
    Max,
    GroupConcat,
}

/// An aggregate call: `func(DISTINCT? arg, separator?)`. Its serde name stays
/// `Aggregate`, as the plan's wire format names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename = "Aggregate", deny_unknown_fields)]
pub struct AggregateCall {
    pub func: AggFunc,
    pub arg: Option<Expr>,
    pub distinct: bool,
    /// GROUP_CONCAT's separator (`,` when absent).
    pub separator: Option<Expr>,
}

/// A window function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowFunc {
    RowNumber,
    Rank,
    DenseRank,
    Aggregate(AggFunc),
}

/// `func(arg) OVER (PARTITION BY ... ORDER BY ...)` with SQLite's default frame: the
/// partition's rows up to the current row and its peers (all of them without ORDER BY).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowFunction {
    pub func: WindowFunc,
    pub arg: Option<Expr>,
    pub distinct: bool,
    pub partition_by: Vec<Expr>,
    pub order_by: Vec<SortKey>,
}

/// SQLite's column affinity, which decides the conversions before a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Affinity {
    Text,
    Numeric,
    Integer,
    Real,
    /// No affinity (BLOB): expressions other than column references and CASTs.
    None,
}

impl Affinity {
    pub fn is_numeric(self) -> bool {
        matches!(self, Affinity::Numeric | Affinity::Integer | Affinity::Real)
    }
}

/// A literal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Literal {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Concat,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    /// `IS` (NULL-safe equality).
    Is,
    IsNot,
    And,
    Or,
}

/// A comparison's conversions (SQLite's rules for operands' affinities), decided when
/// planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Coerce {
    /// Compare as they are.
    #[default]
    None,
    /// NUMERIC affinity applied to the left / right operand.
    NumericLeft,
    NumericRight,
    /// TEXT affinity applied to the left / right operand.
    TextLeft,
    TextRight,
}

/// A scalar function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Func {
    Abs,
    Round,
    Upper,
    Lower,
    Length,
    Substr,
    Coalesce,
    IfNull,
    NullIf,
    Iif,
    Trim,
    LTrim,
    RTrim,
    Replace,
    Instr,
    Typeof,
    /// Scalar `min(a, b, ...)`: NULL if any is.
    Min,
    Max,
    Date,
    Time,
    DateTime,
    JulianDay,
    StrfTime,
}

/// The type of a CAST.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CastType {
    Integer,
    Real,
    Text,
    Numeric,
}

/// An expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    /// A column of the input row.
    Column(usize),
    /// A column of an enclosing query's row: `depth` 1 is the query right around.
    Outer {
        depth: usize,
        index: usize,
    },
    Literal(Literal),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary {
        op: BinOp,
        left: Box<Expr>,
        right: Box<Expr>,
        #[serde(default)]
        coerce: Coerce,
    },
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    /// `expr [NOT] IN (list)`: each item compared as `expr = item` would be.
    InList {
        expr: Box<Expr>,
        list: Vec<(Expr, Coerce)>,
        negated: bool,
    },
    /// `expr [NOT] IN (SELECT ...)`.
    InSubquery {
        expr: Box<Expr>,
        plan: Box<Plan>,
        correlated: bool,
        coerce: Coerce,
        negated: bool,
    },
    /// `(SELECT ...)`: its first row's first column, NULL without rows.
    Subquery {
        plan: Box<Plan>,
        correlated: bool,
    },
    /// `[NOT] EXISTS (SELECT ...)`.
    Exists {
        plan: Box<Plan>,
        correlated: bool,
        negated: bool,
    },
    /// `CASE [operand] WHEN ... THEN ... ELSE ... END`.
    Case {
        operand: Option<Box<Expr>>,
        whens: Vec<(Expr, Expr)>,
        otherwise: Option<Box<Expr>>,
    },
    Cast {
        expr: Box<Expr>,
        to: CastType,
    },
    /// `expr [NOT] LIKE pattern [ESCAPE escape]`, ASCII case-insensitive.
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        escape: Option<Box<Expr>>,
        negated: bool,
    },
    Call {
        func: Func,
        args: Vec<Expr>,
    },
}

//! The executor: runs a [`Plan`] over the star schema under a tenant scope.
//!
//! Base tables are never copied: a scan is a selection vector of row numbers over the
//! star schema's columns (read in place through [`Catalog`] readers), a filter over a
//! scan narrows the selection, and aggregates, projections and join probes read the
//! selected rows straight from the columns. Only operators that must hold rows (sort,
//! join build sides, window partitions, results) materialize them, and only the columns
//! the query uses. Group-by and joins hash values consistently with SQL equality
//! ([`ValKey`]).
//!
//! Nothing here parses SQL: plans are data ([`crate::sql::plan`]).
//!
//! This file holds the entry point, the relation type and the dispatch over plan
//! operators; each operator lives in its own file: `scan` (tables, `VALUES`), `filter`,
//! `project`, `aggregate`, `window`, `sort` (with `LIMIT` and `DISTINCT`), `join`,
//! `set_op`, `subquery`, and `eval` (expressions). `fast` holds the kernels over typed
//! columns that several operators try first; `acc` (aggregate accumulators) and `rows`
//! (row comparison, hashing, sets) are what both the operators and `fast` build on, so
//! dependencies run one way: operators -> `fast` -> `acc`, `rows`.

mod acc;
mod aggregate;
mod correlation;
mod eval;
mod fast;
mod filter;
mod fold;
mod grouping;
mod join;
mod project;
mod rows;
mod scan;
mod set_op;
mod sort;
mod subquery;
mod window;

use crate::memory;
use crate::sql::catalog::{Catalog, ScanColumn};
use crate::sql::error::SqlError;
use crate::sql::plan::{Plan, Statement};
use crate::sql::value::{Val, ValKey};
use foldhash::fast::FixedState;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// What a run needs besides the plan.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The current time for `'now'`, in milliseconds since 1970 (UTC); `None` refuses
    /// `'now'` (wasm32 has no clock without the browser's).
    pub now_ms: Option<i64>,
    /// Stop when the process heap passes this many bytes.
    pub memory_budget: Option<u64>,
    /// Run every operator on the general row-by-row path, never a fast path over typed
    /// columns: the reference the fast paths are tested against (same answers, to the
    /// bit).
    pub general_only: bool,
}

impl Options {
    /// Options with the system clock (natively).
    pub fn with_clock() -> Self {
        Options {
            now_ms: system_now_ms(),
            memory_budget: None,
            general_only: false,
        }
    }
}

/// Milliseconds since 1970 from the system clock, natively.
pub fn system_now_ms() -> Option<i64> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_millis() as i64)
    }
    #[cfg(target_arch = "wasm32")]
    {
        None
    }
}

/// A query's answer: column names and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Rows<'w> {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Val<'w>>>,
}

/// Runs a compiled statement.
pub fn run<'w>(
    catalog: &Catalog<'w>,
    statement: &Statement,
    options: &Options,
) -> Result<Rows<'w>, SqlError> {
    run_with(catalog, statement, options, None)
}

/// Runs a compiled statement and says how: each operator run, in the order it started
/// (an operator another one runs itself, such as the projection under a sort, is
/// part of that one's line), the path it took and the rows it gave. What `EXPLAIN`
/// shows below the plan.
pub fn run_traced<'w>(
    catalog: &Catalog<'w>,
    statement: &Statement,
    options: &Options,
) -> Result<(Rows<'w>, Vec<Step>), SqlError> {
    let trace = RefCell::new(Trace::default());
    let rows = run_with(catalog, statement, options, Some(&trace))?;
    Ok((rows, trace.into_inner().steps))
}

fn run_with<'w>(
    catalog: &Catalog<'w>,
    statement: &Statement,
    options: &Options,
    trace: Option<&RefCell<Trace>>,
) -> Result<Rows<'w>, SqlError> {
    let exec = Exec {
        catalog,
        options,
        outer: RefCell::new(Vec::new()),
        cache: RefCell::new(HashMap::new()),
        memo: RefCell::new(correlation::Memo::default()),
        now: std::cell::Cell::new(None),
        trace,
    };
    let rel = exec.plan(&statement.plan)?;
    let rows = rel.into_rows();
    Ok(Rows {
        columns: statement.columns.clone(),
        rows,
    })
}

/// One operator as it ran ([`run_traced`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// How many operators it runs under.
    pub depth: usize,
    /// The operator (`Aggregate`, `Sort`, ...).
    pub operator: &'static str,
    /// The paths it took: the fast paths over typed columns, or the general path.
    pub paths: Vec<&'static str>,
    /// Rows it gave.
    pub rows: usize,
}

/// The steps of a traced run, and the operators running now (indexes into `steps`).
#[derive(Default)]
struct Trace {
    steps: Vec<Step>,
    running: Vec<usize>,
}

/// An operator's name in a trace.
fn operator_name(plan: &Plan) -> &'static str {
    match plan {
        Plan::Scan { .. } => "Scan",
        Plan::Values { .. } => "Values",
        Plan::Filter { .. } => "Filter",
        Plan::Project { .. } => "Project",
        Plan::Aggregate { .. } => "Aggregate",
        Plan::Window { .. } => "Window",
        Plan::Sort { .. } => "Sort",
        Plan::Limit { .. } => "Limit",
        Plan::Distinct { .. } => "Distinct",
        Plan::Join { .. } => "Join",
        Plan::SetOp { .. } => "Set operation",
    }
}

fn err(message: impl Into<String>) -> SqlError {
    SqlError::new(message)
}

/// A relation: a selection over a base table, or materialized rows.
enum Rel<'w> {
    /// Rows of a base table: a selection vector, and readers for the columns the plan
    /// uses (by position; the others stay NULL).
    Scan {
        width: usize,
        readers: Rc<Vec<(usize, ScanColumn<'w>)>>,
        rows: Vec<u32>,
    },
    Rows {
        width: usize,
        rows: Vec<Vec<Val<'w>>>,
    },
}

impl<'w> Rel<'w> {
    /// Rows held.
    fn len(&self) -> usize {
        match self {
            Rel::Scan { rows, .. } => rows.len(),
            Rel::Rows { rows, .. } => rows.len(),
        }
    }

    fn width(&self) -> usize {
        match self {
            Rel::Scan { width, .. } => *width,
            Rel::Rows { width, .. } => *width,
        }
    }

    /// Calls `f` with each row in order.
    fn for_each(
        &self,
        mut f: impl FnMut(usize, &[Val<'w>]) -> Result<(), SqlError>,
    ) -> Result<(), SqlError> {
        match self {
            Rel::Scan {
                width,
                readers,
                rows,
            } => {
                let mut buf: Vec<Val<'w>> = vec![Val::Null; *width];
                for (i, &row) in rows.iter().enumerate() {
                    for (at, read) in readers.iter() {
                        buf[*at] = read.get(row as usize);
                    }
                    f(i, &buf)?;
                }
                Ok(())
            }
            Rel::Rows { rows, .. } => {
                for (i, row) in rows.iter().enumerate() {
                    f(i, row)?;
                }
                Ok(())
            }
        }
    }

    fn into_rows(self) -> Vec<Vec<Val<'w>>> {
        match self {
            Rel::Rows { rows, .. } => rows,
            Rel::Scan {
                width,
                readers,
                rows,
            } => rows
                .iter()
                .map(|&r| {
                    let mut row = vec![Val::Null; width];
                    for (at, read) in readers.iter() {
                        row[*at] = read.get(r as usize);
                    }
                    row
                })
                .collect(),
        }
    }
}

/// A subquery's result, kept when it does not depend on the outer row.
struct SubResult<'w> {
    rows: Vec<Vec<Val<'w>>>,
    keys: HashSet<ValKey<'w>, FixedState>,
    has_null: bool,
}

struct Exec<'a, 'w> {
    catalog: &'a Catalog<'w>,
    options: &'a Options,
    /// Rows of the enclosing queries of a correlated subquery being run.
    outer: RefCell<Vec<Vec<Val<'w>>>>,
    /// Results of uncorrelated subqueries by plan address.
    cache: RefCell<HashMap<usize, Rc<SubResult<'w>>>>,
    /// Results of correlated subqueries, by the outer values they read.
    memo: RefCell<correlation::Memo<'w>>,
    now: std::cell::Cell<Option<i64>>,
    /// Where the operators note the paths they take, when the run is traced.
    trace: Option<&'a RefCell<Trace>>,
}

impl<'a, 'w> Exec<'a, 'w> {
    /// Notes that the operator running now took `path` ([`run_traced`]).
    fn note(&self, path: &'static str) {
        if let Some(trace) = self.trace {
            let mut trace = trace.borrow_mut();
            if let Some(&at) = trace.running.last() {
                trace.steps[at].paths.push(path);
            }
        }
    }

    fn check_memory(&self) -> Result<(), SqlError> {
        if let Some(budget) = self.options.memory_budget {
            if memory::live_bytes() > budget {
                return Err(err(format!(
                    "out of memory: the query's intermediate results passed the memory budget of {} MiB; \
                     narrow it (WHERE, LIMIT, fewer columns) or group before joining",
                    budget >> 20
                )));
            }
        }
        Ok(())
    }

    fn plan(&self, plan: &Plan) -> Result<Rel<'w>, SqlError> {
        self.check_memory()?;
        let Some(trace) = self.trace else {
            return self.operator(plan);
        };
        let at = {
            let mut trace = trace.borrow_mut();
            let step = Step {
                depth: trace.running.len(),
                operator: operator_name(plan),
                paths: Vec::new(),
                rows: 0,
            };
            trace.steps.push(step);
            let at = trace.steps.len() - 1;
            trace.running.push(at);
            at
        };
        let rel = self.operator(plan);
        let mut trace = trace.borrow_mut();
        trace.running.pop();
        if let Ok(rel) = &rel {
            trace.steps[at].rows = rel.len();
        }
        rel
    }

    fn operator(&self, plan: &Plan) -> Result<Rel<'w>, SqlError> {
        match plan {
            Plan::Scan { table, columns } => self.scan(table, columns),
            Plan::Values { width, rows } => self.values(*width, rows),
            Plan::Filter { input, predicate } => self.filter(input, predicate),
            Plan::Project { input, exprs } => {
                let rel = self.plan(input)?;
                self.project(rel, exprs)
            }
            Plan::Aggregate {
                input,
                group_by,
                aggregates,
            } => self.aggregate(input, group_by, aggregates),
            Plan::Window { input, functions } => self.window(input, functions),
            Plan::Sort { input, keys } => self.sort(input, keys, None),
            Plan::Limit {
                input,
                limit,
                offset,
            } => self.limit(input, limit.as_ref(), offset.as_ref()),
            Plan::Distinct { input } => self.distinct(input),
            Plan::Join {
                left,
                right,
                kind,
                left_keys,
                right_keys,
                condition,
            } => self.join(
                left,
                right,
                *kind,
                left_keys,
                right_keys,
                condition.as_ref(),
            ),
            Plan::SetOp { op, left, right } => self.set_op(*op, left, right),
        }
    }

    /// The statement's `'now'`, read once.
    pub(crate) fn now_ms(&self) -> Result<i64, SqlError> {
        if let Some(now) = self.now.get() {
            return Ok(now);
        }
        let now = self
            .options
            .now_ms
            .ok_or_else(|| err("'now' is not available here: no clock was given"))?;
        self.now.set(Some(now));
        Ok(now)
    }
}

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
//! `set_op`, `subquery`, `stream` (joins without equality keys run as a stream of rows,
//! for aggregates and `LIMIT`) and `eval` (expressions). `fast` holds the kernels over typed
//! columns that several operators try first; `acc` (aggregate accumulators) and `rows`
//! (row comparison, hashing, sets) are what both the operators and `fast` build on, so
//! dependencies run one way: operators -> `fast` -> `acc`, `rows`.
//!
//! ## Memory
//!
//! A statement runs under the warehouse's memory budget ([`Options::memory_budget`],
//! the one loads are held to, [`crate::memory`]): what it may take is the budget less
//! the heap live when it starts. The heap is read from the counting allocator (one
//! relaxed atomic load), so everything an operator holds counts: join build sides and
//! outputs, group tables and their `GROUP_CONCAT` texts, sort inputs and keys, window
//! partitions, subquery results, the result itself. Each operator checks before it
//! starts, before it materializes rows (with the size they will take), and while it
//! grows, once per row it adds (and, when its output vector is full, with the size its
//! doubling will take, so one reallocation cannot jump past the budget). Past it the
//! statement stops with the error of `over_budget` ("this query needs more than N MiB; add
//! a filter or a LIMIT"); what it held is freed and the warehouse, only read, is as it
//! was. Joins without equality keys (cross joins) never materialize under an aggregate
//! or a `LIMIT`: they stream (`stream`), and `COUNT(*)` of a cross join is the product
//! of its sides' counts, in constant memory, as SQLite answers it.

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
mod stream;
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
    /// The memory budget: the statement stops, with an error saying how much it needed,
    /// when the heap (of the whole process, as [`crate::memory`] counts it) would pass
    /// this many bytes. The warehouse's budget, so that loads and queries share one.
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
        live_at_start: memory::live_bytes(),
    };
    let rel = exec.plan(&statement.plan)?;
    let rows = exec.rows_of(rel)?;
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
    /// Heap bytes live when the statement started (the loaded data, mostly).
    live_at_start: u64,
}

/// The bytes `rows` rows of `width` values take once materialized.
fn rows_bytes(rows: usize, width: usize) -> u64 {
    let row = std::mem::size_of::<Vec<Val<'_>>>() + width * std::mem::size_of::<Val<'_>>();
    (rows as u64).saturating_mul(row as u64)
}

/// The error of a statement that would pass the memory budget: what it may take (the
/// budget less what was live when it started), and how to need less.
fn over_budget(budget: u64, live_at_start: u64) -> SqlError {
    let room = budget.saturating_sub(live_at_start);
    err(format!(
        "this query needs more than {}; add a filter or a LIMIT (the memory budget is {}, \
         of which {} held before the query; nothing was changed)",
        memory::mib(room),
        memory::mib(budget),
        memory::mib(live_at_start),
    ))
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

    /// `Ok` while the heap is within the memory budget.
    #[inline]
    fn check_memory(&self) -> Result<(), SqlError> {
        self.check_need(0)
    }

    /// `Ok` when `more` bytes fit under the memory budget on top of the heap live now.
    #[inline]
    fn check_need(&self, more: u64) -> Result<(), SqlError> {
        match self.options.memory_budget {
            Some(budget) if memory::live_bytes().saturating_add(more) > budget => {
                Err(over_budget(budget, self.live_at_start))
            }
            _ => Ok(()),
        }
    }

    /// Checks before one more item goes into `v`: the heap within the budget and, when
    /// `v` is full, its doubling within it too.
    #[inline]
    fn check_push<T>(&self, v: &Vec<T>) -> Result<(), SqlError> {
        if v.len() == v.capacity() {
            let doubled = v.capacity().max(4) * std::mem::size_of::<T>();
            self.check_need(doubled as u64)
        } else {
            self.check_memory()
        }
    }

    /// A relation's rows, materialized once their size is known to fit the budget.
    fn rows_of(&self, rel: Rel<'w>) -> Result<Vec<Vec<Val<'w>>>, SqlError> {
        if let Rel::Scan { rows, width, .. } = &rel {
            self.check_need(rows_bytes(rows.len(), *width))?;
        }
        Ok(rel.into_rows())
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

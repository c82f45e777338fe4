//! The executor: runs a [`Plan`] over the star schema under a tenant scope.
//!
//! Base tables are never copied: a scan is a selection vector of row numbers over the
//! star schema's columns (read in place through [`Catalog`] readers), a filter over a
//! scan narrows the selection, and aggregates, projections and join probes read the
//! selected rows straight from the columns. Only operators that must hold rows (sort,
//! join build sides, window partitions, results) materialize them, and only the columns
//! the query uses. Group-by and joins hash values consistently with SQL equality
//! ([`Key`]).
//!
//! Nothing here parses SQL: plans are data ([`crate::sql::plan`]).

use crate::memory;
use crate::sql::catalog::{Catalog, Column, Joined};
use crate::sql::error::SqlError;
use crate::sql::plan::{
    AggFunc, Aggregate, BinOp, CastType, Coerce, Expr, JoinKind, Literal, Plan, SetOp, SortKey,
    Statement, WindowFunc, WindowFunction,
};
use crate::sql::value::{arith, hash_val, negate, sql_cmp, total_cmp, Arith, Key, Val, MICROS};
use crate::sql::{fast, func};
use foldhash::fast::FixedState;
use hashbrown::HashTable;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
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
    let exec = Exec {
        catalog,
        options,
        outer: RefCell::new(Vec::new()),
        cache: RefCell::new(HashMap::new()),
        now: std::cell::Cell::new(None),
    };
    let rel = exec.plan(&statement.plan)?;
    let rows = rel.into_rows();
    Ok(Rows {
        columns: statement.columns.clone(),
        rows,
    })
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
        readers: Rc<Vec<(usize, Column<'w>)>>,
        rows: Vec<u32>,
    },
    Rows {
        width: usize,
        rows: Vec<Vec<Val<'w>>>,
    },
}

impl<'w> Rel<'w> {
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
    keys: HashSet<Key<'w>, FixedState>,
    has_null: bool,
}

struct Exec<'a, 'w> {
    catalog: &'a Catalog<'w>,
    options: &'a Options,
    /// Rows of the enclosing queries of a correlated subquery being run.
    outer: RefCell<Vec<Vec<Val<'w>>>>,
    /// Results of uncorrelated subqueries by plan address.
    cache: RefCell<HashMap<usize, Rc<SubResult<'w>>>>,
    now: std::cell::Cell<Option<i64>>,
}

const HASHER: FixedState = FixedState::with_seed(0x5eed);

fn hash_row(values: &[Val<'_>]) -> u64 {
    use std::hash::Hasher;
    let mut h = HASHER.build_hasher();
    for v in values {
        hash_val(v, &mut h);
    }
    h.finish()
}

fn rows_equal(a: &[Val<'_>], b: &[Val<'_>]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| total_cmp(x, y) == Ordering::Equal)
}

/// Distinct rows by SQL equality, remembering first occurrences.
struct RowSet<'w> {
    table: HashTable<usize>,
    rows: Vec<Vec<Val<'w>>>,
}

impl<'w> RowSet<'w> {
    fn new() -> Self {
        RowSet {
            table: HashTable::new(),
            rows: Vec::new(),
        }
    }

    /// The index of `row`, inserting it (a copy) when new: `(index, inserted)`.
    fn insert(&mut self, row: &[Val<'w>]) -> (usize, bool) {
        let hash = hash_row(row);
        let rows = &self.rows;
        if let Some(&i) = self.table.find(hash, |&i| rows_equal(&rows[i], row)) {
            return (i, false);
        }
        let i = self.rows.len();
        self.rows.push(row.to_vec());
        let rows = &self.rows;
        self.table.insert_unique(hash, i, |&j| hash_row(&rows[j]));
        (i, true)
    }

    fn contains(&self, row: &[Val<'w>]) -> bool {
        let hash = hash_row(row);
        self.table
            .find(hash, |&i| rows_equal(&self.rows[i], row))
            .is_some()
    }
}

pub(crate) fn cmp_keys(a: &[Val<'_>], b: &[Val<'_>], keys: &[SortKey]) -> Ordering {
    for ((x, y), key) in a.iter().zip(b).zip(keys) {
        let nulls_first = key.nulls_first.unwrap_or(!key.desc);
        let o = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            _ => {
                let o = total_cmp(x, y);
                if key.desc {
                    o.reverse()
                } else {
                    o
                }
            }
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Applies a comparison's affinity conversions.
fn coerce<'w>(c: Coerce, a: Val<'w>, b: Val<'w>) -> (Val<'w>, Val<'w>) {
    match c {
        Coerce::None => (a, b),
        Coerce::NumericLeft => (a.numeric_affinity(), b),
        Coerce::NumericRight => (a, b.numeric_affinity()),
        Coerce::TextLeft => (a.text_affinity(), b),
        Coerce::TextRight => (a, b.text_affinity()),
    }
}

/// Compares after conversions: NULL when either side is.
pub(crate) fn compare<'w>(c: Coerce, a: Val<'w>, b: Val<'w>) -> Option<Ordering> {
    let (a, b) = coerce(c, a, b);
    sql_cmp(&a, &b)
}

/// An integer from a LIMIT or OFFSET value.
fn limit_value(v: &Val<'_>, what: &str) -> Result<i64, SqlError> {
    match v.clone().numeric_affinity() {
        Val::Int(i) => Ok(i),
        Val::Real(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(f as i64),
        Val::Money(m) if m % MICROS == 0 => Ok((m / MICROS) as i64),
        _ => Err(err(format!("datatype mismatch: {what} must be an integer"))),
    }
}

/// Running state of one aggregate.
#[derive(Clone)]
pub(crate) struct Acc<'w> {
    pub(crate) count: i64,
    pub(crate) int_sum: i128,
    pub(crate) money_sum: i128,
    pub(crate) has_money: bool,
    /// Kahan-Babuska-Neumaier sum of the non-integer values, as SQLite sums doubles.
    pub(crate) real_sum: f64,
    pub(crate) real_comp: f64,
    pub(crate) has_real: bool,
    best: Option<Val<'w>>,
    text: Option<String>,
    seen: Option<HashSet<Key<'w>, FixedState>>,
}

impl<'w> Acc<'w> {
    pub(crate) fn new(distinct: bool) -> Self {
        Acc {
            count: 0,
            int_sum: 0,
            money_sum: 0,
            has_money: false,
            real_sum: 0.0,
            real_comp: 0.0,
            has_real: false,
            best: None,
            text: None,
            seen: distinct.then(|| HashSet::with_hasher(HASHER)),
        }
    }

    pub(crate) fn add_real(&mut self, x: f64) {
        let t = self.real_sum + x;
        if self.real_sum.abs() >= x.abs() {
            self.real_comp += (self.real_sum - t) + x;
        } else {
            self.real_comp += (x - t) + self.real_sum;
        }
        self.real_sum = t;
        self.has_real = true;
    }

    pub(crate) fn update(
        &mut self,
        func: AggFunc,
        v: Val<'w>,
        sep: Option<Val<'w>>,
    ) -> Result<(), SqlError> {
        if func == AggFunc::CountRows {
            self.count += 1;
            return Ok(());
        }
        if v.is_null() {
            return Ok(());
        }
        if let Some(seen) = &mut self.seen {
            if !seen.insert(Key(v.clone())) {
                return Ok(());
            }
        }
        self.count += 1;
        match func {
            AggFunc::CountRows | AggFunc::Count => {}
            AggFunc::Sum | AggFunc::Total | AggFunc::Avg => match v.clone().numeric_affinity() {
                Val::Int(i) => self.int_sum += i128::from(i),
                Val::Money(m) => {
                    self.money_sum += m;
                    self.has_money = true;
                }
                Val::Real(f) => self.add_real(f),
                other => self.add_real(other.to_f64()),
            },
            AggFunc::Min => {
                if self
                    .best
                    .as_ref()
                    .is_none_or(|b| total_cmp(&v, b) == Ordering::Less)
                {
                    self.best = Some(v);
                }
            }
            AggFunc::Max => {
                if self
                    .best
                    .as_ref()
                    .is_none_or(|b| total_cmp(&v, b) == Ordering::Greater)
                {
                    self.best = Some(v);
                }
            }
            AggFunc::GroupConcat => {
                let text = v.to_text().unwrap_or_default().into_owned();
                match &mut self.text {
                    None => self.text = Some(text),
                    Some(acc) => {
                        match &sep {
                            None => acc.push(','),
                            Some(s) => acc.push_str(&s.to_text().unwrap_or_default()),
                        }
                        acc.push_str(&text);
                    }
                }
            }
        }
        Ok(())
    }

    fn real_total(&self) -> f64 {
        self.int_sum as f64
            + crate::sql::value::money_f64(self.money_sum)
            + (self.real_sum + self.real_comp)
    }

    pub(crate) fn finish(&self, func: AggFunc) -> Result<Val<'w>, SqlError> {
        Ok(match func {
            AggFunc::CountRows | AggFunc::Count => Val::Int(self.count),
            AggFunc::Sum => {
                if self.count == 0 {
                    Val::Null
                } else if self.has_real {
                    Val::real(self.real_total())
                } else if self.has_money {
                    Val::Money(self.money_sum + self.int_sum * MICROS)
                } else {
                    Val::Int(i64::try_from(self.int_sum).map_err(|_| err("integer overflow"))?)
                }
            }
            AggFunc::Total => Val::real(self.real_total()),
            AggFunc::Avg => {
                if self.count == 0 {
                    Val::Null
                } else if !self.has_real {
                    // Exact sum, one rounding.
                    let exact = self.money_sum + self.int_sum * MICROS;
                    Val::real(crate::sql::value::money_f64(exact) / self.count as f64)
                } else {
                    Val::real(self.real_total() / self.count as f64)
                }
            }
            AggFunc::Min | AggFunc::Max => self.best.clone().unwrap_or(Val::Null),
            AggFunc::GroupConcat => self.text.clone().map_or(Val::Null, Val::text),
        })
    }
}

impl<'a, 'w> Exec<'a, 'w> {
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
        match plan {
            Plan::Scan { table, columns } => {
                let scan = self.catalog.scan(table, columns).map_err(err)?;
                Ok(Rel::Scan {
                    width: columns.len(),
                    readers: Rc::new(
                        scan.columns
                            .into_iter()
                            .enumerate()
                            .filter_map(|(i, r)| r.map(|r| (i, r)))
                            .collect(),
                    ),
                    rows: scan.rows,
                })
            }
            Plan::Values { width, rows } => {
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    let values = row
                        .iter()
                        .map(|e| self.eval(e, &[]))
                        .collect::<Result<Vec<_>, _>>()?;
                    out.push(values);
                }
                Ok(Rel::Rows {
                    width: *width,
                    rows: out,
                })
            }
            Plan::Filter { input, predicate } => {
                let rel = self.plan(input)?;
                match rel {
                    Rel::Scan {
                        width,
                        readers,
                        rows,
                    } => {
                        if !self.options.general_only {
                            if let Some(keep) =
                                self.filter_by_codes(&readers, &rows, width, predicate)?
                            {
                                return Ok(Rel::Scan {
                                    width,
                                    readers,
                                    rows: keep,
                                });
                            }
                        }
                        let mut keep = Vec::new();
                        let mut buf: Vec<Val<'w>> = vec![Val::Null; width];
                        for &row in &rows {
                            for (at, read) in readers.iter() {
                                buf[*at] = read.get(row as usize);
                            }
                            if self.eval(predicate, &buf)?.truth() == Some(true) {
                                keep.push(row);
                            }
                        }
                        Ok(Rel::Scan {
                            width,
                            readers,
                            rows: keep,
                        })
                    }
                    Rel::Rows { width, rows } => {
                        let mut keep = Vec::new();
                        for row in rows {
                            if self.eval(predicate, &row)?.truth() == Some(true) {
                                keep.push(row);
                            }
                        }
                        Ok(Rel::Rows { width, rows: keep })
                    }
                }
            }
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
            } => {
                let limit = match limit {
                    Some(e) => limit_value(&self.eval(e, &[])?, "LIMIT")?,
                    None => -1,
                };
                let offset = match offset {
                    Some(e) => limit_value(&self.eval(e, &[])?, "OFFSET")?.max(0),
                    None => 0,
                };
                let take = if limit < 0 {
                    usize::MAX
                } else {
                    limit as usize
                };
                let rel = match &**input {
                    // Top-k: only the first offset + limit rows need ordering.
                    Plan::Sort { input, keys } if limit >= 0 => {
                        self.sort(input, keys, Some(take.saturating_add(offset as usize)))?
                    }
                    _ => self.plan(input)?,
                };
                let width = rel.width();
                let rows = match rel {
                    Rel::Scan {
                        width,
                        readers,
                        rows,
                    } => Rel::Scan {
                        width,
                        readers,
                        rows: rows.into_iter().skip(offset as usize).take(take).collect(),
                    }
                    .into_rows(),
                    Rel::Rows { rows, .. } => {
                        rows.into_iter().skip(offset as usize).take(take).collect()
                    }
                };
                Ok(Rel::Rows { width, rows })
            }
            Plan::Distinct { input } => {
                let rel = self.plan(input)?;
                let width = rel.width();
                let mut set = RowSet::new();
                rel.for_each(|_, row| {
                    set.insert(row);
                    Ok(())
                })?;
                Ok(Rel::Rows {
                    width,
                    rows: set.rows,
                })
            }
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
            Plan::SetOp { op, left, right } => {
                let l = self.plan(left)?;
                let width = l.width();
                let r = self.plan(right)?;
                if r.width() != width {
                    return Err(err(
                        "SELECTs to the left and right of a compound operator do not have the same number of result columns",
                    ));
                }
                let rows = match op {
                    SetOp::UnionAll => {
                        let mut rows = l.into_rows();
                        rows.extend(r.into_rows());
                        rows
                    }
                    SetOp::Union => {
                        let mut set = RowSet::new();
                        l.for_each(|_, row| {
                            set.insert(row);
                            Ok(())
                        })?;
                        r.for_each(|_, row| {
                            set.insert(row);
                            Ok(())
                        })?;
                        set.rows
                    }
                    SetOp::Intersect | SetOp::Except => {
                        let mut right_set = RowSet::new();
                        r.for_each(|_, row| {
                            right_set.insert(row);
                            Ok(())
                        })?;
                        let mut out = RowSet::new();
                        let want = *op == SetOp::Intersect;
                        l.for_each(|_, row| {
                            if right_set.contains(row) == want {
                                out.insert(row);
                            }
                            Ok(())
                        })?;
                        out.rows
                    }
                };
                // Compound results without ORDER BY come out sorted as SQLite's do
                // (UNION, INTERSECT and EXCEPT use a sorted set).
                let mut rows = rows;
                if *op != SetOp::UnionAll {
                    rows.sort_by(|a, b| {
                        for (x, y) in a.iter().zip(b.iter()) {
                            let o = total_cmp(x, y);
                            if o != Ordering::Equal {
                                return o;
                            }
                        }
                        Ordering::Equal
                    });
                }
                Ok(Rel::Rows { width, rows })
            }
        }
    }

    /// One output row per input row, one column per expression.
    fn project(&self, rel: Rel<'w>, exprs: &[Expr]) -> Result<Rel<'w>, SqlError> {
        let mut out = Vec::new();
        if let (Rel::Scan { readers, rows, .. }, false) = (&rel, self.options.general_only) {
            // Plain columns of a scan: read each straight from its column.
            let direct: Option<Vec<&Column<'w>>> = exprs
                .iter()
                .map(|e| match e {
                    Expr::Column(i) => fast::column_at(readers, *i),
                    _ => None,
                })
                .collect();
            if let Some(direct) = direct {
                out.reserve(rows.len());
                for (i, &r) in rows.iter().enumerate() {
                    if i % 65_536 == 65_535 {
                        self.check_memory()?;
                    }
                    out.push(direct.iter().map(|c| c.get(r as usize)).collect());
                }
                return Ok(Rel::Rows {
                    width: exprs.len(),
                    rows: out,
                });
            }
        }
        rel.for_each(|i, row| {
            if i % 65_536 == 65_535 {
                self.check_memory()?;
            }
            let values = exprs
                .iter()
                .map(|e| self.eval(e, row))
                .collect::<Result<Vec<_>, _>>()?;
            out.push(values);
            Ok(())
        })?;
        Ok(Rel::Rows {
            width: exprs.len(),
            rows: out,
        })
    }

    /// `input` ordered by `keys` (stable); with `keep`, at least its first `keep` rows
    /// in order (the rest may be dropped). A projection of a scan sorted on plain
    /// columns orders the selection vector on typed keys before projecting.
    fn sort(
        &self,
        input: &Plan,
        keys: &[SortKey],
        keep: Option<usize>,
    ) -> Result<Rel<'w>, SqlError> {
        let rel = match input {
            Plan::Project { input, exprs } if !self.options.general_only => {
                let rel = self.plan(input)?;
                if let Rel::Scan {
                    width,
                    readers,
                    rows,
                } = &rel
                {
                    if let Some(order) = fast::sort_order(readers, rows, exprs, keys, keep) {
                        let sorted = Rel::Scan {
                            width: *width,
                            readers: readers.clone(),
                            rows: order,
                        };
                        return self.project(sorted, exprs);
                    }
                }
                self.project(rel, exprs)?
            }
            _ => self.plan(input)?,
        };
        let width = rel.width();
        let rows = rel.into_rows();
        let mut keyed = Vec::with_capacity(rows.len());
        for row in rows {
            let k = keys
                .iter()
                .map(|key| self.eval(&key.expr, &row))
                .collect::<Result<Vec<_>, _>>()?;
            keyed.push((k, row));
        }
        keyed.sort_by(|a, b| cmp_keys(&a.0, &b.0, keys));
        Ok(Rel::Rows {
            width,
            rows: keyed.into_iter().map(|(_, r)| r).collect(),
        })
    }

    /// WHERE over a scan by codes. When the predicate reads only columns with dense
    /// codes (dictionary text, days, small integers, joined dimensions), it is
    /// evaluated once per distinct combination of their values, at its first row; the
    /// first error is then the general path's (the first row whose combination errs).
    /// Otherwise, when the leftmost operands of its `AND`s do (`c1 AND c2 AND roi > 1`:
    /// `c1 AND c2`), that part is evaluated by codes and the rows where it is false are
    /// dropped, as the general path's `AND` drops them without evaluating the rest; the
    /// other rows are evaluated whole, row by row (if the part errs for any
    /// combination, the general path runs instead, so errors come out as there).
    fn filter_by_codes(
        &self,
        readers: &[(usize, Column<'w>)],
        rows: &[u32],
        width: usize,
        predicate: &Expr,
    ) -> Result<Option<Vec<u32>>, SqlError> {
        let mut part = predicate;
        loop {
            let whole = std::ptr::eq(part, predicate);
            if let Some((groups, truth)) = self.truth_by_codes(readers, rows, width, part, whole)? {
                let selected = rows.iter().zip(&groups);
                if whole {
                    return Ok(Some(
                        selected
                            .filter(|(_, &g)| truth[g as usize] == Some(true))
                            .map(|(&r, _)| r)
                            .collect(),
                    ));
                }
                let mut keep = Vec::new();
                let mut buf: Vec<Val<'w>> = vec![Val::Null; width];
                for (&r, &g) in selected {
                    if truth[g as usize] == Some(false) {
                        continue;
                    }
                    for (at, column) in readers {
                        buf[*at] = column.get(r as usize);
                    }
                    if self.eval(predicate, &buf)?.truth() == Some(true) {
                        keep.push(r);
                    }
                }
                return Ok(Some(keep));
            }
            match part {
                Expr::Binary {
                    op: BinOp::And,
                    left,
                    ..
                } => part = left,
                _ => return Ok(None),
            }
        }
    }

    /// The values of `e`, an expression over coded columns, as a coded column: `e` is
    /// evaluated once per distinct combination of the columns it reads. `None` when it
    /// reads others, or errs for a combination (the general path then errs as it
    /// does).
    fn values_by_codes(
        &self,
        readers: &[(usize, Column<'w>)],
        rows: &[u32],
        width: usize,
        e: &Expr,
    ) -> Option<Column<'w>> {
        let mut read = Vec::new();
        fast::columns_read(e, &mut read)?;
        let group_by: Vec<Expr> = read.iter().map(|&i| Expr::Column(i)).collect();
        let (groups, first) = fast::group_rows(readers, rows, &group_by)?;
        if first.len() * 4 > rows.len() + 64 {
            return None;
        }
        let mut buf: Vec<Val<'w>> = vec![Val::Null; width];
        let mut values = Vec::with_capacity(first.len());
        for &r in &first {
            for &i in &read {
                if let (Some(slot), Some(column)) = (buf.get_mut(i), fast::column_at(readers, i)) {
                    *slot = column.get(r as usize);
                }
            }
            values.push(self.eval(e, &buf).ok()?);
        }
        let base = rows.iter().max().map_or(0, |&m| m as usize + 1);
        let mut index = vec![u32::MAX; base];
        for (&r, &g) in rows.iter().zip(&groups) {
            index[r as usize] = g;
        }
        let (codes, distinct) = fast::value_codes(&values);
        Some(Column::Joined(Rc::new(Joined {
            index: Rc::new(index),
            values,
            codes,
            distinct,
        })))
    }

    /// The truth of `e` per distinct combination of the coded columns it reads: a
    /// group per selected row and a truth per group. An error is returned when `errors`
    /// says so, else it gives `None`; `None` too when `e` reads other columns.
    #[allow(clippy::type_complexity)]
    fn truth_by_codes(
        &self,
        readers: &[(usize, Column<'w>)],
        rows: &[u32],
        width: usize,
        e: &Expr,
        errors: bool,
    ) -> Result<Option<(Vec<u32>, Vec<Option<bool>>)>, SqlError> {
        let mut read = Vec::new();
        if fast::columns_read(e, &mut read).is_none() {
            return Ok(None);
        }
        let group_by: Vec<Expr> = read.iter().map(|&i| Expr::Column(i)).collect();
        let Some((groups, first)) = fast::group_rows(readers, rows, &group_by) else {
            return Ok(None);
        };
        if first.len() * 4 > rows.len() + 64 {
            // Nearly a combination per row: nothing to share.
            return Ok(None);
        }
        let mut buf: Vec<Val<'w>> = vec![Val::Null; width];
        let mut truth = Vec::with_capacity(first.len());
        for &r in &first {
            for &i in &read {
                if let (Some(slot), Some(column)) = (buf.get_mut(i), fast::column_at(readers, i)) {
                    *slot = column.get(r as usize);
                }
            }
            match self.eval(e, &buf) {
                Ok(v) => truth.push(v.truth()),
                Err(err) if errors => return Err(err),
                Err(_) => return Ok(None),
            }
        }
        Ok(Some((groups, truth)))
    }

    /// An equality join of a scan (left) to rows (right) where each left row matches at
    /// most one right row and there is no extra condition: the left key columns are
    /// looked up once per distinct key, and the result stays a scan of the left rows
    /// (in order; unmatched ones only for a LEFT join) whose right columns are read
    /// through a row index ([`Column::Joined`]). `None` when it does not fit.
    #[allow(clippy::too_many_arguments)]
    fn join_scan(
        &self,
        readers: &[(usize, Column<'w>)],
        rows: &[u32],
        (lw, rw): (usize, usize),
        kind: JoinKind,
        left_keys: &[Expr],
        right_rows: &[Vec<Val<'w>>],
        table: &HashTable<(Vec<Val<'w>>, Vec<usize>)>,
    ) -> Option<Rel<'w>> {
        let key_columns: Vec<&Column<'w>> = left_keys
            .iter()
            .map(|e| match e {
                Expr::Column(i) => fast::column_at(readers, *i),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let (groups, first) = fast::group_rows(readers, rows, left_keys)?;
        let mut matched = Vec::with_capacity(first.len());
        let mut key: Vec<Val<'w>> = Vec::with_capacity(left_keys.len());
        for &r in &first {
            key.clear();
            key.extend(key_columns.iter().map(|c| c.get(r as usize)));
            let hit: &[usize] = if key.iter().any(Val::is_null) {
                &[]
            } else {
                table
                    .find(hash_row(&key), |(k, _)| rows_equal(k, &key))
                    .map_or(&[], |(_, v)| v.as_slice())
            };
            match hit {
                [] => matched.push(u32::MAX),
                [j] => matched.push(u32::try_from(*j).ok()?),
                _ => return None,
            }
        }
        let base = rows.iter().max().map_or(0, |&m| m as usize + 1);
        let mut index = vec![u32::MAX; base];
        let mut out = Vec::with_capacity(rows.len());
        for (&r, &g) in rows.iter().zip(&groups) {
            let j = matched[g as usize];
            index[r as usize] = j;
            if j != u32::MAX || kind == JoinKind::Left {
                out.push(r);
            }
        }
        let index = Rc::new(index);
        let mut columns: Vec<(usize, Column<'w>)> = readers.to_vec();
        for k in 0..rw {
            let values: Vec<Val<'w>> = right_rows
                .iter()
                .map(|row| row.get(k).cloned().unwrap_or(Val::Null))
                .collect();
            let (codes, distinct) = fast::value_codes(&values);
            columns.push((
                lw + k,
                Column::Joined(Rc::new(Joined {
                    index: index.clone(),
                    values,
                    codes,
                    distinct,
                })),
            ));
        }
        Some(Rel::Scan {
            width: lw + rw,
            readers: Rc::new(columns),
            rows: out,
        })
    }

    fn aggregate(
        &self,
        input: &Plan,
        group_by: &[Expr],
        aggregates: &[Aggregate],
    ) -> Result<Rel<'w>, SqlError> {
        let rel = self.plan(input)?;
        if let (
            Rel::Scan {
                readers,
                rows,
                width,
            },
            false,
        ) = (&rel, self.options.general_only)
        {
            self.check_memory()?;
            // Group expressions over coded columns (strftime('%Y-%m', date)) become
            // coded columns themselves, computed once per distinct combination.
            let mut columns: Vec<(usize, Column<'w>)> = Vec::new();
            let mut keys: Vec<Expr> = group_by.to_vec();
            for key in keys.iter_mut() {
                if matches!(key, Expr::Column(_)) {
                    continue;
                }
                match self.values_by_codes(readers, rows, *width, key) {
                    Some(column) => {
                        if columns.is_empty() {
                            columns = readers.to_vec();
                        }
                        let at = *width + columns.len();
                        columns.push((at, column));
                        *key = Expr::Column(at);
                    }
                    None => break,
                }
            }
            let (readers, group_by) = if columns.is_empty() {
                (&readers[..], group_by)
            } else {
                (&columns[..], &keys[..])
            };
            if let Some(rows) = fast::aggregate(readers, rows, group_by, aggregates) {
                return Ok(Rel::Rows {
                    width: group_by.len() + aggregates.len(),
                    rows: rows?,
                });
            }
        }
        let mut table: HashTable<usize> = HashTable::new();
        let mut keys: Vec<Vec<Val<'w>>> = Vec::new();
        let mut accs: Vec<Vec<Acc<'w>>> = Vec::new();
        let fresh =
            || -> Vec<Acc<'w>> { aggregates.iter().map(|a| Acc::new(a.distinct)).collect() };
        if group_by.is_empty() {
            keys.push(Vec::new());
            accs.push(fresh());
        }
        let mut key_buf: Vec<Val<'w>> = Vec::with_capacity(group_by.len());
        rel.for_each(|i, row| {
            if i % 65_536 == 65_535 {
                self.check_memory()?;
            }
            let group = if group_by.is_empty() {
                0
            } else {
                key_buf.clear();
                for e in group_by {
                    key_buf.push(self.eval(e, row)?);
                }
                let hash = hash_row(&key_buf);
                match table.find(hash, |&g| rows_equal(&keys[g], &key_buf)) {
                    Some(&g) => g,
                    None => {
                        let g = keys.len();
                        keys.push(key_buf.clone());
                        accs.push(fresh());
                        table.insert_unique(hash, g, |&j| hash_row(&keys[j]));
                        g
                    }
                }
            };
            let group_accs = &mut accs[group];
            for (acc, agg) in group_accs.iter_mut().zip(aggregates) {
                let v = match &agg.arg {
                    Some(e) => self.eval(e, row)?,
                    None => Val::Null,
                };
                let sep = match &agg.separator {
                    Some(e) => Some(self.eval(e, row)?),
                    None => None,
                };
                acc.update(agg.func, v, sep)?;
            }
            Ok(())
        })?;
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by(|&a, &b| {
            for (x, y) in keys[a].iter().zip(&keys[b]) {
                let o = total_cmp(x, y);
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
        let mut rows = Vec::with_capacity(order.len());
        for g in order {
            let mut row = std::mem::take(&mut keys[g]);
            for (acc, agg) in accs[g].iter().zip(aggregates) {
                row.push(acc.finish(agg.func)?);
            }
            rows.push(row);
        }
        Ok(Rel::Rows {
            width: group_by.len() + aggregates.len(),
            rows,
        })
    }

    fn window(&self, input: &Plan, functions: &[WindowFunction]) -> Result<Rel<'w>, SqlError> {
        let rel = self.plan(input)?;
        let width = rel.width();
        let mut rows = rel.into_rows();
        for f in functions {
            let mut keyed = Vec::with_capacity(rows.len());
            for (i, row) in rows.iter().enumerate() {
                let part = f
                    .partition_by
                    .iter()
                    .map(|e| self.eval(e, row))
                    .collect::<Result<Vec<_>, _>>()?;
                let order = f
                    .order_by
                    .iter()
                    .map(|k| self.eval(&k.expr, row))
                    .collect::<Result<Vec<_>, _>>()?;
                let arg = match &f.arg {
                    Some(e) => self.eval(e, row)?,
                    None => Val::Null,
                };
                keyed.push((part, order, arg, i));
            }
            let part_keys: Vec<SortKey> = f
                .partition_by
                .iter()
                .map(|_| SortKey {
                    expr: Expr::Literal(Literal::Null),
                    desc: false,
                    nulls_first: None,
                })
                .collect();
            keyed.sort_by(|a, b| {
                cmp_keys(&a.0, &b.0, &part_keys).then_with(|| cmp_keys(&a.1, &b.1, &f.order_by))
            });
            let mut results: Vec<Val<'w>> = vec![Val::Null; rows.len()];
            let mut start = 0;
            while start < keyed.len() {
                let mut end = start + 1;
                while end < keyed.len() && rows_equal(&keyed[end].0, &keyed[start].0) {
                    end += 1;
                }
                let part = &keyed[start..end];
                match f.func {
                    WindowFunc::RowNumber => {
                        for (n, item) in part.iter().enumerate() {
                            results[item.3] = Val::Int(n as i64 + 1);
                        }
                    }
                    WindowFunc::Rank | WindowFunc::DenseRank => {
                        let (mut rank, mut dense) = (1i64, 1i64);
                        for (n, item) in part.iter().enumerate() {
                            if n > 0
                                && cmp_keys(&part[n - 1].1, &item.1, &f.order_by) != Ordering::Equal
                            {
                                rank = n as i64 + 1;
                                dense += 1;
                            }
                            results[item.3] = Val::Int(if f.func == WindowFunc::Rank {
                                rank
                            } else {
                                dense
                            });
                        }
                    }
                    WindowFunc::Aggregate(func) => {
                        let mut acc = Acc::new(f.distinct);
                        let mut n = 0;
                        while n < part.len() {
                            // The peers of row n (all rows without ORDER BY) share a frame end.
                            let mut peer_end = n + 1;
                            while peer_end < part.len()
                                && (f.order_by.is_empty()
                                    || cmp_keys(&part[n].1, &part[peer_end].1, &f.order_by)
                                        == Ordering::Equal)
                            {
                                peer_end += 1;
                            }
                            for item in &part[n..peer_end] {
                                let v = if func == AggFunc::CountRows {
                                    Val::Int(1)
                                } else {
                                    item.2.clone()
                                };
                                acc.update(func, v, None)?;
                            }
                            let value = acc.finish(func)?;
                            for item in &part[n..peer_end] {
                                results[item.3] = value.clone();
                            }
                            n = peer_end;
                        }
                    }
                }
                start = end;
            }
            for (row, value) in rows.iter_mut().zip(results) {
                row.push(value);
            }
        }
        Ok(Rel::Rows {
            width: width + functions.len(),
            rows,
        })
    }

    fn join(
        &self,
        left: &Plan,
        right: &Plan,
        kind: JoinKind,
        left_keys: &[Expr],
        right_keys: &[Expr],
        condition: Option<&Expr>,
    ) -> Result<Rel<'w>, SqlError> {
        let l = self.plan(left)?;
        let r = self.plan(right)?;
        let (lw, rw) = (l.width(), r.width());
        let right_rows = r.into_rows();
        // Build: right rows by key (rows with a NULL key never match).
        let mut table: HashTable<(Vec<Val<'w>>, Vec<usize>)> = HashTable::new();
        if !left_keys.is_empty() {
            for (i, row) in right_rows.iter().enumerate() {
                let key = right_keys
                    .iter()
                    .map(|e| self.eval(e, row))
                    .collect::<Result<Vec<_>, _>>()?;
                if key.iter().any(Val::is_null) {
                    continue;
                }
                let hash = hash_row(&key);
                match table.find_mut(hash, |(k, _)| rows_equal(k, &key)) {
                    Some((_, rows)) => rows.push(i),
                    None => {
                        table.insert_unique(hash, (key, vec![i]), |(k, _)| hash_row(k));
                    }
                }
            }
        }
        if let (Rel::Scan { readers, rows, .. }, None, false, false) = (
            &l,
            condition,
            left_keys.is_empty(),
            self.options.general_only,
        ) {
            self.check_memory()?;
            if let Some(rel) = self.join_scan(
                readers,
                rows,
                (lw, rw),
                kind,
                left_keys,
                &right_rows,
                &table,
            ) {
                return Ok(rel);
            }
        }
        let all_right: Vec<usize> = (0..right_rows.len()).collect();
        let mut out = Vec::new();
        let mut combined: Vec<Val<'w>> = Vec::with_capacity(lw + rw);
        let mut key: Vec<Val<'w>> = Vec::with_capacity(left_keys.len());
        l.for_each(|i, lrow| {
            if i % 65_536 == 65_535 {
                self.check_memory()?;
            }
            let candidates: &[usize] = if left_keys.is_empty() {
                &all_right
            } else {
                key.clear();
                for e in left_keys {
                    key.push(self.eval(e, lrow)?);
                }
                if key.iter().any(Val::is_null) {
                    &[]
                } else {
                    match table.find(hash_row(&key), |(k, _)| rows_equal(k, &key)) {
                        Some((_, rows)) => rows,
                        None => &[],
                    }
                }
            };
            let mut matched = false;
            for &j in candidates {
                combined.clear();
                combined.extend_from_slice(lrow);
                combined.extend_from_slice(&right_rows[j]);
                let keep = match condition {
                    Some(c) => self.eval(c, &combined)?.truth() == Some(true),
                    None => true,
                };
                if keep {
                    matched = true;
                    out.push(combined.clone());
                }
            }
            if !matched && kind == JoinKind::Left {
                let mut row = lrow.to_vec();
                row.resize(lw + rw, Val::Null);
                out.push(row);
            }
            Ok(())
        })?;
        Ok(Rel::Rows {
            width: lw + rw,
            rows: out,
        })
    }

    /// Runs a subquery, from the cache when it does not depend on the outer row.
    fn subquery(
        &self,
        plan: &Plan,
        correlated: bool,
        row: &[Val<'w>],
    ) -> Result<Rc<SubResult<'w>>, SqlError> {
        let address = plan as *const Plan as usize;
        if !correlated {
            if let Some(hit) = self.cache.borrow().get(&address) {
                return Ok(hit.clone());
            }
        }
        if correlated {
            self.outer.borrow_mut().push(row.to_vec());
        }
        let result = self.plan(plan).map(Rel::into_rows);
        if correlated {
            self.outer.borrow_mut().pop();
        }
        let rows = result?;
        let mut keys = HashSet::with_hasher(HASHER);
        let mut has_null = false;
        for r in &rows {
            match r.first() {
                Some(v) if v.is_null() => has_null = true,
                Some(v) => {
                    keys.insert(Key(v.clone()));
                }
                None => {}
            }
        }
        let sub = Rc::new(SubResult {
            rows,
            keys,
            has_null,
        });
        if !correlated {
            self.cache.borrow_mut().insert(address, sub.clone());
        }
        Ok(sub)
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

    fn eval(&self, e: &Expr, row: &[Val<'w>]) -> Result<Val<'w>, SqlError> {
        Ok(match e {
            Expr::Column(i) => row
                .get(*i)
                .cloned()
                .ok_or_else(|| err(format!("plan error: column {i} out of range")))?,
            Expr::Outer { depth, index } => {
                let outer = self.outer.borrow();
                let level = outer
                    .len()
                    .checked_sub(*depth)
                    .and_then(|l| outer.get(l))
                    .ok_or_else(|| err("plan error: outer reference without an outer row"))?;
                level
                    .get(*index)
                    .cloned()
                    .ok_or_else(|| err("plan error: outer column out of range"))?
            }
            Expr::Literal(l) => match l {
                Literal::Null => Val::Null,
                Literal::Int(i) => Val::Int(*i),
                Literal::Real(f) => Val::real(*f),
                Literal::Text(s) => Val::text(s.as_str()),
            },
            Expr::Neg(x) => negate(&self.eval(x, row)?),
            Expr::Not(x) => match self.eval(x, row)?.truth() {
                None => Val::Null,
                Some(b) => Val::bool(!b),
            },
            Expr::Binary {
                op,
                left,
                right,
                coerce: c,
            } => match op {
                BinOp::And => {
                    let l = self.eval(left, row)?.truth();
                    if l == Some(false) {
                        return Ok(Val::Int(0));
                    }
                    match (l, self.eval(right, row)?.truth()) {
                        (_, Some(false)) => Val::Int(0),
                        (Some(true), Some(true)) => Val::Int(1),
                        _ => Val::Null,
                    }
                }
                BinOp::Or => {
                    let l = self.eval(left, row)?.truth();
                    if l == Some(true) {
                        return Ok(Val::Int(1));
                    }
                    match (l, self.eval(right, row)?.truth()) {
                        (_, Some(true)) => Val::Int(1),
                        (Some(false), Some(false)) => Val::Int(0),
                        _ => Val::Null,
                    }
                }
                _ => {
                    let (a, b) = (self.eval(left, row)?, self.eval(right, row)?);
                    binary(*op, *c, a, b)
                }
            },
            Expr::IsNull { expr, negated } => {
                Val::bool(self.eval(expr, row)?.is_null() != *negated)
            }
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let v = self.eval(expr, row)?;
                if v.is_null() {
                    return Ok(if list.is_empty() {
                        Val::bool(*negated)
                    } else {
                        Val::Null
                    });
                }
                let mut saw_null = false;
                for (item, c) in list {
                    match compare(*c, v.clone(), self.eval(item, row)?) {
                        Some(Ordering::Equal) => return Ok(Val::bool(!negated)),
                        None => saw_null = true,
                        _ => {}
                    }
                }
                if saw_null {
                    Val::Null
                } else {
                    Val::bool(*negated)
                }
            }
            Expr::InSubquery {
                expr,
                plan,
                correlated,
                coerce: c,
                negated,
            } => {
                let sub = self.subquery(plan, *correlated, row)?;
                let v = self.eval(expr, row)?;
                if sub.rows.is_empty() {
                    return Ok(Val::bool(*negated));
                }
                if v.is_null() {
                    return Ok(Val::Null);
                }
                let found = if *c == Coerce::None {
                    sub.keys.contains(&Key(v.clone()))
                } else {
                    sub.rows.iter().any(|r| {
                        r.first().is_some_and(|x| {
                            compare(*c, v.clone(), x.clone()) == Some(Ordering::Equal)
                        })
                    })
                };
                if found {
                    Val::bool(!negated)
                } else if sub.has_null {
                    Val::Null
                } else {
                    Val::bool(*negated)
                }
            }
            Expr::Subquery { plan, correlated } => {
                let sub = self.subquery(plan, *correlated, row)?;
                sub.rows
                    .first()
                    .and_then(|r| r.first())
                    .cloned()
                    .unwrap_or(Val::Null)
            }
            Expr::Exists {
                plan,
                correlated,
                negated,
            } => {
                let sub = self.subquery(plan, *correlated, row)?;
                Val::bool(sub.rows.is_empty() == *negated)
            }
            Expr::Case {
                operand,
                whens,
                otherwise,
            } => {
                let base = match operand {
                    Some(o) => Some(self.eval(o, row)?),
                    None => None,
                };
                for (when, then) in whens {
                    let w = self.eval(when, row)?;
                    let hit = match &base {
                        Some(b) => sql_cmp(b, &w) == Some(Ordering::Equal),
                        None => w.truth() == Some(true),
                    };
                    if hit {
                        return self.eval(then, row);
                    }
                }
                match otherwise {
                    Some(o) => self.eval(o, row)?,
                    None => Val::Null,
                }
            }
            Expr::Cast { expr, to } => cast(self.eval(expr, row)?, *to),
            Expr::Like {
                expr,
                pattern,
                escape,
                negated,
            } => {
                let (v, p) = (self.eval(expr, row)?, self.eval(pattern, row)?);
                let esc = match escape {
                    Some(e) => Some(self.eval(e, row)?),
                    None => None,
                };
                if v.is_null() || p.is_null() || esc.as_ref().is_some_and(Val::is_null) {
                    return Ok(Val::Null);
                }
                let esc_char = match &esc {
                    Some(e) => {
                        let t = e.to_text().unwrap_or_default().into_owned();
                        let mut chars = t.chars();
                        match (chars.next(), chars.next()) {
                            (Some(c), None) => Some(c),
                            _ => return Err(err("ESCAPE expression must be a single character")),
                        }
                    }
                    None => None,
                };
                let text = v.to_text().unwrap_or_default();
                let pat = p.to_text().unwrap_or_default();
                Val::bool(func::like(&pat, &text, esc_char) != *negated)
            }
            Expr::Call { func: f, args } => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.eval(a, row)?);
                }
                func::call(*f, values, || self.now_ms())?
            }
        })
    }
}

/// A binary operator other than AND and OR.
fn binary<'w>(op: BinOp, c: Coerce, a: Val<'w>, b: Val<'w>) -> Val<'w> {
    let cmp = |pred: fn(Ordering) -> bool| match compare(c, a.clone(), b.clone()) {
        None => Val::Null,
        Some(o) => Val::bool(pred(o)),
    };
    match op {
        BinOp::Add => arith(Arith::Add, &a, &b),
        BinOp::Sub => arith(Arith::Sub, &a, &b),
        BinOp::Mul => arith(Arith::Mul, &a, &b),
        BinOp::Div => arith(Arith::Div, &a, &b),
        BinOp::Rem => arith(Arith::Rem, &a, &b),
        BinOp::Concat => match (a.to_text(), b.to_text()) {
            (Some(x), Some(y)) => {
                let mut s = String::with_capacity(x.len() + y.len());
                s.push_str(&x);
                s.push_str(&y);
                Val::text(s)
            }
            _ => Val::Null,
        },
        BinOp::Eq => cmp(|o| o == Ordering::Equal),
        BinOp::NotEq => cmp(|o| o != Ordering::Equal),
        BinOp::Lt => cmp(|o| o == Ordering::Less),
        BinOp::LtEq => cmp(|o| o != Ordering::Greater),
        BinOp::Gt => cmp(|o| o == Ordering::Greater),
        BinOp::GtEq => cmp(|o| o != Ordering::Less),
        BinOp::Is | BinOp::IsNot => {
            let same = match (a.is_null(), b.is_null()) {
                (true, true) => true,
                (true, false) | (false, true) => false,
                _ => compare(c, a, b) == Some(Ordering::Equal),
            };
            Val::bool(same == (op == BinOp::Is))
        }
        BinOp::And | BinOp::Or => Val::Null,
    }
}

/// The integer prefix of text, saturating (`CAST('12.5x' AS INTEGER)` is 12).
fn text_to_int(s: &str) -> i64 {
    let b = s.trim_start().as_bytes();
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let mut v: i128 = 0;
    for &d in digits.iter().take_while(|d| d.is_ascii_digit()) {
        v = (v * 10 + i128::from(d - b'0')).min(i128::from(u64::MAX));
    }
    let v = if neg { -v } else { v };
    v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

fn real_to_int(f: f64) -> i64 {
    if f.is_nan() {
        0
    } else if f >= 9.223_372_036_854_775e18 {
        i64::MAX
    } else if f <= -9.223_372_036_854_775e18 {
        i64::MIN
    } else {
        f as i64
    }
}

/// `CAST(v AS to)`.
pub(crate) fn cast<'w>(v: Val<'w>, to: CastType) -> Val<'w> {
    if v.is_null() {
        return Val::Null;
    }
    match to {
        CastType::Integer => match v {
            Val::Int(_) => v,
            Val::Real(f) => Val::Int(real_to_int(f)),
            Val::Money(m) => Val::Int((m / MICROS) as i64),
            _ => Val::Int(text_to_int(&v.as_text().unwrap_or_default())),
        },
        CastType::Real => Val::Real(v.to_f64()),
        CastType::Text => match v {
            Val::Str(_) | Val::String(_) | Val::Date(_) => v,
            _ => Val::text(v.to_text().unwrap_or_default().as_ref()),
        },
        CastType::Numeric => {
            let n = match v {
                Val::Str(_) | Val::String(_) | Val::Date(_) => v.to_numeric(),
                other => other,
            };
            match n {
                Val::Real(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Val::Int(f as i64),
                Val::Money(m) if m % MICROS == 0 => Val::Int((m / MICROS) as i64),
                other => other,
            }
        }
    }
}

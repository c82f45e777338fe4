//! Computing a pivot: one pass over the rows in scope into the groups' accumulators,
//! then the row and column trees of header prefixes (subtotals and totals), sorting,
//! top-N with "Others", and the cells.

use super::accs::Accs;
use super::axis::{group_indexes, Axis, Label, Selection, OTHERS};
use super::result::{FieldInfo, Header, HeaderKind, PivotResult, ValueColumn};
use super::spec::{Aggregate, Field, Measure, PivotError, PivotRequest, MAX_CELLS, MAX_FIELDS};
use crate::model::star::StarSchema;
use crate::query::result::Value;
use crate::query::{Query, QuerySource, Scope};
use foldhash::fast::RandomState;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// A tree of header prefixes: node 0 is the root (the grand total).
struct Tree {
    /// (parent, level, code at that level) of each node; the root's parent is itself.
    nodes: Vec<(usize, usize, u32)>,
    children: Vec<Vec<usize>>,
    index: HashMap<(usize, u32), usize, RandomState>,
}

impl Tree {
    fn new() -> Tree {
        Tree {
            nodes: vec![(0, 0, 0)],
            children: vec![Vec::new()],
            index: HashMap::default(),
        }
    }

    /// The leaf node of a path of codes, adding its prefixes as needed.
    fn insert(&mut self, codes: &[u32]) -> usize {
        let mut node = 0;
        for (level, &code) in codes.iter().enumerate() {
            node = match self.index.get(&(node, code)) {
                Some(&n) => n,
                None => {
                    let n = self.nodes.len();
                    self.nodes.push((node, level + 1, code));
                    self.children.push(Vec::new());
                    self.children[node].push(n);
                    self.index.insert((node, code), n);
                    n
                }
            };
        }
        node
    }

    /// A node and its ancestors up to the root.
    fn ancestors(&self, mut node: usize) -> impl Iterator<Item = usize> + '_ {
        let mut done = false;
        std::iter::from_fn(move || {
            if done {
                return None;
            }
            let n = node;
            done = n == 0;
            node = self.nodes[n].0;
            Some(n)
        })
    }

    /// The codes from the root down to `node`.
    fn path(&self, node: usize) -> Vec<u32> {
        let mut path: Vec<u32> = self
            .ancestors(node)
            .filter(|&n| n != 0)
            .map(|n| self.nodes[n].2)
            .collect();
        path.reverse();
        path
    }

    /// Every node in display order: siblings ordered by `cmp`, a node's children before
    /// it (subtotals follow the rows they total), the root (the grand total) last.
    fn order(&self, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.nodes.len());
        // Depth-first without recursion: (node, children visited).
        let mut stack = vec![(0usize, false)];
        while let Some((n, visited)) = stack.pop() {
            if visited {
                out.push(n);
                continue;
            }
            stack.push((n, true));
            let mut children = self.children[n].clone();
            children.sort_by(|&a, &b| cmp(a, b));
            stack.extend(children.into_iter().rev().map(|c| (c, false)));
        }
        out
    }
}

/// Computes a pivot over `query`'s tenant scope and filters (its paging is ignored).
pub fn pivot<'w>(
    source: &'w dyn QuerySource,
    query: &Query,
    request: &PivotRequest,
) -> Result<PivotResult<'w>, PivotError> {
    pivot_star(source.star(), query, request)
}

/// [`pivot`] over a star schema.
pub fn pivot_star<'w>(
    star: &'w StarSchema,
    query: &Query,
    request: &PivotRequest,
) -> Result<PivotResult<'w>, PivotError> {
    let fields: Vec<&Field> = request.rows.iter().chain(&request.columns).collect();
    if fields.len() > MAX_FIELDS {
        return Err(PivotError::TooManyFields);
    }
    for (i, f) in fields.iter().enumerate() {
        if fields[..i].contains(f) {
            return Err(PivotError::Repeated(f.id()));
        }
    }
    if request.measures.is_empty() {
        return Err(PivotError::NoMeasure);
    }
    if let Some(top) = request.top_n {
        if top.measure >= request.measures.len() {
            return Err(PivotError::BadTopMeasure(
                top.measure,
                request.measures.len(),
            ));
        }
    }
    let scope = Scope::new(star, query)?;
    let axes: Vec<Axis<'w>> = fields
        .iter()
        .map(|f| Axis::new(star, f))
        .collect::<Result<_, _>>()?;
    let n_rows = request.rows.len();

    // The accumulators the measures need.
    let mut accs = Accs::default();
    for m in &request.measures {
        let (sources, distinct, min_max) = match *m {
            Measure::Rows => (vec![], false, false),
            Measure::Column(a, s) => (
                vec![s],
                a == Aggregate::CountDistinct,
                matches!(a, Aggregate::Min | Aggregate::Max),
            ),
            Measure::Ratio(r) => (r.inputs().to_vec(), false, false),
        };
        for s in sources {
            if !accs.sources.contains(&s) {
                accs.sources.push(s);
            }
            if distinct {
                let i = accs.at(s);
                if !accs.distinct.contains(&i) {
                    accs.distinct.push(i);
                }
            }
        }
        accs.min_max |= min_max;
    }

    // 1-2. The rows in scope, their group numbers in mixed radix (one tight loop per
    // field), group indexes, then one tight loop per accumulated column: each loop is
    // compiled for its column's type, where a loop over fields and measures per row
    // would dispatch on both for every row.
    let radices: Vec<u64> = axes.iter().map(|a| a.card() as u64).collect();
    let groups = radices
        .iter()
        .try_fold(1u64, |p, &r| p.checked_mul(r))
        .ok_or(PivotError::TooManyFields)?;
    let selection = Selection::of(&scope);
    let mut numbers = vec![0u64; selection.len()];
    for (axis, &radix) in axes.iter().zip(&radices) {
        axis.fold_codes(star, &selection, &mut numbers, radix);
    }
    let (group_of, group_numbers) = group_indexes(&numbers, groups);
    drop(numbers);
    for _ in 0..group_numbers.len() {
        accs.push();
    }
    accs.accumulate(star, &selection, &group_of);
    drop(group_of);
    // Dense group numbers may leave groups without rows: they are no leaves.
    let live: Vec<usize> = (0..group_numbers.len())
        .filter(|&g| accs.rows[g] > 0)
        .collect();
    let group_numbers: Vec<u64> = live.iter().map(|&g| group_numbers[g]).collect();

    // Each group's codes, then top-N on the outermost row field.
    let mut keys: Vec<Vec<u32>> = group_numbers
        .iter()
        .map(|&number| {
            let mut codes = vec![0u32; radices.len()];
            let mut rest = number;
            for (i, &radix) in radices.iter().enumerate().rev() {
                codes[i] = (rest % radix) as u32;
                rest /= radix;
            }
            codes
        })
        .collect();
    if let (Some(top), true) = (request.top_n, n_rows > 0) {
        let measure = request.measures[top.measure];
        let mut outer = Tree::new();
        let mut totals = Accs::like(&accs);
        totals.push();
        for (g, codes) in keys.iter().enumerate() {
            let node = outer.insert(&codes[..1]);
            while totals.len() <= node {
                totals.push();
            }
            totals.merge(node, &accs, live[g]);
        }
        // Each value's measure once, then the largest first (ties in header order).
        let values: Vec<Value<'static>> = (0..outer.nodes.len())
            .map(|n| totals.measure(n, measure))
            .collect();
        let mut ranked: Vec<usize> = (1..outer.nodes.len()).collect();
        let by_rank = |&a: &usize, &b: &usize| {
            compare_values(&values[b], &values[a])
                .then_with(|| axes[0].compare(outer.nodes[a].2, outer.nodes[b].2))
        };
        let folded = ranked.len() > top.n;
        if folded && top.n > 0 {
            ranked.select_nth_unstable_by(top.n - 1, by_rank);
        }
        ranked.truncate(top.n);
        let kept: HashSet<u32, RandomState> = ranked
            .iter()
            .take(top.n)
            .map(|&n| outer.nodes[n].2)
            .collect();
        if folded {
            for codes in &mut keys {
                if !kept.contains(&codes[0]) {
                    codes[0] = OTHERS;
                }
            }
        }
    }

    // 3. Row and column trees, and every (row node, column node) cell.
    let (mut row_tree, mut col_tree) = (Tree::new(), Tree::new());
    let leaves: Vec<(usize, usize)> = keys
        .iter()
        .map(|codes| {
            (
                row_tree.insert(&codes[..n_rows]),
                col_tree.insert(&codes[n_rows..]),
            )
        })
        .collect();
    let (rn, cn) = (row_tree.nodes.len(), col_tree.nodes.len());
    if rn.saturating_mul(cn) > MAX_CELLS {
        return Err(PivotError::TooLarge {
            rows: rn,
            columns: cn * request.measures.len(),
        });
    }
    let mut cells = Accs::like(&accs);
    for _ in 0..rn * cn {
        cells.push();
    }
    for (g, &(r, c)) in leaves.iter().enumerate() {
        for ra in row_tree.ancestors(r) {
            for ca in col_tree.ancestors(c) {
                cells.merge(ra * cn + ca, &accs, live[g]);
            }
        }
    }

    // Headers and their order.
    let n_cols = request.columns.len();
    let (row_axes, col_axes) = axes.split_at(n_rows);
    let by_label = |tree: &Tree, axes: &[Axis<'_>], a: usize, b: usize| {
        let (level, ca, cb) = (tree.nodes[a].1, tree.nodes[a].2, tree.nodes[b].2);
        axes[level - 1].compare(ca, cb)
    };
    let col_order = col_tree.order(&|a, b| by_label(&col_tree, col_axes, a, b));
    let measures = &request.measures;
    let value_columns: Vec<(usize, usize)> = col_order
        .iter()
        .flat_map(|&c| (0..measures.len()).map(move |m| (c, m)))
        .collect();
    if let Some(col) = request.sort.column {
        if col >= value_columns.len() {
            return Err(PivotError::BadSortColumn(col, value_columns.len()));
        }
    }
    let row_order = row_tree.order(&|a, b| {
        // "Others" stays last whatever the order.
        let others = |n: usize| row_tree.nodes[n].2 == OTHERS && row_tree.nodes[n].1 == 1;
        if others(a) != others(b) {
            return others(a).cmp(&others(b));
        }
        let by_value = request.sort.column.map_or(Ordering::Equal, |col| {
            let (c, m) = value_columns[col];
            let (x, y) = (
                cells.measure(a * cn + c, measures[m]),
                cells.measure(b * cn + c, measures[m]),
            );
            match (x, y) {
                (Value::Null, Value::Null) => Ordering::Equal,
                (Value::Null, _) => Ordering::Greater,
                (_, Value::Null) => Ordering::Less,
                (x, y) if request.sort.desc => compare_values(&y, &x),
                (x, y) => compare_values(&x, &y),
            }
        });
        let by_label = by_label(&row_tree, row_axes, a, b);
        by_value.then(if request.sort.column.is_none() && request.sort.desc {
            by_label.reverse()
        } else {
            by_label
        })
    });
    let header = |tree: &Tree, axes: &[Axis<'w>], depth: usize, node: usize| {
        let path = tree.path(node);
        let level = path.len();
        let mut labels: Vec<Label<'w>> = path
            .iter()
            .enumerate()
            .map(|(i, &code)| axes[i].label(code))
            .collect();
        labels.resize(depth, Label::Null);
        Header {
            labels,
            level,
            kind: if level == 0 {
                HeaderKind::Total
            } else if level == depth {
                HeaderKind::Leaf
            } else {
                HeaderKind::Subtotal
            },
        }
    };
    let columns = value_columns
        .iter()
        .map(|&(c, m)| ValueColumn {
            header: header(&col_tree, col_axes, n_cols, c),
            measure: m,
            value_type: measures[m].value_type(),
        })
        .collect();
    let rows: Vec<Header<'w>> = row_order
        .iter()
        .map(|&r| header(&row_tree, row_axes, n_rows, r))
        .collect();
    let cells_out = row_order
        .iter()
        .map(|&r| {
            value_columns
                .iter()
                .map(|&(c, m)| cells.measure(r * cn + c, measures[m]))
                .collect()
        })
        .collect();
    let info = |f: &Field| FieldInfo {
        id: f.id(),
        label: f.label(),
        value_type: f.value_type(),
    };
    Ok(PivotResult {
        row_fields: request.rows.iter().map(info).collect(),
        column_fields: request.columns.iter().map(info).collect(),
        measures: measures
            .iter()
            .map(|m| FieldInfo {
                id: m.id(),
                label: m.label(),
                value_type: m.value_type(),
            })
            .collect(),
        rows,
        columns,
        cells: cells_out,
        fact_rows: cells.rows[0],
    })
}

/// Orders two measure values (numbers by value; nulls first).
pub(super) fn compare_values(a: &Value<'_>, b: &Value<'_>) -> Ordering {
    match (a, b) {
        (Value::Money(x), Value::Money(y)) => x.cmp(y),
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
    }
}

//! Joins: hash joins on equality keys (a scan joined to a dimension stays a scan read
//! through a row index), with a nested loop for the other conditions.

use super::fast;
use super::rows::{hash_row, rows_equal};
use super::{rows_bytes, Exec, Rel};
use crate::sql::catalog::{Joined, ScanColumn};
use crate::sql::error::SqlError;
use crate::sql::plan::{Expr, JoinKind, Plan};
use crate::sql::value::Val;
use hashbrown::HashTable;
use std::rc::Rc;

impl<'a, 'w> Exec<'a, 'w> {
    /// An equality join of a scan (left) to rows (right) where each left row matches at
    /// most one right row and there is no extra condition: the left key columns are
    /// looked up once per distinct key, and the result stays a scan of the left rows
    /// (in order; unmatched ones only for a LEFT join) whose right columns are read
    /// through a row index ([`ScanColumn::Joined`]). `None` when it does not fit.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn join_scan(
        &self,
        readers: &[(usize, ScanColumn<'w>)],
        rows: &[u32],
        (lw, rw): (usize, usize),
        kind: JoinKind,
        left_keys: &[Expr],
        right_rows: &[Vec<Val<'w>>],
        table: &HashTable<(Vec<Val<'w>>, Vec<usize>)>,
    ) -> Option<Rel<'w>> {
        let key_columns: Vec<&ScanColumn<'w>> = left_keys
            .iter()
            .map(|e| match e {
                Expr::Column(i) => crate::sql::catalog::column_at(readers, *i),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let (groups, first) = super::grouping::group_rows(readers, rows, left_keys)?;
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
        let mut columns: Vec<(usize, ScanColumn<'w>)> = readers.to_vec();
        for k in 0..rw {
            let values: Vec<Val<'w>> = right_rows
                .iter()
                .map(|row| row.get(k).cloned().unwrap_or(Val::Null))
                .collect();
            let (codes, distinct) = fast::value_codes(&values);
            columns.push((
                lw + k,
                ScanColumn::Joined(Rc::new(Joined {
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

    /// The build side of a join: `right`'s rows, and with equality keys, the rows by
    /// key (rows with a NULL key never match).
    pub(super) fn build(&self, right: Rel<'w>, right_keys: &[Expr]) -> Result<Build<'w>, SqlError> {
        let width = right.width();
        let rows = self.rows_of(right)?;
        let mut table: HashTable<(Vec<Val<'w>>, Vec<usize>)> = HashTable::new();
        if !right_keys.is_empty() {
            for (i, row) in rows.iter().enumerate() {
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
                        if table.len() == table.capacity() {
                            self.check_need(rows_bytes(table.len(), right_keys.len() + 2))?;
                        }
                        table.insert_unique(hash, (key, vec![i]), |(k, _)| hash_row(k));
                    }
                }
            }
        }
        Ok(Build { rows, width, table })
    }

    /// Calls `f` with each joined row of one left row (with NULLs on the right when a
    /// `Left` join matches nothing), until `f` says stop (`false`, returned).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn probe(
        &self,
        build: &Build<'w>,
        lrow: &[Val<'w>],
        kind: JoinKind,
        left_keys: &[Expr],
        condition: Option<&Expr>,
        (combined, key): (&mut Vec<Val<'w>>, &mut Vec<Val<'w>>),
        f: &mut dyn FnMut(&[Val<'w>]) -> Result<bool, SqlError>,
    ) -> Result<bool, SqlError> {
        let mut matched = false;
        let mut pair = |right: &[Val<'w>]| -> Result<bool, SqlError> {
            combined.clear();
            combined.extend_from_slice(lrow);
            combined.extend_from_slice(right);
            let keep = match condition {
                Some(c) => self.eval(c, combined)?.truth() == Some(true),
                None => true,
            };
            if keep {
                matched = true;
                return f(combined);
            }
            Ok(true)
        };
        if left_keys.is_empty() {
            for right in &build.rows {
                if !pair(right)? {
                    return Ok(false);
                }
            }
        } else {
            key.clear();
            for e in left_keys {
                key.push(self.eval(e, lrow)?);
            }
            if !key.iter().any(Val::is_null) {
                if let Some((_, rows)) =
                    build.table.find(hash_row(key), |(k, _)| rows_equal(k, key))
                {
                    for &j in rows {
                        if !pair(&build.rows[j])? {
                            return Ok(false);
                        }
                    }
                }
            }
        }
        if !matched && kind == JoinKind::Left {
            combined.clear();
            combined.extend_from_slice(lrow);
            combined.resize(lrow.len() + build.width, Val::Null);
            return f(combined);
        }
        Ok(true)
    }

    pub(super) fn join(
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
        let build = self.build(r, right_keys)?;
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
                &build.rows,
                &build.table,
            ) {
                self.note("hash build; probe once per distinct key, at most one match");
                return Ok(rel);
            }
        }
        self.note(if left_keys.is_empty() {
            "general: nested loop, every pair of rows"
        } else {
            "general: hash build, probe per row"
        });
        let mut out: Vec<Vec<Val<'w>>> = Vec::new();
        let mut combined: Vec<Val<'w>> = Vec::with_capacity(lw + rw);
        let mut key: Vec<Val<'w>> = Vec::with_capacity(left_keys.len());
        l.for_each(|_, lrow| {
            self.probe(
                &build,
                lrow,
                kind,
                left_keys,
                condition,
                (&mut combined, &mut key),
                &mut |row| {
                    self.check_push(&out)?;
                    out.push(row.to_vec());
                    Ok(true)
                },
            )?;
            Ok(())
        })?;
        Ok(Rel::Rows {
            width: lw + rw,
            rows: out,
        })
    }
}

/// A join's build side ([`Exec::build`]).
pub(super) struct Build<'w> {
    /// The right rows.
    pub(super) rows: Vec<Vec<Val<'w>>>,
    /// Their width.
    pub(super) width: usize,
    /// Right rows by key, with equality keys.
    table: HashTable<(Vec<Val<'w>>, Vec<usize>)>,
}

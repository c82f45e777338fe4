//! Joins: hash joins on equality keys (a scan joined to a dimension stays a scan read
//! through a row index), with a nested loop for the other conditions.

use super::fast;
use super::rows::{hash_row, rows_equal};
use super::{Exec, Rel};
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
                Expr::Column(i) => fast::column_at(readers, *i),
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
                self.note("hash build; probe once per distinct key, at most one match");
                return Ok(rel);
            }
        }
        self.note(if left_keys.is_empty() {
            "general: nested loop, every pair of rows"
        } else {
            "general: hash build, probe per row"
        });
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
}

//! Subqueries in expressions: run once and cached when uncorrelated; when correlated,
//! run once per distinct value of the outer columns they read and remembered by those
//! values, so `EXISTS (... WHERE c.region = f.region)` runs once per region, not once per
//! fact row.

use super::rows::HASHER;
use super::{Exec, SubResult};
use crate::sql::error::SqlError;
use crate::sql::plan::Plan;
use crate::sql::value::{Val, ValKey};
use std::collections::HashSet;
use std::rc::Rc;

impl<'a, 'w> Exec<'a, 'w> {
    /// Runs a subquery, from the cache when it does not depend on the outer row.
    pub(super) fn subquery(
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
        let memo_key = if correlated {
            self.memo
                .borrow_mut()
                .key(address, plan, row, &self.outer.borrow())
        } else {
            None
        };
        if let Some(key) = &memo_key {
            if let Some(hit) = self.memo.borrow().get(key) {
                return Ok(hit);
            }
        }
        if correlated {
            self.outer.borrow_mut().push(row.to_vec());
        }
        let result = self.plan(plan).and_then(|rel| self.rows_of(rel));
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
                    keys.insert(ValKey(v.clone()));
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
        if let Some(key) = memo_key {
            self.memo.borrow_mut().insert(key, sub.clone());
        }
        Ok(sub)
    }
}

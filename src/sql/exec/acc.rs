//! Aggregate accumulators ([`Acc`]): the running state of `COUNT`, `SUM`, `TOTAL`,
//! `AVG`, `MIN`, `MAX` and `GROUP_CONCAT`, shared by the general path and the fast paths.

use super::rows::HASHER;
use crate::sql::error::SqlError;
use crate::sql::plan::AggFunc;
use crate::sql::value::{total_cmp, Val, ValKey, MICROS};
use foldhash::fast::FixedState;
use std::cmp::Ordering;
use std::collections::HashSet;

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
    seen: Option<HashSet<ValKey<'w>, FixedState>>,
}

impl<'w> Acc<'w> {
    /// The bytes of the `GROUP_CONCAT` text's buffer, which its next growth may double.
    pub(super) fn text_capacity(&self) -> usize {
        self.text.as_ref().map_or(0, String::capacity)
    }

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
            if !seen.insert(ValKey(v.clone())) {
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
                    Val::Int(
                        i64::try_from(self.int_sum)
                            .map_err(|_| SqlError::new("integer overflow"))?,
                    )
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

//! target_vs_actual: every target row in scope with the actuals of its tenant, region,
//! product and month, in the order of [`target_order`].

use crate::model::dict::NULL_KEY;
use crate::model::keys::{Key, Keys};
use crate::model::star::StarSchema;
use crate::query::dashboards::sums::{int, money, tenant_text, DayColumns};
use crate::query::dashboards::{Ranks, TARGET_VS_ACTUAL};
use crate::query::result::{DashboardResult, Value};
use crate::query::Scope;
use crate::transform::metrics::ratio;
use foldhash::fast::RandomState;
use std::collections::HashMap;

/// Actual (revenue, conversions, spend) keyed by (tenant, region, product, month index).
/// Revenue, conversions and spend of the facts of one (tenant, region, product, month).
type ActualSums = (i128, u64, i128);

/// The actuals of target_vs_actual by (tenant, region, product, `year * 12 + month - 1`):
/// a dense array indexed by the keys when the dimensions and the facts' months are few
/// enough (the usual case: one array index per fact row), else a hash map.
enum Actuals {
    Dense {
        sums: Vec<ActualSums>,
        regions: usize,
        products: usize,
        first_month: i32,
        months: usize,
    },
    Sparse(HashMap<(u32, u32, u32, i32), ActualSums, RandomState>),
}

impl Actuals {
    fn get(&self, tenant: u32, region: u32, product: u32, month: i32) -> ActualSums {
        match self {
            Actuals::Dense {
                sums,
                regions,
                products,
                first_month,
                months,
            } => {
                let Ok(m) = usize::try_from(month - first_month) else {
                    return ActualSums::default();
                };
                if m >= *months || region as usize >= *regions || product as usize >= *products {
                    return ActualSums::default();
                }
                let i = ((tenant as usize * regions + region as usize) * products
                    + product as usize)
                    * months
                    + m;
                sums.get(i).copied().unwrap_or_default()
            }
            Actuals::Sparse(map) => map
                .get(&(tenant, region, product, month))
                .copied()
                .unwrap_or_default(),
        }
    }
}

#[inline(always)]
fn add_actuals(acc: &mut ActualSums, run: ActualSums) {
    acc.0 += run.0;
    acc.1 += run.1;
    acc.2 += run.2;
}

/// Cells of the dense actuals array at most (48 bytes each: 12 MiB).
const MAX_DENSE_ACTUAL_CELLS: usize = 1 << 18;

/// The actuals of the scope's fact rows, given the fact table's tenant, region and
/// product keys at their stored widths.
fn actuals<T: Key, R: Key, P: Key>(
    scope: &Scope<'_>,
    ranks: &Ranks,
    tenant: &[T],
    region: &[R],
    product: &[P],
) -> Actuals {
    let star = scope.star;
    let f = &star.campaigns;
    let (tenants, regions, products) = (
        star.dims.tenant.len(),
        star.dims.region.len(),
        star.dims.product.len(),
    );
    let (first_month, last_month) = (
        ranks.month_of_day.first().copied().unwrap_or(0),
        ranks.month_of_day.last().copied().unwrap_or(-1),
    );
    let months = usize::try_from(last_month - first_month + 1).unwrap_or(0);
    let cells = tenants
        .checked_mul(regions)
        .and_then(|c| c.checked_mul(products))
        .and_then(|c| c.checked_mul(months))
        .filter(|&c| c > 0 && c <= MAX_DENSE_ACTUAL_CELLS);
    if let Some(cells) = cells {
        // Every fact date lies in the months table's span, so each index is in range.
        let mut sums = vec![ActualSums::default(); cells];
        // Locals of the table's length (see `DayColumns`), and each day's month as an
        // offset into the cell's months.
        let columns = DayColumns::of(f);
        let n = columns.date.len();
        let (tenant, region, product) = (&tenant[..n], &region[..n], &product[..n]);
        let month_of_day: Vec<u32> = ranks
            .month_of_day
            .iter()
            .map(|&m| (m - first_month) as u32)
            .collect();
        let first_day = ranks.first_day;
        // A campaign's days follow one another in most files, so a row mostly falls
        // in the cell of the row before: the cell's sums are kept in locals while it
        // does, and added into the array when the cell changes. Adding into the array
        // row by row made each row wait for the previous row's store to the same cell
        // (a chain of dependent adds through memory). Integer sums, so the order
        // of the adds changes nothing.
        let mut cell = usize::MAX;
        let mut run = ActualSums::default();
        scope.for_each_campaign_row(
            tenant,
            #[inline(always)]
            |row| {
                let (r, p) = (region[row].key(), product[row].key());
                if r == NULL_KEY || p == NULL_KEY {
                    return;
                }
                let m = month_of_day[(columns.date[row] - first_day) as usize] as usize;
                let i = ((tenant[row].key() as usize * regions + r as usize) * products
                    + p as usize)
                    * months
                    + m;
                if i != cell {
                    if cell != usize::MAX {
                        add_actuals(&mut sums[cell], run);
                    }
                    cell = i;
                    run = ActualSums::default();
                }
                run.0 += i128::from(columns.revenue[row]);
                run.1 += u64::from(columns.conversions[row]);
                run.2 += i128::from(columns.spend[row]);
            },
        );
        if cell != usize::MAX {
            add_actuals(&mut sums[cell], run);
        }
        return Actuals::Dense {
            sums,
            regions,
            products,
            first_month,
            months,
        };
    }
    let mut map: HashMap<(u32, u32, u32, i32), ActualSums, RandomState> = HashMap::default();
    scope.for_each_campaign_row(
        tenant,
        #[inline(always)]
        |row| {
            let (region, product) = (region[row].key(), product[row].key());
            if region == NULL_KEY || product == NULL_KEY {
                return;
            }
            let acc = map
                .entry((
                    tenant[row].key(),
                    region,
                    product,
                    ranks.month_index(f.date[row]),
                ))
                .or_default();
            acc.0 += i128::from(f.revenue[row]);
            acc.1 += u64::from(f.conversions[row]);
            acc.2 += i128::from(f.spend[row]);
        },
    );
    Actuals::Sparse(map)
}

/// Every target row in `target_vs_actual` order: tenant_id, region, product (byte
/// order), year, month. Computed once per warehouse state and then filtered per query:
/// sorting the rows in scope on every query, by keys read through three rank tables on
/// each comparison, would redo the same work for every query.
pub fn target_order(star: &StarSchema, ranks: &Ranks) -> Vec<u32> {
    let t = &star.targets;
    let mut keyed: Vec<_> = (0..t.len())
        .map(|r| {
            (
                ranks.tenant[t.tenant.get(r) as usize],
                ranks.region[t.region.get(r) as usize],
                ranks.product[t.product.get(r) as usize],
                t.year[r],
                t.month[r],
                r as u32,
            )
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|key| key.5).collect()
}

/// target_vs_actual: every target row in scope with the actuals of its tenant, region,
/// product and month (facts with a null region or product match no target), in `order`
/// (see [`target_order`]).
pub fn target_vs_actual<'w>(
    scope: &Scope<'w>,
    ranks: &Ranks,
    order: &[u32],
) -> DashboardResult<'w> {
    let star = scope.star;
    let f = &star.campaigns;
    let t = &star.targets;
    // Actuals keyed by (tenant, region, product, year * 12 + month - 1).
    let actuals = if t.is_empty() {
        Actuals::Sparse(HashMap::default())
    } else {
        // Two instances of the kernel, not eight: the all-narrow one, and a `u32` one
        // over widened copies for any other mix of widths.
        match (f.tenant.keys(), f.region.keys(), f.product.keys()) {
            (Keys::Narrow(tenant), Keys::Narrow(region), Keys::Narrow(product)) => {
                actuals(scope, ranks, tenant, region, product)
            }
            _ => actuals(
                scope,
                ranks,
                &f.tenant.wide_keys(),
                &f.region.wide_keys(),
                &f.product.wide_keys(),
            ),
        }
    };
    let rows = order
        .iter()
        .map(|&r| r as usize)
        .filter(|&r| scope.has_target_row(r))
        .map(|r| {
            let month_index = i32::from(t.year[r]) * 12 + i32::from(t.month[r]) - 1;
            let (tenant, region, product) = (t.tenant.get(r), t.region.get(r), t.product.get(r));
            let (revenue, conversions, spend) = actuals.get(tenant, region, product, month_index);
            let target_revenue = i128::from(t.target_revenue[r]);
            vec![
                tenant_text(star, tenant),
                Value::text(star.dims.region.value(region)),
                Value::text(star.dims.product.value(product)),
                Value::Int(i64::from(t.year[r])),
                Value::Int(i64::from(t.month[r])),
                money(target_revenue),
                money(revenue),
                Value::float(ratio(revenue as f64, target_revenue as f64)),
                int(u64::from(t.target_conversions[r])),
                int(conversions),
                money(i128::from(t.target_spend[r])),
                money(spend),
            ]
        })
        .collect();
    DashboardResult {
        columns: &TARGET_VS_ACTUAL,
        rows,
        total_rows: None,
    }
}

#[cfg(test)]
mod tests {
    use crate::query::dashboards::tests::{only, rows, warehouse};
    use crate::query::{Dashboard, Query};

    #[test]
    fn target_vs_actual_lists_every_target_with_monthly_actuals() {
        let mut w = warehouse(&[
            "a,c1,x,2024-11-01,100,10,2,1.00,5.00,North,A",
            "a,c2,x,2024-11-30,100,10,3,1.00,5.00,North,A",
            "a,c3,x,2024-12-01,100,10,3,1.00,7.00,North,A",
            "a,c4,x,2024-11-15,100,10,3,1.00,9.00,,A",
            "b,c1,x,2024-11-15,100,10,3,1.00,9.00,North,A",
        ]);
        w.load(
            "t.csv",
            b"tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend\n\
              a,North,A,2024,11,20,10,4\na,North,A,2024,10,0,0,0\na,South,A,2024,11,5,1,1\nb,North,A,2024,11,9,1,1\n",
        );
        assert_eq!(
            rows(&w, Dashboard::TargetVsActual, &only(&["a"])),
            vec![
                vec!["a", "North", "A", "2024", "10", "0.00", "0.00", "", "0", "0", "0.00", "0.00"],
                vec![
                    "a", "North", "A", "2024", "11", "20.00", "10.00", "0.5", "10", "5", "4.00",
                    "2.00"
                ],
                vec![
                    "a", "South", "A", "2024", "11", "5.00", "0.00", "0", "1", "0", "1.00", "0.00"
                ],
            ]
        );
        // A date range keeps the targets of the months it overlaps, and only its actuals.
        let november_half = Query {
            from: Some("2024-11-16".into()),
            to: Some("2024-12-31".into()),
            ..only(&["a"])
        };
        let r = rows(&w, Dashboard::TargetVsActual, &november_half);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0][6], "5.00");
    }

    #[test]
    fn actuals_add_up_runs_of_one_cell_and_cells_visited_again() {
        // Campaign-day rows: a run of days in one (tenant, region, product, month),
        // another cell, then the first cell again, and a month boundary inside a run.
        let w = {
            let mut w = warehouse(&[
                "a,c1,x,2024-11-28,1,1,1,1.00,1.00,North,A",
                "a,c1,x,2024-11-29,1,1,2,1.00,2.00,North,A",
                "a,c1,x,2024-11-30,1,1,4,1.00,4.00,North,A",
                "a,c1,x,2024-12-01,1,1,8,1.00,8.00,North,A",
                "a,c2,x,2024-11-30,1,1,16,1.00,16.00,South,A",
                "a,c3,x,2024-11-01,1,1,32,1.00,32.00,North,A",
            ]);
            w.load(
                "t.csv",
                b"tenant_id,region,product,year,month,target_revenue,target_conversions,target_spend
                  a,North,A,2024,11,1,1,1
a,North,A,2024,12,1,1,1
a,South,A,2024,11,1,1,1
",
            );
            w
        };
        let actuals: Vec<(String, String, String)> =
            rows(&w, Dashboard::TargetVsActual, &Query::default())
                .into_iter()
                .map(|r| (r[1].clone(), r[6].clone(), r[9].clone()))
                .collect();
        let expect = |region: &str, revenue: &str, conversions: &str| {
            (
                region.to_string(),
                revenue.to_string(),
                conversions.to_string(),
            )
        };
        assert_eq!(
            actuals,
            [
                expect("North", "39.00", "39"),
                expect("North", "8.00", "8"),
                expect("South", "16.00", "16"),
            ]
        );
    }
}

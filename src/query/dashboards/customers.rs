//! customer_summary: per tenant, the customers, their sums and the average order value.

use crate::model::keys::Key;
use crate::query::dashboards::sums::{int, money, tenant_text};
use crate::query::dashboards::{Ranks, CUSTOMER_SUMMARY};
use crate::query::result::{DashboardResult, Value};
use crate::query::Scope;
use crate::transform::metrics::money_per;
use crate::with_keys;

/// customer_summary: per tenant, customers, sums and the average order value of the sums.
pub fn customer_summary<'w>(scope: &Scope<'w>, ranks: &Ranks) -> DashboardResult<'w> {
    let star = scope.star;
    let c = &star.customers;
    let mut sums = vec![(0u64, 0i128, 0u64); star.dims.tenant.len()];
    with_keys!(c.tenant, |tenant| {
        for row in scope.customer_rows_of(tenant) {
            let acc = &mut sums[tenant[row].key() as usize];
            acc.0 += 1;
            acc.1 += i128::from(c.total_spent[row]);
            acc.2 += u64::from(c.total_orders[row]);
        }
    });
    let mut tenants: Vec<u32> = (0..sums.len() as u32)
        .filter(|&k| sums[k as usize].0 > 0)
        .collect();
    tenants.sort_unstable_by_key(|&k| ranks.tenant[k as usize]);
    let rows = tenants
        .into_iter()
        .map(|k| {
            let (customers, spent, orders) = sums[k as usize];
            vec![
                tenant_text(star, k),
                int(customers),
                money(spent),
                int(orders),
                Value::float(money_per(spent, orders)),
            ]
        })
        .collect();
    DashboardResult {
        columns: &CUSTOMER_SUMMARY,
        rows,
        total_rows: None,
    }
}

#[cfg(test)]
mod tests {
    use crate::query::dashboards::tests::rows;
    use crate::query::{Dashboard, Query};
    use crate::Warehouse;

    #[test]
    fn customer_summary_with_average_order_value_of_sums() {
        let mut w = Warehouse::new();
        w.load(
            "cust.json",
            br#"[{"tenant_id":"a","customer_id":"1","total_spent":"100.00","total_orders":3,"region":"North"},
                {"tenant_id":"a","customer_id":"2","total_spent":50,"total_orders":"2","region":"South"},
                {"tenant_id":"b","customer_id":"1","total_spent":10,"total_orders":0}]"#,
        );
        assert_eq!(
            rows(&w, Dashboard::CustomerSummary, &Query::default()),
            vec![
                vec!["a", "2", "150.00", "5", "30"],
                vec!["b", "1", "10.00", "0", ""]
            ]
        );
        let north = Query {
            regions: vec!["North".into()],
            ..Query::default()
        };
        assert_eq!(
            rows(&w, Dashboard::CustomerSummary, &north),
            vec![vec!["a", "1", "100.00", "3", "33.333333333333336"]]
        );
    }
}

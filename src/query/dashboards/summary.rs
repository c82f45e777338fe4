//! campaign_summary and conversion_funnel: per-tenant sums of the fact rows, from one
//! scan when a view shows both.

use crate::query::dashboards::sums::{int, money, sums_by_tenant, tenant_text, TenantSums};
use crate::query::dashboards::{Ranks, CAMPAIGN_SUMMARY, CONVERSION_FUNNEL};
use crate::query::result::{DashboardResult, Value};
use crate::query::Scope;
use crate::transform::metrics::{conversion_rate, ctr, ratio};

/// campaign_summary: per tenant, row count, sums, and the means of row ctr and roi.
pub fn campaign_summary<'w>(scope: &Scope<'w>, ranks: &Ranks) -> DashboardResult<'w> {
    campaign_summary_from(scope, &TenantSums::of(scope, ranks))
}

/// campaign_summary from sums already taken over the same scope.
pub fn campaign_summary_from<'w>(scope: &Scope<'w>, sums: &TenantSums) -> DashboardResult<'w> {
    let rows = sums
        .0
        .iter()
        .map(|&(tenant, s)| {
            vec![
                tenant_text(scope.star, tenant),
                int(s.rows),
                int(s.impressions),
                int(s.clicks),
                int(s.conversions),
                money(s.spend),
                money(s.revenue),
                money(s.revenue - s.spend),
                Value::float(ratio(s.ctr_sum, s.ctr_count as f64)),
                Value::float(ratio(s.roi_sum, s.roi_count as f64)),
            ]
        })
        .collect();
    DashboardResult {
        columns: &CAMPAIGN_SUMMARY,
        rows,
        total_rows: None,
    }
}

/// conversion_funnel: per tenant, the funnel sums and the ratios of the sums in percent.
pub fn conversion_funnel<'w>(scope: &Scope<'w>, ranks: &Ranks) -> DashboardResult<'w> {
    // Alone, the funnel reads only the counts it shows: no money, no row ratios.
    conversion_funnel_from(
        scope,
        &TenantSums(sums_by_tenant::<false, false>(scope, ranks)),
    )
}

/// conversion_funnel from sums already taken over the same scope.
pub fn conversion_funnel_from<'w>(scope: &Scope<'w>, sums: &TenantSums) -> DashboardResult<'w> {
    let rows = sums
        .0
        .iter()
        .map(|&(tenant, s)| {
            vec![
                tenant_text(scope.star, tenant),
                int(s.impressions),
                int(s.clicks),
                int(s.conversions),
                Value::float(ctr(s.clicks, s.impressions).map(|r| 100.0 * r)),
                Value::float(conversion_rate(s.conversions, s.clicks).map(|r| 100.0 * r)),
            ]
        })
        .collect();
    DashboardResult {
        columns: &CONVERSION_FUNNEL,
        rows,
        total_rows: None,
    }
}

#[cfg(test)]
mod tests {
    use crate::query::dashboards::tests::{rows, warehouse};
    use crate::query::{Dashboard, Query};
    use crate::Value;

    #[test]
    fn campaign_summary_sums_and_means_leave_nulls_out() {
        let w = warehouse(&[
            "b,c1,x - Search,2024-11-01,100,10,1,10.00,30.00,North,A",
            "b,c2,x - Search,2024-11-02,0,0,0,0,5.00,North,A",
            "a,c1,x - Email,2024-11-01,200,20,2,1.10,1.10,South,B",
        ]);
        let r = w
            .dashboard(Dashboard::CampaignSummary, &Query::default())
            .unwrap();
        // "a" sorts before "b"; b's second row has null ctr and roi, left out of the means.
        assert_eq!(r.rows[0][0], Value::Text("a"));
        assert_eq!(r.rows[1][1], Value::Int(2));
        assert_eq!(r.rows[1][5], Value::Money(10_000_000));
        assert_eq!(r.rows[1][6], Value::Money(35_000_000));
        assert_eq!(r.rows[1][7], Value::Money(25_000_000));
        assert_eq!(r.rows[1][8], Value::Float(0.1));
        assert_eq!(r.rows[1][9], Value::Float(2.0));
        assert_eq!(r.rows[0][9], Value::Float(0.0));
    }

    #[test]
    fn summary_of_only_null_ratios_is_null() {
        let w = warehouse(&["a,c1,x,2024-11-01,0,0,0,0,0,North,A"]);
        let r = w
            .dashboard(Dashboard::CampaignSummary, &Query::default())
            .unwrap();
        assert_eq!(r.rows[0][8], Value::Null);
        assert_eq!(r.rows[0][9], Value::Null);
        let f = w
            .dashboard(Dashboard::ConversionFunnel, &Query::default())
            .unwrap();
        assert_eq!(f.rows[0][4], Value::Null);
        assert_eq!(f.rows[0][5], Value::Null);
    }

    #[test]
    fn funnel_percentages_are_ratios_of_sums() {
        let w = warehouse(&[
            "a,c1,x,2024-11-01,100,10,1,1,1,North,A",
            "a,c2,x,2024-11-01,300,10,9,1,1,North,A",
        ]);
        assert_eq!(
            rows(&w, Dashboard::ConversionFunnel, &Query::default()),
            vec![vec!["a", "400", "20", "10", "5", "50"]]
        );
    }
}

//! The dashboards of SPEC §6, each a function of a [`Scope`](crate::query::Scope): the
//! declarations of their result columns, and a file per kernel.
//!
//! Group-bys accumulate into arrays indexed by dictionary key (tenant, channel) or into
//! hash maps keyed by packed integer keys (tenant x date, target keys), then order the
//! groups by the byte order of their text via precomputed sort ranks. Loops over fact
//! rows read key columns through [`with_keys!`](crate::with_keys), so each is compiled
//! per key width and reads `u16` or `u32` keys without a branch per row.
//!
//! - `ranks`: the dimensions' sort ranks and the facts' month table;
//! - `sums`: the per-tenant fact sums and the value helpers the kernels share;
//! - `summary`: campaign_summary and conversion_funnel (one scan of per-tenant sums);
//! - `daily`: daily_performance;
//! - `performance`: campaign_performance and the fact order it walks;
//! - `channel_mix`: channel_mix;
//! - `targets`: target_vs_actual, its actuals and the target order;
//! - `customers`: customer_summary.

mod channel_mix;
mod customers;
mod daily;
mod performance;
mod ranks;
mod summary;
mod sums;
mod targets;

pub use channel_mix::channel_mix;
pub use customers::customer_summary;
pub use daily::daily_performance;
pub use performance::{campaign_performance, performance_order, performance_top};
pub use ranks::Ranks;
pub use summary::{
    campaign_summary, campaign_summary_from, conversion_funnel, conversion_funnel_from,
};
pub use sums::TenantSums;
pub use targets::{target_order, target_vs_actual};

use crate::model::columns::Column as C;
use crate::query::columns::{decl, star, ColumnDecl, ColumnType as T};

/// The columns of each dashboard, in order, with their types and labels: the one place
/// they are declared (the kernels return them; the page and the CLI format by
/// them). A column that is a star schema column (`star(..)`) takes its name, type and
/// label from the column table.
pub const CAMPAIGN_SUMMARY: [ColumnDecl; 10] = [
    star(C::TenantId),
    decl("campaigns", T::Integer, "Campaigns"),
    star(C::Impressions),
    star(C::Clicks),
    star(C::Conversions),
    star(C::Spend),
    star(C::Revenue),
    star(C::Profit),
    decl("avg_ctr", T::Ratio, "Avg CTR"),
    decl("avg_roi", T::Ratio, "Avg ROI"),
];
pub const CONVERSION_FUNNEL: [ColumnDecl; 6] = [
    star(C::TenantId),
    star(C::Impressions),
    star(C::Clicks),
    star(C::Conversions),
    decl("ctr_pct", T::Number, "CTR %"),
    decl("conversion_rate_pct", T::Number, "Conv. rate %"),
];
pub const DAILY_PERFORMANCE: [ColumnDecl; 6] = [
    star(C::TenantId),
    star(C::Date),
    star(C::Conversions),
    star(C::Revenue),
    star(C::Spend),
    star(C::Profit),
];
pub const CAMPAIGN_PERFORMANCE: [ColumnDecl; 12] = [
    star(C::TenantId),
    star(C::CampaignId),
    star(C::CampaignName),
    star(C::Date),
    star(C::Impressions),
    star(C::Clicks),
    star(C::Conversions),
    star(C::Spend),
    star(C::Revenue),
    star(C::Ctr),
    star(C::Roi),
    star(C::PerformanceCategory),
];
pub const CHANNEL_MIX: [ColumnDecl; 5] = [
    star(C::TenantId),
    star(C::Channel),
    star(C::Spend),
    star(C::Revenue),
    star(C::Roi),
];
pub const TARGET_VS_ACTUAL: [ColumnDecl; 12] = [
    star(C::TenantId),
    star(C::Region),
    star(C::Product),
    star(C::Year),
    star(C::Month),
    star(C::TargetRevenue),
    decl("actual_revenue", T::Money, "Actual revenue"),
    decl("attainment", T::Ratio, "Attainment"),
    star(C::TargetConversions),
    decl("actual_conversions", T::Integer, "Actual conversions"),
    star(C::TargetSpend),
    decl("actual_spend", T::Money, "Actual spend"),
];
pub const CUSTOMER_SUMMARY: [ColumnDecl; 5] = [
    star(C::TenantId),
    decl("customers", T::Integer, "Customers"),
    star(C::TotalSpent),
    star(C::TotalOrders),
    star(C::AvgOrderValue),
];

/// The small warehouses the dashboards' tests load, and their rows as text.
#[cfg(test)]
mod tests {
    use crate::query::{Dashboard, Query, TenantScope};
    use crate::{Value, Warehouse};

    const HEADER: &str = "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product";

    pub(super) fn warehouse(rows: &[&str]) -> Warehouse {
        let mut w = Warehouse::new();
        let file = format!("{HEADER}\n{}\n", rows.join("\n"));
        let reports = w.load("c.csv", file.as_bytes());
        assert_eq!(reports[0].rows_rejected, 0, "{:?}", reports[0].rejected);
        w
    }

    pub(super) fn rows(w: &Warehouse, d: Dashboard, q: &Query) -> Vec<Vec<String>> {
        w.dashboard(d, q)
            .unwrap()
            .rows
            .iter()
            .map(|r| r.iter().map(Value::to_plain_string).collect())
            .collect()
    }

    pub(super) fn only(tenants: &[&str]) -> Query {
        Query {
            tenants: TenantScope::Only(tenants.iter().map(|t| t.to_string()).collect()),
            ..Query::default()
        }
    }

    #[test]
    fn filters_and_tenant_scope() {
        let w = warehouse(&[
            "a,c1,x - Search,2024-11-01,100,10,1,1,1,North,A",
            "a,c2,x - Email,2024-11-05,100,10,1,1,1,South,B",
            "b,c1,x - Search,2024-11-05,100,10,1,1,1,North,A",
            "a,c3,x - Search,2024-11-09,100,10,1,1,1,,A",
        ]);
        let count = |q: Query| {
            w.dashboard(Dashboard::CampaignPerformance, &q)
                .unwrap()
                .rows
                .len()
        };
        assert_eq!(count(Query::default()), 4);
        assert_eq!(count(only(&["a"])), 3);
        assert_eq!(count(only(&["a", "b"])), 4);
        assert_eq!(count(only(&[])), 0, "an empty set of tenants sees nothing");
        assert_eq!(count(only(&["nobody"])), 0);
        assert_eq!(
            count(Query {
                regions: vec!["North".into()],
                ..Query::default()
            }),
            2,
            "null region never matches"
        );
        assert_eq!(
            count(Query {
                products: vec!["A".into()],
                ..Query::default()
            }),
            3
        );
        assert_eq!(
            count(Query {
                channels: vec!["Search".into()],
                ..only(&["a"])
            }),
            2
        );
        assert_eq!(
            count(Query {
                from: Some("2024-11-05".into()),
                ..Query::default()
            }),
            3
        );
        assert_eq!(
            count(Query {
                to: Some("2024-11-05".into()),
                ..Query::default()
            }),
            3
        );
        assert_eq!(
            count(Query {
                from: Some("2024-11-02".into()),
                to: Some("2024-11-08".into()),
                ..Query::default()
            }),
            2
        );
        let bad = Query {
            from: Some("yesterday".into()),
            ..Query::default()
        };
        assert!(w.dashboard(Dashboard::CampaignSummary, &bad).is_err());
        for d in Dashboard::ALL {
            let r = w.dashboard(d, &only(&["b"])).unwrap();
            assert!(
                r.rows.iter().all(|row| row[0] == Value::Text("b")),
                "{}",
                d.name()
            );
        }
    }
}

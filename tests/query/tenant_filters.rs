//! SPEC §6 for the filters of click-to-filter and drill-down under a tenant scope: over
//! random warehouses (`common::tenants`), the filters select exactly the facts an oracle
//! computes from the generated rows, another tenant's campaign shows nothing, and
//! drill-down paths (tenant -> campaign -> its days, month -> its days) keep the scope.

use crate::common::tenants::*;
use crate::common::*;
use bi_platform::{Dashboard, Query, TenantScope};
use proptest::prelude::*;
use serde_json::Value as Json;

/// The facts a query should select, computed from the generated rows (the oracle): the
/// last row of each (tenant, campaign, date) key wins, as loading does.
fn expected_facts(data: &Data, q: &Query) -> std::collections::BTreeSet<(String, String, String)> {
    let mut latest = std::collections::BTreeMap::new();
    for r in &data.campaigns {
        latest.insert((r.tenant, r.campaign, r.day), r);
    }
    let has = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
    latest
        .into_values()
        .filter(|r| match &q.tenants {
            TenantScope::All => true,
            TenantScope::Only(ids) => ids.iter().any(|t| t == TENANTS[r.tenant]),
        })
        .filter(|r| {
            let date = date_text(r.day, false);
            let (spend, revenue) = (i64::from(r.spend_cents), i64::from(r.revenue_cents));
            let category = if spend == 0 {
                "Unknown"
            } else if revenue > 3 * spend {
                "Excellent"
            } else if revenue > 2 * spend {
                "Good"
            } else if revenue > spend {
                "Break Even"
            } else {
                "Loss"
            };
            let dated = (q.dates.is_empty() && q.months.is_empty())
                || q.dates.contains(&date)
                || q.months.iter().any(|m| date.starts_with(m.as_str()));
            let reached = [r.impressions, r.clicks, r.conversions];
            let staged = q.stages.is_empty()
                || STAGES
                    .iter()
                    .zip(reached)
                    .any(|(stage, n)| n > 0 && q.stages.iter().any(|s| s == stage));
            has(&q.campaigns, &format!("c{}", r.campaign))
                && staged
                && has(&q.performance_categories, category)
                && dated
                && q.from.as_ref().is_none_or(|f| date >= *f)
                && q.to.as_ref().is_none_or(|t| date <= *t)
                && (q.regions.is_empty() || r.region.is_some_and(|i| has(&q.regions, REGIONS[i])))
                && (q.products.is_empty()
                    || r.product.is_some_and(|i| has(&q.products, PRODUCTS[i])))
                && (q.channels.is_empty()
                    || has(&q.channels, r.channel.map_or("Unknown", |c| CHANNELS[c])))
        })
        .map(|r| {
            (
                TENANTS[r.tenant].to_string(),
                format!("c{}", r.campaign),
                date_text(r.day, false),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Click-to-filter's filters select exactly the facts the oracle computes from the
    /// generated rows, under a random scope.
    #[test]
    fn click_filters_select_what_the_oracle_selects(
        data in data(),
        mask in 0u32..(1 << TENANTS.len()),
        f in filters(),
    ) {
        let w = warehouse(&data, |_| true);
        let ids: Vec<String> = (0..TENANTS.len())
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| TENANTS[i].to_string())
            .collect();
        let q = query(TenantScope::Only(ids), &f);
        let got: std::collections::BTreeSet<(String, String, String)> = facts_in(&w, &q)
            .into_iter()
            .map(|f| (f.tenant, f.campaign, f.date))
            .collect();
        prop_assert_eq!(got, expected_facts(&data, &q));
    }

    /// A filter on a campaign only other tenants have shows nothing of it inside a
    /// tenant's scope: no row, no count, no chart value.
    #[test]
    fn another_tenants_campaign_shows_nothing(
        data in data(),
        tenant in 0..TENANTS.len(),
    ) {
        let w = warehouse(&data, |_| true);
        let own: std::collections::BTreeSet<usize> =
            data.campaigns.iter().filter(|r| r.tenant == tenant).map(|r| r.campaign).collect();
        let foreign: Vec<String> = data
            .campaigns
            .iter()
            .filter(|r| r.tenant != tenant && !own.contains(&r.campaign))
            .map(|r| format!("c{}", r.campaign))
            .collect();
        prop_assume!(!foreign.is_empty());
        let q = Query {
            tenants: TenantScope::Only(vec![TENANTS[tenant].into()]),
            campaigns: foreign,
            ..Query::default()
        };
        for d in [Dashboard::CampaignSummary, Dashboard::CampaignPerformance, Dashboard::DailyPerformance,
                  Dashboard::ConversionFunnel, Dashboard::ChannelMix] {
            prop_assert_eq!(rows_of(&json(&w, d, &q)), Vec::<Json>::new(), "{}", d.name());
        }
        let view = bi_platform::view::view(&w, &q, &bi_platform::view::Page::default()).unwrap();
        prop_assert_eq!(view.kpis.campaigns, 0);
        // Targets have no campaign: the attainment chart still shows the tenant's own
        // targets, with no actual revenue; every other chart shows nothing.
        for chart in &view.charts {
            let drawn: Vec<&bi_platform::chart::Series> = chart
                .series
                .iter()
                .filter(|s| chart.id != "attainment" || s.name == "Actual")
                .collect();
            prop_assert!(
                drawn.iter().all(|s| s.values.iter().all(|v| v.unwrap_or(0.0) == 0.0)),
                "{} shows something",
                chart.id
            );
        }
    }

    /// Drilling down (tenant -> one of its campaigns -> a month of it -> its days), each
    /// step a narrower query, never leaves the tenant and never grows the rows.
    #[test]
    fn drill_down_paths_stay_in_the_tenant(
        data in data(),
        tenant in 0..TENANTS.len(),
        pick in any::<prop::sample::Index>(),
    ) {
        let w = warehouse(&data, |_| true);
        let isolated = warehouse(&data, |t| t == tenant);
        let mut q = Query { tenants: TenantScope::Only(vec![TENANTS[tenant].into()]), ..Query::default() };
        let facts = facts_in(&w, &q);
        prop_assume!(!facts.is_empty());
        let fact = &facts[pick.index(facts.len())];
        let mut steps = vec![q.clone()];
        q.campaigns = vec![fact.campaign.clone()];
        steps.push(q.clone());
        q.months = vec![fact.date[..7].to_string()];
        steps.push(q.clone());
        q.months.clear();
        q.dates = vec![fact.date.clone()];
        steps.push(q.clone());
        let mut before = usize::MAX;
        for step in &steps {
            let rows = facts_in(&w, step);
            prop_assert!(rows.len() <= before && !rows.is_empty(), "{step:?}");
            before = rows.len();
            prop_assert!(rows.iter().all(|f| f.tenant == TENANTS[tenant]));
            for d in Dashboard::ALL {
                prop_assert_eq!(json(&w, d, step), json(&isolated, d, step), "{}: {:?}", d.name(), step);
            }
        }
    }
}

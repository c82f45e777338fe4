//! Text columns whose values are nearly all distinct (campaign ids, unique names) are
//! staged without hashing (keys appended, repeats removed by the dimension dictionary at
//! commit); columns that repeat are interned. These tests load files large enough for a
//! column to switch, and check that nothing about the result depends on it: replacement
//! by key, counts and sums, and the same dashboards however the rows arrive.

use crate::common::*;
use bi_platform::{Dashboard, Warehouse};

const HEADER: &str =
    "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region\n";

/// One campaign row: id `i`, a name repeating every `name_period` rows, spend `spend`
/// cents.
fn row(tenant: usize, i: usize, name_period: usize, spend_cents: u64) -> String {
    format!(
        "tenant_{tenant:03},camp_{i:06},Campaign {} - Search,2024-11-{:02},1000,100,10,{}.{:02},500.00,{}\n",
        i % name_period,
        1 + i % 28,
        spend_cents / 100,
        spend_cents % 100,
        ["North", "South", "East", "West"][i % 4],
    )
}

/// 20,000 distinct campaigns over two tenants (ids and names unique), then 3,000 rows
/// repeating the keys of the first 3,000 with another spend: they replace them.
fn rows() -> (Vec<String>, Vec<String>, i128) {
    let first: Vec<String> = (0..20_000)
        .map(|i| row(1 + i % 2, i, usize::MAX, 1_000 + i as u64))
        .collect();
    let again: Vec<String> = (0..3_000)
        .map(|i| row(1 + i % 2, i, usize::MAX, 7))
        .collect();
    // Each replaced row's spend becomes 0.07.
    let expected_spend: i128 = (3_000..20_000)
        .map(|i| i128::from(1_000 + i as u64) * 10_000)
        .sum::<i128>()
        + 3_000 * 70_000;
    (first, again, expected_spend)
}

fn total_spend_and_campaigns(w: &Warehouse) -> (i128, i64) {
    let result = w.dashboard(Dashboard::CampaignSummary, &all()).unwrap();
    let (spend, campaigns) = (col(&result, "spend"), col(&result, "campaigns"));
    result.rows.iter().fold((0, 0), |(s, c), r| {
        (s + money(&r[spend]), c + int(&r[campaigns]))
    })
}

#[test]
fn unique_ids_in_one_file_replace_by_key_and_sum_exactly() {
    let (first, again, expected_spend) = rows();
    let file = format!("{HEADER}{}{}", first.concat(), again.concat());
    let (w, report) = fresh("campaigns.csv", file.as_bytes());
    assert_accounting(&report);
    assert_eq!(report.rows_loaded, 23_000);
    assert_eq!(report.rows_replaced, 3_000);
    assert_eq!(total_spend_and_campaigns(&w), (expected_spend, 20_000));
}

#[test]
fn the_same_rows_give_the_same_dashboards_in_one_file_or_two() {
    let (first, again, _) = rows();
    let one = format!("{HEADER}{}{}", first.concat(), again.concat());
    let (w1, _) = fresh("one.csv", one.as_bytes());
    let mut w2 = Warehouse::new();
    load_one(
        &mut w2,
        "a.csv",
        format!("{HEADER}{}", first.concat()).as_bytes(),
    );
    let second = load_one(
        &mut w2,
        "b.csv",
        format!("{HEADER}{}", again.concat()).as_bytes(),
    );
    assert_eq!(second.rows_replaced, 3_000);
    // Each replacing row right after the row it replaces: in the first window half the
    // ids and names are repeats, so those columns stay interned.
    let mut w3 = Warehouse::new();
    let interleaved: String = (0..20_000)
        .flat_map(|i| {
            let mut rows = vec![first[i].clone()];
            if i < 3_000 {
                rows.push(again[i].clone());
            }
            rows
        })
        .collect();
    load_one(
        &mut w3,
        "c.csv",
        format!("{HEADER}{interleaved}").as_bytes(),
    );
    for dashboard in Dashboard::ALL {
        let expected = json(&w1, dashboard, &all());
        assert_eq!(json(&w2, dashboard, &all()), expected, "{dashboard:?}");
        assert_eq!(json(&w3, dashboard, &all()), expected, "{dashboard:?}");
        assert_eq!(
            json(&w2, dashboard, &only(&["tenant_002"])),
            json(&w1, dashboard, &only(&["tenant_002"])),
            "{dashboard:?}"
        );
    }
}

#[test]
fn a_column_that_starts_unique_and_then_repeats_keeps_every_value() {
    // Names are unique for the first 8,192 rows (the column switches to appending),
    // then repeat the first 100: every row must still show its own name.
    let body: String = (0..12_000)
        .map(|i| row(1, i, if i < 8_192 { usize::MAX } else { 100 }, 100))
        .collect();
    let (w, report) = fresh("names.csv", format!("{HEADER}{body}").as_bytes());
    assert_eq!(report.rows_loaded, 12_000);
    let result = w.dashboard(Dashboard::CampaignPerformance, &all()).unwrap();
    let (id, name) = (col(&result, "campaign_id"), col(&result, "campaign_name"));
    assert_eq!(result.rows.len(), 12_000);
    for r in &result.rows {
        let i: usize = text(&r[id])["camp_".len()..].parse().unwrap();
        let expected = if i < 8_192 { i } else { i % 100 };
        assert_eq!(text(&r[name]), format!("Campaign {expected} - Search"));
    }
}

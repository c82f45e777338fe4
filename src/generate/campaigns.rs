//! The campaigns CSV: one row per campaign, its values drawn from the seed files' ranges.

use std::io::{self, Write};

use crate::generate::numbers::{
    index_width, push_cents, push_padded, push_tenant_id, push_u64, tenant_id_width,
};
use crate::generate::random::{Stream, Table};
use crate::generate::spec::{SampleSpec, TenantSizes};
use crate::generate::{CHUNK, PRODUCTS, REGIONS};

/// Header of the campaigns CSV.
pub const CAMPAIGNS_HEADER: &str = "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue,region,product";

const CHANNELS: [&str; 5] = ["Search", "Display", "Social Media", "Video", "Email"];

// Campaign value ranges (inclusive). Rates are in basis points (1/10,000).
pub(super) const IMPRESSIONS: (u64, u64) = (1_000, 50_000);
pub(super) const CTR_BP: (u64, u64) = (50, 2_000);
pub(super) const CVR_BP: (u64, u64) = (100, 3_000);
pub(super) const CPC_CENTS: (u64, u64) = (20, 500);
pub(super) const ROAS_BP: (u64, u64) = (5_000, 40_000);
/// One campaign row in this many reports more conversions than clicks.
const VIEW_THROUGH_ONE_IN: u64 = 50;
/// Campaign dates: the first day and the number of days (2024-10-01 ..= 2024-11-30).
const FIRST_MONTH: u8 = 10;
pub(super) const CAMPAIGN_MONTHS: [u8; 2] = [31, 30];

/// Writes the campaigns CSV (header and `spec.campaign_rows()` rows, LF line ends)
/// and returns the number of data rows.
///
/// Streams in constant memory: rows are formatted into one reused buffer and
/// handed to `out` in 64 KiB chunks, so `out` need not be buffered. `out` is
/// flushed at the end.
///
/// # Errors
///
/// Only those of `out`.
///
/// ```
/// use bi_platform::generate::{write_campaigns_csv, SampleSpec};
///
/// let mut csv = Vec::new();
/// let rows = write_campaigns_csv(&SampleSpec::default(), &mut csv).unwrap();
/// assert_eq!(rows, 300);
/// assert!(csv.starts_with(b"tenant_id,campaign_id,campaign_name,date,"));
/// ```
pub fn write_campaigns_csv<W: Write>(spec: &SampleSpec, mut out: W) -> io::Result<u64> {
    let dates = campaign_dates();
    let tenant_width = tenant_id_width(spec.tenants);
    let largest = TenantSizes::new(spec).max().unwrap_or(0);
    let id_width = index_width(largest);

    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 512);
    buf.extend_from_slice(CAMPAIGNS_HEADER.as_bytes());
    buf.push(b'\n');
    let mut tenant = Vec::with_capacity(16);
    let mut rows = 0u64;
    for (t, count) in (0..spec.tenants).zip(TenantSizes::new(spec)) {
        tenant.clear();
        push_tenant_id(&mut tenant, t, tenant_width);
        let mut rng = Stream::new(spec.seed, Table::Campaigns, t);
        for index in 0..count {
            let c = Campaign::draw(&mut rng);
            buf.extend_from_slice(&tenant);
            buf.extend_from_slice(b",camp_");
            buf.extend_from_slice(&tenant);
            buf.push(b'_');
            push_padded(&mut buf, index, id_width);
            buf.extend_from_slice(b",Campaign ");
            push_u64(&mut buf, index + 1);
            buf.extend_from_slice(b" - ");
            buf.extend_from_slice(CHANNELS[c.channel].as_bytes());
            buf.push(b',');
            buf.extend_from_slice(&dates[c.day]);
            buf.push(b',');
            push_u64(&mut buf, c.impressions);
            buf.push(b',');
            push_u64(&mut buf, c.clicks);
            buf.push(b',');
            push_u64(&mut buf, c.conversions);
            buf.push(b',');
            push_cents(&mut buf, c.spend_cents);
            buf.push(b',');
            push_cents(&mut buf, c.revenue_cents);
            buf.push(b',');
            buf.extend_from_slice(REGIONS[c.region].as_bytes());
            buf.push(b',');
            buf.extend_from_slice(PRODUCTS[c.product].as_bytes());
            buf.push(b'\n');
            if buf.len() >= CHUNK {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        rows += count;
    }
    out.write_all(&buf)?;
    out.flush()?;
    Ok(rows)
}

/// One campaign row's random values (ids and names come from its position).
struct Campaign {
    channel: usize,
    day: usize,
    impressions: u64,
    clicks: u64,
    conversions: u64,
    spend_cents: u64,
    revenue_cents: u64,
    region: usize,
    product: usize,
}

impl Campaign {
    /// Draws one row; the order of the draws is part of the output format.
    fn draw(rng: &mut Stream) -> Campaign {
        let channel = rng.pick(CHANNELS.len());
        let day = rng.pick(campaign_days());
        let impressions = rng.range(IMPRESSIONS);
        let clicks = impressions * rng.range(CTR_BP) / 10_000;
        let mut conversions = clicks * rng.range(CVR_BP) / 10_000;
        if rng.below(VIEW_THROUGH_ONE_IN) == 0 {
            conversions = clicks + 1 + rng.below(clicks / 4 + 1);
        }
        let spend_cents = clicks * rng.range(CPC_CENTS);
        let revenue_cents = spend_cents * rng.range(ROAS_BP) / 10_000;
        let region = rng.pick(REGIONS.len());
        let product = rng.pick(PRODUCTS.len());
        Campaign {
            channel,
            day,
            impressions,
            clicks,
            conversions,
            spend_cents,
            revenue_cents,
            region,
            product,
        }
    }
}

/// Days in the campaign date range.
const fn campaign_days() -> usize {
    let mut days = 0;
    let mut i = 0;
    while i < CAMPAIGN_MONTHS.len() {
        days += CAMPAIGN_MONTHS[i] as usize;
        i += 1;
    }
    days
}

/// The campaign dates as `YYYY-MM-DD`.
fn campaign_dates() -> Vec<[u8; 10]> {
    let mut dates = Vec::with_capacity(campaign_days());
    for (m, &days) in CAMPAIGN_MONTHS.iter().enumerate() {
        let month = FIRST_MONTH + m as u8;
        for day in 1..=days {
            let mut d = *b"2024-00-00";
            d[5] = b'0' + month / 10;
            d[6] = b'0' + month % 10;
            d[8] = b'0' + day / 10;
            d[9] = b'0' + day % 10;
            dates.push(d);
        }
    }
    dates
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::tests::{campaigns, cents, is_money, spec};
    use std::collections::HashSet;

    /// Pins the stream: a change here changes every generated file.
    #[test]
    fn default_spec_first_rows_are_pinned() {
        let csv = campaigns(&SampleSpec::default());
        let first: Vec<&str> = csv.lines().take(3).collect();
        assert_eq!(first[0], CAMPAIGNS_HEADER);
        assert_eq!(
            &first[1..],
            [
                "tenant_001,camp_tenant_001_000,Campaign 1 - Email,2024-11-10,43768,6591,370,14302.47,35488.71,North,Product A",
                "tenant_001,camp_tenant_001_001,Campaign 2 - Social Media,2024-11-15,25717,4647,510,6924.03,4106.64,West,Product A",
            ]
        );
    }

    #[test]
    fn a_tenants_rows_do_not_depend_on_other_tenants() {
        let three = campaigns(&spec(3, 100));
        let two = campaigns(&spec(2, 100));
        assert!(three.starts_with(&two));
    }

    #[test]
    fn campaigns_csv_is_well_formed() {
        let s = spec(5, 400);
        let csv = campaigns(&s);
        assert!(csv.ends_with('\n'));
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(CAMPAIGNS_HEADER));
        let mut keys = HashSet::new();
        let mut categories = HashSet::new();
        let mut channels = HashSet::new();
        let mut last_tenant = String::new();
        let mut conversions_over_clicks = 0;
        let mut rows = 0;
        for line in lines {
            rows += 1;
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 11, "{line}");
            assert!(f[0].starts_with("tenant_") && f[0].len() == 10, "{line}");
            assert!(f[0] >= last_tenant.as_str(), "tenants in order: {line}");
            last_tenant = f[0].to_string();
            assert!(f[1].starts_with(&format!("camp_{}_", f[0])), "{line}");
            assert!(keys.insert((f[0], f[1], f[3])), "duplicate key: {line}");
            let (number, channel) = f[2].split_once(" - ").unwrap();
            assert!(number.starts_with("Campaign "), "{line}");
            assert!(CHANNELS.contains(&channel), "{line}");
            channels.insert(channel);
            assert_eq!(f[3].len(), 10);
            assert!(("2024-10-01"..="2024-11-30").contains(&f[3]), "{line}");
            let impressions: u64 = f[4].parse().unwrap();
            let clicks: u64 = f[5].parse().unwrap();
            let conversions: u64 = f[6].parse().unwrap();
            assert!((1_000..=50_000).contains(&impressions), "{line}");
            assert!(clicks >= 1 && clicks <= impressions, "{line}");
            assert!(clicks * 10_000 >= impressions * 49, "ctr >= ~0.5%: {line}");
            assert!(clicks * 10_000 <= impressions * 2_000, "ctr <= 20%: {line}");
            conversions_over_clicks += usize::from(conversions > clicks);
            assert!(is_money(f[7]) && is_money(f[8]), "{line}");
            let (spend, revenue) = (cents(f[7]), cents(f[8]));
            assert!(spend > 0, "{line}");
            assert!(revenue * 2 >= spend - 1 && revenue <= spend * 4, "{line}");
            categories.insert(match revenue {
                r if r > 3 * spend => "Excellent",
                r if r > 2 * spend => "Good",
                r if r > spend => "Break Even",
                _ => "Loss",
            });
            assert!(
                REGIONS.contains(&f[9]) && PRODUCTS.contains(&f[10]),
                "{line}"
            );
        }
        assert_eq!(rows, 2000);
        assert_eq!(categories.len(), 4, "{categories:?}");
        assert_eq!(channels.len(), 5);
        assert!(
            (10..=80).contains(&conversions_over_clicks),
            "about 1 in 50 over clicks: {conversions_over_clicks}"
        );
    }
}

//! The ad platforms whose report downloads load as they come (SPEC §1): each platform's
//! own column names, declared once as a table of names -> canonical column, beside what
//! the platform says without a column (its channel), where its account is (the tenant
//! of a file with no tenant column), where its currency is, and the names that tell its
//! exports from any other file. Header matching ([`crate::model::schema`]) reads this;
//! nothing else knows a platform's names. docs/formats.md lists the same tables with
//! where each name was documented.
//!
//! ```text
//!   PLATFORMS[i]   name, channel, marks, columns [(name, Column, rank)], accounts,
//!                  currency, span_end
//!        |
//!        +-- a header holding one of `marks` is that platform's export: its `columns`
//!            join the campaigns table's aliases (SPEC §1)
//! ```
//!
//! Names are written normalised ([`crate::model::schema::normalize_header`]): `Conv.
//! value` is `conv_value`, `Amount spent (USD)` is `amount_spent`, Microsoft
//! Advertising's `CampaignName` is `campaignname`.

use crate::model::columns::Column;

/// One platform's declaration: a row of [`PLATFORMS`].
#[derive(Debug, PartialEq, Eq)]
pub struct Platform {
    /// The platform's name for people ("Google Ads").
    pub name: &'static str,
    /// The channel of its rows where no column gives one (SPEC §1).
    pub channel: &'static str,
    /// Normalised names only this platform's exports hold: a header holding one is the
    /// platform's (the one holding most, when several platforms' marks are present).
    /// None is a name of the campaigns table or one of its aliases, so a file in the
    /// contract's own columns is never taken for a platform's.
    pub marks: &'static [&'static str],
    /// The platform's own names of the campaigns table's columns, beyond the table's
    /// names and aliases, in order of preference per column: where a header holds two
    /// names of one column, the table's own name or alias wins, then the earlier here.
    /// A name that loses is kept as an extra column.
    pub columns: &'static [(&'static str, Column)],
    /// The account columns, in order of preference (ids before names, as ids do not
    /// change): the tenant of a file with no tenant column (SPEC §1).
    pub accounts: &'static [&'static str],
    /// Columns naming the currency of the money columns (kept as extra columns; the
    /// load shows their values as the spend currency).
    pub currency: &'static [&'static str],
    /// The column ending the period of a row whose date is the period's start (Meta's
    /// `Reporting ends`): a row whose end differs from its start sums several days and
    /// is rejected, saying to download the report by day.
    pub span_end: &'static [&'static str],
}

impl Platform {
    /// The column the platform's name `name` (normalised) stands for, and its rank
    /// among the platform's names of that column (0 is the most preferred).
    pub fn column(&self, name: &str) -> Option<(Column, usize)> {
        let (at, &(_, column)) = self
            .columns
            .iter()
            .enumerate()
            .find(|(_, (n, _))| *n == name)?;
        let rank = self.columns[..at]
            .iter()
            .filter(|(_, c)| *c == column)
            .count();
        Some((column, rank))
    }

    /// How many of the platform's marks `names` (normalised) hold.
    pub fn marks_in(&self, names: &[String]) -> usize {
        self.marks
            .iter()
            .filter(|m| names.iter().any(|n| n == *m))
            .count()
    }

    /// This platform's index in [`PLATFORMS`].
    pub fn index(&self) -> usize {
        PLATFORMS
            .iter()
            .position(|p| std::ptr::eq(p, self) || p.name == self.name)
            .expect("a platform of PLATFORMS")
    }
}

use Column as C;

/// Every platform whose exports load as they come. Sources of each name are in
/// docs/formats.md ("Ad-platform exports").
pub const PLATFORMS: [Platform; 5] = [
    Platform {
        name: "Google Ads",
        channel: "Search",
        marks: &[
            "conv_value",
            "all_conv_value",
            "total_conv_value",
            "conv_value_cost",
            "cost_conv",
            "conv_rate",
            "avg_cpc",
            "currency_code",
            "campaign_type",
        ],
        columns: &[
            ("conv_value", C::Revenue),
            ("total_conv_value", C::Revenue),
            ("all_conv_value", C::Revenue),
            ("customer_id", C::TenantId),
            ("account_name", C::TenantId),
            ("campaign_type", C::Channel),
        ],
        accounts: &["customer_id", "account_name"],
        currency: &["currency_code", "currency"],
        span_end: &[],
    },
    Platform {
        name: "Meta Ads",
        channel: "Social",
        marks: &[
            "reporting_starts",
            "reporting_ends",
            "purchases_conversion_value",
            "website_purchases_conversion_value",
            "result_indicator",
            "cost_per_result",
        ],
        columns: &[
            ("reporting_starts", C::Date),
            ("purchases", C::Conversions),
            ("website_purchases", C::Conversions),
            ("results", C::Conversions),
            ("link_clicks", C::Clicks),
            ("purchases_conversion_value", C::Revenue),
            ("website_purchases_conversion_value", C::Revenue),
            ("account_name", C::TenantId),
        ],
        accounts: &["account_id", "account_name"],
        currency: &["currency"],
        span_end: &["reporting_ends"],
    },
    Platform {
        name: "Microsoft Advertising",
        channel: "Search",
        marks: &[
            "timeperiod",
            "gregoriandate",
            "gregorian_date",
            "accountnumber",
            "account_number",
            "accountname",
            "campaignname",
            "campaignid",
            "currencycode",
        ],
        columns: &[
            ("timeperiod", C::Date),
            ("gregoriandate", C::Date),
            ("gregorian_date", C::Date),
            ("campaignid", C::CampaignId),
            ("campaignname", C::CampaignName),
            ("conv", C::Conversions),
            ("accountnumber", C::TenantId),
            ("account_number", C::TenantId),
            ("accountid", C::TenantId),
            ("accountname", C::TenantId),
            ("account_name", C::TenantId),
            ("campaigntype", C::Channel),
            ("campaign_type", C::Channel),
        ],
        accounts: &[
            "accountnumber",
            "account_number",
            "accountid",
            "account_id",
            "accountname",
            "account_name",
        ],
        currency: &["currencycode", "currency_code"],
        span_end: &[],
    },
    Platform {
        name: "LinkedIn Ads",
        channel: "Social",
        marks: &[
            "total_spent",
            "campaign_group_name",
            "campaign_group_id",
            "start_date",
        ],
        columns: &[
            ("start_date", C::Date),
            ("total_spent", C::Spend),
            ("total_conversion_value", C::Revenue),
            ("account_name", C::TenantId),
        ],
        accounts: &["account_id", "account_name"],
        currency: &["currency"],
        span_end: &["end_date"],
    },
    Platform {
        name: "TikTok Ads",
        channel: "Social",
        marks: &[
            "advertiser_id",
            "advertiser_name",
            "by_day",
            "total_purchase_value",
            "total_complete_payment_value",
        ],
        columns: &[
            ("by_day", C::Date),
            ("total_purchase_value", C::Revenue),
            ("total_complete_payment_value", C::Revenue),
            ("advertiser_id", C::TenantId),
            ("advertiser_name", C::TenantId),
        ],
        accounts: &["advertiser_id", "advertiser_name"],
        currency: &["currency"],
        span_end: &[],
    },
];

/// The platform whose export a header (normalised names) is: the one with most of its
/// marks present, the earlier on a tie; `None` when no platform's mark is there.
pub fn recognise(names: &[String]) -> Option<&'static Platform> {
    PLATFORMS
        .iter()
        .map(|p| (p.marks_in(names), p))
        .filter(|(marks, _)| *marks > 0)
        .max_by_key(|(marks, p)| (*marks, std::cmp::Reverse(p.index())))
        .map(|(_, p)| p)
}

/// Whether a row is one of a platform's totals or footer rows (SPEC §1): its first cell
/// is `Total` / `Totals` / `Total: ...` (Google Ads' `Total: Account`), or a copyright
/// line (Microsoft Advertising's `©2024 Microsoft Corporation. All rights reserved.`),
/// or one of its identifying cells (campaign id, campaign name, date) is `--`.
pub fn is_totals_row(first: &[u8], identifying: &[&[u8]]) -> bool {
    let first = String::from_utf8_lossy(first);
    let first = first.trim().to_lowercase();
    let total = first == "total"
        || first == "totals"
        || first.starts_with("total:")
        || first.starts_with("totals:");
    let footer = first.starts_with('©')
        || first.starts_with("(c)")
        || first.starts_with("copyright")
        || first.contains("all rights reserved");
    total
        || footer
        || identifying
            .iter()
            .any(|cell| String::from_utf8_lossy(cell).trim() == "--")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schema::normalize_header;

    fn names(raw: &[&str]) -> Vec<String> {
        raw.iter().map(|n| normalize_header(n)).collect()
    }

    #[test]
    fn no_mark_is_a_name_or_alias_of_the_campaigns_table() {
        for platform in &PLATFORMS {
            for mark in platform.marks {
                assert_eq!(
                    Column::from_normalized(mark).filter(|c| {
                        crate::model::columns::TableKind::Campaigns
                            .slot(*c)
                            .is_some()
                    }),
                    None,
                    "{}: {mark}",
                    platform.name
                );
            }
            for (name, _) in platform.columns {
                assert_eq!(normalize_header(name), *name, "{}: {name}", platform.name);
            }
        }
    }

    #[test]
    fn each_platform_is_recognised_by_its_export_header() {
        for (header, platform) in [
            (
                &[
                    "Day",
                    "Campaign",
                    "Campaign ID",
                    "Impr.",
                    "Clicks",
                    "Cost",
                    "Conversions",
                    "Conv. value",
                ][..],
                "Google Ads",
            ),
            (
                &[
                    "Reporting starts",
                    "Reporting ends",
                    "Campaign name",
                    "Amount spent (USD)",
                ][..],
                "Meta Ads",
            ),
            (
                &["TimePeriod", "AccountName", "CampaignName", "Spend"][..],
                "Microsoft Advertising",
            ),
            (
                &["Start Date (in UTC)", "Campaign Name", "Total Spent"][..],
                "LinkedIn Ads",
            ),
            (
                &["By Day", "Advertiser ID", "Campaign name", "Cost"][..],
                "TikTok Ads",
            ),
        ] {
            assert_eq!(recognise(&names(header)).map(|p| p.name), Some(platform));
        }
        let contract = names(&[
            "tenant_id",
            "campaign_id",
            "date",
            "impr",
            "clicks",
            "conversions",
            "cost",
            "sales",
        ]);
        assert_eq!(recognise(&contract), None);
    }

    #[test]
    fn ranks_count_within_a_column() {
        let google = &PLATFORMS[0];
        assert_eq!(google.column("conv_value"), Some((Column::Revenue, 0)));
        assert_eq!(google.column("all_conv_value"), Some((Column::Revenue, 2)));
        assert_eq!(google.column("account_name"), Some((Column::TenantId, 1)));
        assert_eq!(google.column("nothing"), None);
    }

    #[test]
    fn totals_and_footer_rows() {
        assert!(is_totals_row(b"Total: Account", &[]));
        assert!(is_totals_row(b" total ", &[]));
        assert!(is_totals_row(
            "\u{a9}2024 Microsoft Corporation. All rights reserved.".as_bytes(),
            &[]
        ));
        assert!(is_totals_row(b"2024-11-01", &[b"--"]));
        assert!(!is_totals_row(b"Totally new campaign", &[b"c1"]));
        assert!(!is_totals_row(b"2024-11-01", &[b"c1", b"Brand - Search"]));
    }
}

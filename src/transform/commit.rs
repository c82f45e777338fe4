//! Committing a staged table into the star schema (SPEC §2, §4): the last step of the
//! transform, where staged rows become star rows.
//!
//! A [`StagedTable`] holds a file's validated rows (all of them, or one part of a file
//! committed while it is read) in staging form: text as keys into a file-local
//! dictionary of raw bytes, rejected rows marked. [`TableCommit::add`] decodes
//! the distinct text once, translates the staged keys of the live rows into dimension
//! keys (each distinct value looked up once per dictionary), derives what the file
//! leaves to be derived (a campaign's channel from its name, SPEC §2) and counts the
//! warnings of its campaign rows (SPEC §4), then writes each row with the table's
//! `put_row` ([`crate::model::star`]), which replaces the row holding the same key
//! (last one wins) or appends it.
//!
//! This lives in the transform layer, not beside the tables, because everything it
//! reads is the transform's (staging, channel derivation, warning rules): the model
//! offers the tables and the row operations, and imports nothing from here, so the
//! dependencies run one way, ingest -> transform -> model.

use crate::model::dict::{DecodedText, Dictionary, NULL_KEY};
use crate::model::schema::{Column, TableKind};
use crate::model::star::{
    CampaignRow, CustomerRow, Dim, Extras, StarSchema, TargetRow, PREFETCH_GROUP,
};
use crate::report::LoadReport;
use crate::transform::metrics::{channel_from_name, CampaignWarnings};
use crate::transform::stage::{StagedTable, StagedValues};

/// One file's commit into one table, in as many parts as the file arrives in (a
/// delimited file commits a chunk at a time while it is read, see
/// [`crate::Warehouse::push`]): the load report its parts fill, and the warnings they
/// count, which only the end of the file settles (the date-outlier rule).
#[derive(Debug)]
pub struct TableCommit {
    report: LoadReport,
    warnings: CampaignWarnings,
}

impl TableCommit {
    /// Nothing committed yet of `file` into `table`.
    pub fn new(file: &str, table: TableKind) -> Self {
        TableCommit {
            report: LoadReport::new(file, Some(table.name())),
            warnings: CampaignWarnings::new(),
        }
    }

    /// The table committed into.
    pub fn table(&self) -> Option<&'static str> {
        self.report.table
    }

    /// Adds a staged part's live rows to `star`, replacing rows whose key exists, and
    /// counts them in the report. Parts come in the file's order.
    pub fn add(&mut self, star: &mut StarSchema, mut staged: StagedTable) {
        let decoded = staged.take_decoded_text();
        let staged = &staged;
        let live = live_rows(staged);
        let report = &mut self.report;
        if let Some(note) = staged.source_note(&decoded) {
            match &mut report.source {
                Some(seen) => {
                    for currency in note.currencies {
                        if !seen.currencies.contains(&currency) {
                            seen.currencies.push(currency);
                        }
                    }
                }
                None => report.source = Some(note),
            }
        }
        report.rows_read += staged.rows_read;
        report.rows_loaded += live.len() as u64;
        report.rows_rejected += staged.rejected.len() as u64;
        report.rejected.extend_from_slice(&staged.rejected);
        // A part knows every extra column met so far (a file's header names them all).
        if staged.extra_names.len() > report.extra_columns.len() {
            report.extra_columns = staged.extra_names.clone();
        }
        if !staged.sheets.is_empty() {
            report.sheets = Some(staged.sheets.clone());
        }
        debug_assert_eq!(report.rows_read, report.rows_loaded + report.rows_rejected);
        report.rows_replaced += match staged.table {
            TableKind::Campaigns => {
                commit_campaigns(star, staged, &decoded, &live, &mut self.warnings)
            }
            TableKind::Targets => commit_targets(star, staged, &decoded, &live),
            TableKind::Customers => commit_customers(star, staged, &decoded, &live),
        };
    }

    /// The load report of every part added.
    pub fn finish(self) -> LoadReport {
        LoadReport {
            warnings: self.warnings.into_counts(),
            ..self.report
        }
    }
}

fn commit_campaigns(
    star: &mut StarSchema,
    staged: &StagedTable,
    decoded: &DecodedText,
    live: &[usize],
    warnings: &mut CampaignWarnings,
) -> u64 {
    let mut remap = Remap::new(decoded);
    let (tenant, campaign, name) = (
        staged.text(Column::TenantId),
        staged.text(Column::CampaignId),
        staged.text(Column::CampaignName),
    );
    let (region, product, channel) = (
        staged.text(Column::Region),
        staged.text(Column::Product),
        staged.text(Column::Channel),
    );
    let (impressions, clicks, conversions) = (
        staged.counts(Column::Impressions),
        staged.counts(Column::Clicks),
        staged.counts(Column::Conversions),
    );
    let (spend, revenue) = (staged.money(Column::Spend), staged.money(Column::Revenue));
    let StagedValues::Date(date) = staged.column(Column::Date) else {
        unreachable!("date column")
    };

    // The channel each campaign name implies, by name key: staged keys may repeat a
    // name (a column of mostly new names is staged without looking for repeats).
    let mut channel_of_name: Vec<u32> = Vec::new();
    let dims = &mut star.dims;
    let facts = &mut star.campaigns;
    let rows_before = facts.len();
    // Campaign ids are nearly unique per row: size the tables once, not by doubling.
    let distinct_campaigns = match staged.column(Column::CampaignId) {
        StagedValues::Text(keys) => keys
            .iter()
            .max()
            .map_or(0, |&k| k as usize + 1)
            .min(live.len()),
        _ => 0,
    };
    dims.campaign.reserve(distinct_campaigns);
    facts.reserve(live.len());
    let extra_columns = prepare_extras(&mut facts.extras, staged, rows_before);
    let campaigns = remap.keys_of_rows(Dim::Campaign, campaign, live, &mut dims.campaign);
    let names = remap.keys_of_rows(Dim::CampaignName, name, live, &mut dims.campaign_name);
    let mut replaced = 0;
    // Rows are built a group at a time, then the group's key index slots are fetched
    // together and the rows written: one wait for the group's cache misses, not one per
    // row. Dictionaries are still filled in row order.
    let mut group: Vec<(usize, CampaignRow)> = Vec::with_capacity(PREFETCH_GROUP);
    for (first, rows) in live.chunks(PREFETCH_GROUP).enumerate() {
        for (j, &row) in rows.iter().enumerate() {
            let i = first * PREFETCH_GROUP + j;
            warnings.check(
                impressions[row],
                clicks[row],
                conversions[row],
                spend[row],
                revenue[row],
                date[row],
            );
            let tenant = remap.key(Dim::Tenant, tenant[row], &mut dims.tenant);
            let (campaign, campaign_name) = (campaigns[i], names[i]);
            let channel = if channel[row] != NULL_KEY {
                remap.key(Dim::Channel, channel[row], &mut dims.channel)
            } else if campaign_name != NULL_KEY {
                // The channel a name implies, computed once per distinct name.
                let index = campaign_name as usize;
                if index >= channel_of_name.len() {
                    channel_of_name.resize(dims.campaign_name.len().max(index + 1), UNMAPPED);
                }
                let cached = &mut channel_of_name[index];
                if *cached == UNMAPPED {
                    let text = remap
                        .text(name[row])
                        .and_then(channel_from_name)
                        .unwrap_or("Unknown");
                    *cached = dims.channel.intern(text);
                }
                *cached
            } else {
                dims.channel.intern("Unknown")
            };
            group.push((
                row,
                CampaignRow {
                    tenant,
                    campaign,
                    campaign_name,
                    date: date[row],
                    impressions: impressions[row],
                    clicks: clicks[row],
                    conversions: conversions[row],
                    spend: spend[row],
                    revenue: revenue[row],
                    region: remap.key(Dim::Region, region[row], &mut dims.region),
                    product: remap.key(Dim::Product, product[row], &mut dims.product),
                    channel,
                },
            ));
        }
        facts.prefetch(group.iter().map(|(_, built)| built));
        for (row, built) in group.drain(..) {
            let at = facts.put_row(built);
            replaced += put_extras(
                &mut facts.extras,
                &extra_columns,
                staged,
                &mut remap,
                row,
                at,
            );
        }
    }
    replaced
}

fn commit_targets(
    star: &mut StarSchema,
    staged: &StagedTable,
    decoded: &DecodedText,
    live: &[usize],
) -> u64 {
    let mut remap = Remap::new(decoded);
    let (tenant, region, product) = (
        staged.text(Column::TenantId),
        staged.text(Column::Region),
        staged.text(Column::Product),
    );
    let StagedValues::Year(year) = staged.column(Column::Year) else {
        unreachable!("year column")
    };
    let StagedValues::Month(month) = staged.column(Column::Month) else {
        unreachable!("month column")
    };
    let (revenue, spend) = (
        staged.money(Column::TargetRevenue),
        staged.money(Column::TargetSpend),
    );
    let conversions = staged.counts(Column::TargetConversions);
    let dims = &mut star.dims;
    let targets = &mut star.targets;
    let rows_before = targets.len();
    let extra_columns = prepare_extras(&mut targets.extras, staged, rows_before);
    let mut replaced = 0;
    for &row in live {
        let at = targets.put_row(TargetRow {
            tenant: remap.key(Dim::Tenant, tenant[row], &mut dims.tenant),
            region: remap.key(Dim::Region, region[row], &mut dims.region),
            product: remap.key(Dim::Product, product[row], &mut dims.product),
            year: year[row],
            month: month[row],
            target_revenue: revenue[row],
            target_conversions: conversions[row],
            target_spend: spend[row],
        });
        replaced += put_extras(
            &mut targets.extras,
            &extra_columns,
            staged,
            &mut remap,
            row,
            at,
        );
    }
    replaced
}

fn commit_customers(
    star: &mut StarSchema,
    staged: &StagedTable,
    decoded: &DecodedText,
    live: &[usize],
) -> u64 {
    let mut remap = Remap::new(decoded);
    let (tenant, customer, name) = (
        staged.text(Column::TenantId),
        staged.text(Column::CustomerId),
        staged.text(Column::CustomerName),
    );
    let (region, preference) = (
        staged.text(Column::Region),
        staged.text(Column::ProductPreference),
    );
    let spent = staged.money(Column::TotalSpent);
    let orders = staged.counts(Column::TotalOrders);
    let dims = &mut star.dims;
    let customers = &mut star.customers;
    let rows_before = customers.len();
    let extra_columns = prepare_extras(&mut customers.extras, staged, rows_before);
    let ids = remap.keys_of_rows(Dim::Customer, customer, live, &mut dims.customer);
    let names = remap.keys_of_rows(Dim::CustomerName, name, live, &mut dims.customer_name);
    let mut replaced = 0;
    for (i, &row) in live.iter().enumerate() {
        let at = customers.put_row(CustomerRow {
            tenant: remap.key(Dim::Tenant, tenant[row], &mut dims.tenant),
            customer: ids[i],
            customer_name: names[i],
            region: remap.key(Dim::Region, region[row], &mut dims.region),
            product_preference: remap.key(Dim::Product, preference[row], &mut dims.product),
            total_spent: spent[row],
            total_orders: orders[row],
        });
        replaced += put_extras(
            &mut customers.extras,
            &extra_columns,
            staged,
            &mut remap,
            row,
            at,
        );
    }
    replaced
}

/// Staged text keys translated to dimension keys, for the live rows only (so values of
/// rejected rows never reach a dimension), each distinct value looked up once per
/// dictionary. Each dictionary has its own cache: the same text in two columns (a
/// campaign named like a tenant) maps to two keys.
struct Remap<'a> {
    decoded: &'a DecodedText,
    caches: [Vec<u32>; 9],
}

/// A cache slot not filled yet (no dictionary holds `u32::MAX - 1` values).
const UNMAPPED: u32 = u32::MAX - 1;
/// A cache slot whose value is queued for [`Remap::keys_of_rows`]' batch.
const QUEUED: u32 = u32::MAX - 2;

impl<'a> Remap<'a> {
    fn new(decoded: &'a DecodedText) -> Self {
        Remap {
            decoded,
            caches: Default::default(),
        }
    }

    /// The key cache of `dim`, one slot per staged value, made on first use.
    fn cache(&mut self, dim: Dim) -> &mut Vec<u32> {
        let cache = &mut self.caches[dim as usize];
        if cache.is_empty() {
            cache.resize(self.decoded.len(), UNMAPPED);
        }
        cache
    }

    fn key(&mut self, dim: Dim, local: u32, dict: &mut Dictionary) -> u32 {
        if local == NULL_KEY {
            return NULL_KEY;
        }
        let decoded = self.decoded;
        let cache = self.cache(dim);
        let cached = cache[local as usize];
        if cached != UNMAPPED {
            return cached;
        }
        let key = dict.intern(decoded.get(local));
        cache[local as usize] = key;
        key
    }

    /// The dimension keys of the live rows' staged keys `locals` (in `live`'s order),
    /// the new values interned in one batch ([`Dictionary::intern_all`]) in the order
    /// rows first show them, as row-by-row [`key`](Self::key) calls would. For the
    /// columns whose values are mostly new (campaign and customer ids, names), where a
    /// row-by-row lookup waits on a cache miss per row.
    fn keys_of_rows(
        &mut self,
        dim: Dim,
        locals: &[u32],
        live: &[usize],
        dict: &mut Dictionary,
    ) -> Vec<u32> {
        let decoded = self.decoded;
        let cache = self.cache(dim);
        let mut new_values = Vec::new();
        for &row in live {
            let local = locals[row];
            if local != NULL_KEY && cache[local as usize] == UNMAPPED {
                cache[local as usize] = QUEUED;
                new_values.push(local);
            }
        }
        let keys = dict.intern_all(new_values.iter().map(|&local| decoded.get(local)));
        for (&local, key) in new_values.iter().zip(keys) {
            cache[local as usize] = key;
        }
        live.iter()
            .map(|&row| match locals[row] {
                NULL_KEY => NULL_KEY,
                local => cache[local as usize],
            })
            .collect()
    }

    fn text(&self, local: u32) -> Option<&'a str> {
        (local != NULL_KEY).then(|| self.decoded.get(local))
    }
}

/// Rows of a staged table that were not rejected, in source order.
fn live_rows(staged: &StagedTable) -> Vec<usize> {
    let mut dropped = staged.dropped.iter().peekable();
    (0..staged.rows.len())
        .filter(|row| {
            if dropped.peek() == Some(&row) {
                dropped.next();
                false
            } else {
                true
            }
        })
        .collect()
}

/// Makes sure `extras` has a column for each staged extra name; returns their indexes.
fn prepare_extras(extras: &mut Extras, staged: &StagedTable, rows: usize) -> Vec<usize> {
    staged
        .extra_names
        .iter()
        .map(|name| extras.column(name, rows))
        .collect()
}

/// Writes the staged extra attributes of staged row `row` where `put_row` has just
/// written it with every attribute null: over row `at`, or appended as the table's last
/// row when `at` is `None`. Returns how many rows that replaced (1 or 0).
fn put_extras(
    extras: &mut Extras,
    columns: &[usize],
    staged: &StagedTable,
    remap: &mut Remap<'_>,
    row: usize,
    at: Option<usize>,
) -> u64 {
    if let Some(&first) = columns.first() {
        // `put_row` keeps every extra column as long as the table.
        let target = at.unwrap_or(extras.columns[first].len() - 1);
        for (keys, &column) in staged.extras.iter().zip(columns) {
            if keys[row] != NULL_KEY {
                extras.columns[column][target] =
                    remap.key(Dim::Extra, keys[row], &mut extras.values);
            }
        }
    }
    u64::from(at.is_some())
}

#[cfg(test)]
mod tests {
    use crate::model::date::format_day;
    use crate::Warehouse;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// Campaign names with the channel SPEC §2 derives from each when the file has no
    /// channel for the row (the text after the last ` - `, trimmed; `Unknown` when there
    /// is none or it is blank).
    const NAMES: [(&str, &str); 5] = [
        ("Spring - Search", "Search"),
        ("Brand - Promo - Social Media", "Social Media"),
        ("Plain", "Unknown"),
        ("Blank -  ", "Unknown"),
        ("Autumn - Email ", "Email"),
    ];
    const CHANNELS: [&str; 2] = ["Display", "Search"];
    const NOTES: [&str; 2] = ["n1", "n2"];
    /// Text that only rejected rows carry: it must reach no dictionary.
    const GHOST: &str = "ghost - Ghost";

    #[derive(Debug, Clone)]
    struct Row {
        tenant: u8,
        campaign: u8,
        day: u8,
        name: Option<usize>,
        channel: Option<usize>,
        note: Option<usize>,
        spend_cents: u32,
        /// A negative spend: the row is rejected.
        rejected: bool,
    }

    fn row() -> impl Strategy<Value = Row> {
        (
            (0u8..2, 0u8..3, 1u8..3),
            (
                prop::option::of(0..NAMES.len()),
                prop::option::of(0..CHANNELS.len()),
                prop::option::of(0..NOTES.len()),
            ),
            (0u32..100_000, prop::bool::weighted(0.15)),
        )
            .prop_map(
                |((tenant, campaign, day), (name, channel, note), (spend_cents, rejected))| Row {
                    tenant,
                    campaign,
                    day,
                    name,
                    channel,
                    note,
                    spend_cents,
                    rejected,
                },
            )
    }

    fn csv(rows: &[Row]) -> Vec<u8> {
        let mut out = String::from(
            "tenant_id,campaign_id,campaign_name,channel,date,impressions,clicks,\
             conversions,spend,revenue,note\n",
        );
        for r in rows {
            let (name, channel, note) = if r.rejected {
                (GHOST, GHOST, GHOST)
            } else {
                (
                    r.name.map_or("", |n| NAMES[n].0),
                    r.channel.map_or("", |c| CHANNELS[c]),
                    r.note.map_or("", |n| NOTES[n]),
                )
            };
            let spend = if r.rejected {
                "-1.00".to_string()
            } else {
                format!("{}.{:02}", r.spend_cents / 100, r.spend_cents % 100)
            };
            out.push_str(&format!(
                "t{},c{},{name},{channel},2024-11-0{},100,10,1,{spend},1.00,{note}\n",
                r.tenant, r.campaign, r.day,
            ));
        }
        out.into_bytes()
    }

    /// What a stored campaign row says, as text: (tenant, campaign, date, name, channel,
    /// spend in millionths, note).
    type Fact = (
        String,
        String,
        String,
        Option<String>,
        String,
        i64,
        Option<String>,
    );

    /// The oracle: each file's live rows in order, the last row of a key replacing the
    /// earlier one in place; the channel from the row, else from the name, else
    /// `Unknown`. Returns the rows and, per file, how many it replaced.
    fn expected(files: &[Vec<Row>]) -> (Vec<Fact>, Vec<u64>) {
        let mut facts: Vec<Fact> = Vec::new();
        let mut at: BTreeMap<(u8, u8, u8), usize> = BTreeMap::new();
        let mut replaced = Vec::new();
        for rows in files {
            let mut count = 0;
            for r in rows.iter().filter(|r| !r.rejected) {
                let channel = match (r.channel, r.name) {
                    (Some(c), _) => CHANNELS[c],
                    (None, Some(n)) => NAMES[n].1,
                    (None, None) => "Unknown",
                };
                let fact = (
                    format!("t{}", r.tenant),
                    format!("c{}", r.campaign),
                    format!("2024-11-0{}", r.day),
                    r.name.map(|n| NAMES[n].0.trim().to_string()),
                    channel.to_string(),
                    i64::from(r.spend_cents) * 10_000,
                    r.note.map(|n| NOTES[n].to_string()),
                );
                match at.get(&(r.tenant, r.campaign, r.day)) {
                    Some(&i) => {
                        facts[i] = fact;
                        count += 1;
                    }
                    None => {
                        at.insert((r.tenant, r.campaign, r.day), facts.len());
                        facts.push(fact);
                    }
                }
            }
            replaced.push(count);
        }
        (facts, replaced)
    }

    fn stored(w: &Warehouse) -> Vec<Fact> {
        let (f, d) = (&w.star().campaigns, &w.star().dims);
        let text =
            |dict: &crate::model::dict::Dictionary, key: u32| dict.value(key).map(str::to_string);
        let note = f.extras.names.iter().position(|n| n == "note");
        (0..f.len())
            .map(|r| {
                let row = f.row(r);
                (
                    text(&d.tenant, row.tenant).unwrap(),
                    text(&d.campaign, row.campaign).unwrap(),
                    format_day(row.date),
                    text(&d.campaign_name, row.campaign_name),
                    text(&d.channel, row.channel).unwrap(),
                    row.spend,
                    note.and_then(|c| text(&f.extras.values, f.extras.columns[c][r])),
                )
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Files of campaign rows with repeated keys, missing and derived channels, an
        /// extra column and rejected rows, committed one after the other, give the
        /// oracle's rows and replacement counts; no text of a rejected row reaches a
        /// dictionary.
        #[test]
        fn committed_rows_are_the_last_live_row_of_each_key_with_its_channel(
            files in prop::collection::vec(prop::collection::vec(row(), 0..30), 1..4),
        ) {
            let mut w = Warehouse::new();
            let mut replaced = Vec::new();
            for (i, rows) in files.iter().enumerate() {
                let reports = w.load(&format!("f{i}.csv"), &csv(rows));
                prop_assert_eq!(reports.len(), 1);
                let rejected = rows.iter().filter(|r| r.rejected).count() as u64;
                prop_assert_eq!(reports[0].rows_rejected, rejected);
                replaced.push(reports[0].rows_replaced);
            }
            let (facts, expected_replaced) = expected(&files);
            prop_assert_eq!(stored(&w), facts);
            prop_assert_eq!(replaced, expected_replaced);
            let star = w.star();
            let dicts = [
                &star.dims.campaign_name,
                &star.dims.channel,
                &star.campaigns.extras.values,
            ];
            for dict in dicts {
                let values: Vec<&str> = dict.values().collect();
                prop_assert!(
                    values.iter().all(|v| !v.to_lowercase().contains("ghost")),
                    "{:?}",
                    values
                );
            }
        }
    }
}

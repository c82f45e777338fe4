//! How a file's header names map onto a table's columns (SPEC §1): normalising a
//! name, matching a header against each table of [`crate::model::columns`], and picking
//! the table a header fits best.

use crate::error::LoadError;
pub use crate::model::columns::{Column, ParseType, TableKind};
use crate::model::platforms::{self, Platform};

/// Normalises a header name (SPEC §1): trim, lower-case, drop a trailing unit in
/// parentheses (`Spend ($)` -> `spend`), treat space, `-` and `.` as `_`, collapse
/// repeated `_`. Leading and trailing `_` are dropped too, so ` Spend - ` is `spend`.
pub fn normalize_header(raw: &str) -> String {
    let mut s = raw.trim().to_lowercase();
    if s.ends_with(')') {
        if let Some(open) = s.rfind('(') {
            if open > 0 {
                s.truncate(open);
            }
        }
    }
    let mut out = String::with_capacity(s.len());
    for ch in s.trim().chars() {
        let ch = if matches!(ch, ' ' | '-' | '.' | '\t') {
            '_'
        } else {
            ch
        };
        if ch == '_' && (out.is_empty() || out.ends_with('_')) {
            continue;
        }
        out.push(ch);
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// Where one source column of a file goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnTarget {
    /// A column of the table.
    Known(Column),
    /// An extra text attribute, under its normalised name.
    Extra(String),
    /// A later duplicate of a column already mapped (the first one is used).
    Ignored,
}

/// Where the tenant of a file's rows comes from (SPEC §1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantFrom {
    /// A tenant column (`tenant_id` or one of its aliases), named as the file has it.
    Column(String),
    /// A platform's account column, named as the file has it.
    Account(String),
    /// Nowhere in the file: a platform's export without an account column, whose
    /// tenant the user gives (`--tenant-for`, the page's question). Its rows stage
    /// with no tenant, filled in before they are committed.
    User,
}

/// How a header fits one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMatch {
    pub table: TableKind,
    /// Source column -> destination, one entry per header cell.
    pub targets: Vec<ColumnTarget>,
    /// Columns of the table found in the header.
    pub matched: usize,
    /// Required columns of the table the header lacks (empty when it fits).
    pub missing: Vec<&'static str>,
    /// The ad platform whose export this is, when one is recognised (campaigns only).
    pub platform: Option<&'static Platform>,
    /// Where the rows' tenant, period and currency come from.
    pub origin: Box<Origin>,
}

/// Where a header's rows' tenant, period and currency come from (boxed in
/// [`HeaderMatch`], which headers are matched by the dozen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Where the rows' tenant comes from.
    pub tenant: TenantFrom,
    /// The source column ending each row's period, for a platform whose date column
    /// is the period's start (see [`Platform::span_end`]).
    pub span_end: Option<usize>,
    /// The currency the spend column's header names (`Amount spent (USD)`).
    pub currency: Option<String>,
    /// The extra column naming the currency of each row (a platform's `Currency code`).
    pub currency_column: Option<String>,
}

impl HeaderMatch {
    /// A header fits a table when no required column is missing.
    pub fn fits(&self) -> bool {
        self.missing.is_empty()
    }

    /// Names of the extra columns, in header order.
    pub fn extra_columns(&self) -> Vec<String> {
        self.targets
            .iter()
            .filter_map(|t| match t {
                ColumnTarget::Extra(name) => Some(name.clone()),
                _ => None,
            })
            .collect()
    }

    /// The source column holding `column`: its own, or for a platform's export with
    /// no campaign id column, the campaign name's (SPEC §1).
    pub fn source_of(&self, column: Column) -> Option<usize> {
        let own = |c: Column| {
            self.targets
                .iter()
                .position(|t| *t == ColumnTarget::Known(c))
        };
        match own(column) {
            None if column == Column::CampaignId && self.platform.is_some() => {
                own(Column::CampaignName)
            }
            found => found,
        }
    }

    /// Why a file whose closest header is this one is refused: a platform's report
    /// that lacks only its day column was downloaded summed over the period (SPEC §1,
    /// docs/formats.md); anything else lacks the columns it names.
    pub fn refusal(self, sheet: Option<String>, line: Option<u64>) -> LoadError {
        match self.platform {
            Some(platform) if self.missing == [Column::Date.name()] => LoadError::NotByDay {
                platform: platform.name,
            },
            _ => LoadError::NoTableMatches {
                closest: self.table.name(),
                missing: self.missing,
                sheet,
                line,
            },
        }
    }
}

/// The trailing unit in parentheses of a raw header name when it is a currency code
/// (`Amount spent (USD)` -> `USD`).
fn currency_unit(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let open = raw.rfind('(')?;
    let unit = raw[open + 1..].strip_suffix(')')?.trim();
    (unit.len() == 3 && unit.bytes().all(|b| b.is_ascii_uppercase())).then(|| unit.to_string())
}

/// Matches a header row against one table (its names and aliases only).
pub fn match_header(header: &[String], table: TableKind) -> HeaderMatch {
    match_header_as(header, table, None)
}

/// Matches a header row against one table, with a platform's names as further aliases
/// when `platform` is given (SPEC §1). Where two header names stand for one column, the
/// table's own name or alias wins over a platform's, a platform's earlier name over its
/// later ones, and the leftmost among equals; a platform's name that loses is kept as an
/// extra column, any other later duplicate is ignored.
pub fn match_header_as(
    header: &[String],
    table: TableKind,
    platform: Option<&'static Platform>,
) -> HeaderMatch {
    let columns = table.columns();
    let in_table = |c: &Column| columns.iter().any(|i| i.column == *c);
    let names: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(index, raw)| match normalize_header(raw) {
            name if name.is_empty() => format!("column_{}", index + 1),
            name => name,
        })
        .collect();
    // Each header cell's column, and its rank (0: the table's name or alias).
    let candidates: Vec<Option<(Column, usize)>> = names
        .iter()
        .map(|name| {
            Column::from_normalized(name)
                .filter(in_table)
                .map(|c| (c, 0))
                .or_else(|| {
                    platform
                        .and_then(|p| p.column(name))
                        .filter(|(c, _)| in_table(c))
                        .map(|(c, rank)| (c, rank + 1))
                })
        })
        .collect();
    let mut chosen: Vec<(Column, usize, usize)> = Vec::new();
    for (index, candidate) in candidates.iter().enumerate() {
        if let Some((column, rank)) = *candidate {
            match chosen.iter_mut().find(|(c, _, _)| *c == column) {
                Some(best) if rank < best.1 => *best = (column, rank, index),
                Some(_) => {}
                None => chosen.push((column, rank, index)),
            }
        }
    }
    let mut seen: Vec<&str> = Vec::with_capacity(header.len());
    let mut targets = Vec::with_capacity(header.len());
    for (index, name) in names.iter().enumerate() {
        let target = match candidates[index] {
            Some((column, _)) if chosen.iter().any(|&(c, _, i)| c == column && i == index) => {
                ColumnTarget::Known(column)
            }
            Some((_, 0)) => ColumnTarget::Ignored,
            _ if seen.contains(&name.as_str()) => ColumnTarget::Ignored,
            _ => ColumnTarget::Extra(name.clone()),
        };
        seen.push(name);
        targets.push(target);
    }
    let found = |c: Column| chosen.iter().any(|(k, _, _)| *k == c);
    let tenant = match chosen.iter().find(|(c, _, _)| *c == Column::TenantId) {
        Some(&(_, _, index)) => {
            let raw = header[index].trim().to_string();
            if platform.is_some_and(|p| p.accounts.contains(&names[index].as_str())) {
                TenantFrom::Account(raw)
            } else {
                TenantFrom::Column(raw)
            }
        }
        None => TenantFrom::User,
    };
    let missing = columns
        .iter()
        .filter(|i| i.required && !found(i.column))
        .filter(|i| {
            platform.is_none()
                || match i.column {
                    // The user gives it (SPEC §1).
                    Column::TenantId => false,
                    Column::CampaignId => !found(Column::CampaignName),
                    _ => true,
                }
        })
        .map(|i| i.column.name())
        .collect();
    let source = |c: Column| {
        chosen
            .iter()
            .find(|(k, _, _)| *k == c)
            .map(|&(_, r, i)| (r, i))
    };
    let span_end = platform.and_then(|p| {
        // Only a date taken from the platform's own name is a period's start.
        let (rank, _) = source(Column::Date)?;
        if rank == 0 {
            return None;
        }
        names.iter().position(|n| p.span_end.contains(&n.as_str()))
    });
    let currency = source(Column::Spend).and_then(|(_, i)| currency_unit(&header[i]));
    let currency_column = platform.and_then(|p| {
        names
            .iter()
            .zip(&targets)
            .find(|(n, t)| p.currency.contains(&n.as_str()) && matches!(t, ColumnTarget::Extra(_)))
            .map(|(n, _)| n.clone())
    });
    HeaderMatch {
        table,
        targets,
        matched: chosen.len(),
        missing,
        platform,
        origin: Box::new(Origin {
            tenant,
            span_end,
            currency,
            currency_column,
        }),
    }
}

/// The table a header fits best: of the tables it fits, the one with more matching
/// columns (ties go to the earlier table of [`TableKind::ALL`]). `Err` holds the closest
/// table (fewest missing required columns) when none fits. A header holding a
/// platform's marks ([`crate::model::platforms::recognise`]) is matched against the
/// campaigns table with that platform's names as further aliases.
pub fn best_table(header: &[String]) -> Result<HeaderMatch, HeaderMatch> {
    let names: Vec<String> = header.iter().map(|h| normalize_header(h)).collect();
    let platform = platforms::recognise(&names);
    let mut matches: Vec<HeaderMatch> = TableKind::ALL
        .iter()
        .map(|&t| match (t, platform) {
            (TableKind::Campaigns, Some(p)) => match_header_as(header, t, Some(p)),
            _ => match_header(header, t),
        })
        .collect();
    let best_fit = matches
        .iter()
        .enumerate()
        .filter(|(_, m)| m.fits())
        .max_by_key(|(i, m)| (m.matched, std::cmp::Reverse(*i)))
        .map(|(i, _)| i);
    if let Some(i) = best_fit {
        return Ok(matches.swap_remove(i));
    }
    let closest = matches
        .iter()
        .enumerate()
        .min_by_key(|(i, m)| (m.missing.len(), std::cmp::Reverse(m.matched), *i))
        .map(|(i, _)| i)
        .unwrap_or(0);
    Err(matches.swap_remove(closest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn normalisation_rules() {
        assert_eq!(normalize_header("Spend ($)"), "spend");
        assert_eq!(normalize_header("  Tenant ID "), "tenant_id");
        assert_eq!(normalize_header("Campaign-Name"), "campaign_name");
        assert_eq!(normalize_header("report.date"), "report_date");
        assert_eq!(normalize_header("Amount  Spent"), "amount_spent");
        assert_eq!(normalize_header("Ad__Spend (EUR)"), "ad_spend");
        assert_eq!(normalize_header("Clicks"), "clicks");
    }

    #[test]
    fn every_alias_maps_to_its_column() {
        for (alias, column) in [
            ("tenant", Column::TenantId),
            ("client_id", Column::TenantId),
            ("account_id", Column::TenantId),
            ("campaign_key", Column::CampaignId),
            ("campaign", Column::CampaignName),
            ("day", Column::Date),
            ("campaign_date", Column::Date),
            ("report_date", Column::Date),
            ("impr", Column::Impressions),
            ("views", Column::Impressions),
            ("cost", Column::Spend),
            ("amount_spent", Column::Spend),
            ("ad_spend", Column::Spend),
            ("sales", Column::Revenue),
            ("conversion_value", Column::Revenue),
            ("product_name", Column::Product),
            ("preferred_product", Column::ProductPreference),
        ] {
            assert_eq!(Column::from_normalized(alias), Some(column), "{alias}");
        }
    }

    #[test]
    fn campaigns_header_with_aliases_and_extras() {
        let h = header(&[
            "Account ID",
            "Campaign Key",
            "Campaign",
            "Day",
            "Impr.",
            "Clicks",
            "Conversions",
            "Cost ($)",
            "Sales",
            "utm_source",
        ]);
        let m = best_table(&h).unwrap();
        assert_eq!(m.table, TableKind::Campaigns);
        assert_eq!(m.extra_columns(), vec!["utm_source"]);
        assert_eq!(m.targets[4], ColumnTarget::Known(Column::Impressions));
    }

    #[test]
    fn first_of_duplicate_columns_wins() {
        let h = header(&[
            "tenant_id",
            "tenant",
            "customer_id",
            "total_spent",
            "total_orders",
            "x",
            "X",
        ]);
        let m = best_table(&h).unwrap();
        assert_eq!(m.table, TableKind::Customers);
        assert_eq!(m.targets[0], ColumnTarget::Known(Column::TenantId));
        assert_eq!(m.targets[1], ColumnTarget::Ignored);
        assert_eq!(m.targets[6], ColumnTarget::Ignored);
        assert_eq!(m.extra_columns(), vec!["x"]);
    }

    #[test]
    fn header_fitting_two_tables_takes_the_one_with_more_matches() {
        // Fits targets (all 8) and customers (4 required + region); targets has more.
        let h = header(&[
            "tenant_id",
            "region",
            "product",
            "year",
            "month",
            "target_revenue",
            "target_conversions",
            "target_spend",
            "customer_id",
            "total_spent",
            "total_orders",
        ]);
        assert_eq!(best_table(&h).unwrap().table, TableKind::Targets);
        let h = header(&[
            "tenant_id",
            "customer_id",
            "total_spent",
            "total_orders",
            "region",
            "product_preference",
            "customer_name",
            "product",
            "year",
            "month",
            "target_revenue",
            "target_conversions",
            "target_spend",
        ]);
        // Customers: 7 matched; targets: 8 matched (region, product, ...).
        assert_eq!(best_table(&h).unwrap().table, TableKind::Targets);
    }

    #[test]
    fn no_match_names_the_closest_tables_missing_columns() {
        let h = header(&[
            "tenant_id",
            "campaign_id",
            "date",
            "impressions",
            "spend",
            "revenue",
        ]);
        let m = best_table(&h).unwrap_err();
        assert_eq!(m.table, TableKind::Campaigns);
        assert_eq!(m.missing, vec!["clicks", "conversions"]);
    }

    #[test]
    fn empty_header_names_become_positional_extras() {
        let h = header(&[
            "tenant_id",
            "customer_id",
            "total_spent",
            "total_orders",
            "",
        ]);
        assert_eq!(best_table(&h).unwrap().extra_columns(), vec!["column_5"]);
    }
}

//! How a file's header names map onto a table's columns (SPEC §1): normalising a
//! name, matching a header against each table of [`crate::model::columns`], and picking
//! the table a header fits best.

pub use crate::model::columns::{Column, ParseType, TableKind};

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
}

/// Matches a header row against one table.
pub fn match_header(header: &[String], table: TableKind) -> HeaderMatch {
    let columns = table.columns();
    let mut seen: Vec<String> = Vec::with_capacity(header.len());
    let mut found: Vec<Column> = Vec::new();
    let mut targets = Vec::with_capacity(header.len());
    for (index, raw) in header.iter().enumerate() {
        let mut name = normalize_header(raw);
        if name.is_empty() {
            name = format!("column_{}", index + 1);
        }
        let known =
            Column::from_normalized(&name).filter(|c| columns.iter().any(|i| i.column == *c));
        let target = match known {
            Some(column) if !found.contains(&column) => {
                found.push(column);
                ColumnTarget::Known(column)
            }
            Some(_) => ColumnTarget::Ignored,
            None if seen.contains(&name) => ColumnTarget::Ignored,
            None => ColumnTarget::Extra(name.clone()),
        };
        seen.push(name);
        targets.push(target);
    }
    let missing = columns
        .iter()
        .filter(|i| i.required && !found.contains(&i.column))
        .map(|i| i.column.name())
        .collect();
    HeaderMatch {
        table,
        targets,
        matched: found.len(),
        missing,
    }
}

/// The table a header fits best: of the tables it fits, the one with more matching
/// columns (ties go to the earlier table of [`TableKind::ALL`]). `Err` holds the closest
/// table (fewest missing required columns) when none fits.
pub fn best_table(header: &[String]) -> Result<HeaderMatch, HeaderMatch> {
    let mut matches: Vec<HeaderMatch> = TableKind::ALL
        .iter()
        .map(|&t| match_header(header, t))
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

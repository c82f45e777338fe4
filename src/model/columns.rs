//! The column table: every table of the star schema (SPEC §2) and every column it has,
//! declared once. A column's name, label, input aliases, how its cells parse, what it
//! holds (and so how it is shown), whether it is a dimension or a measure, and for a
//! derived column its formula, are read from here by everything else: header matching
//! ([`crate::model::schema`]), staging, the SQL catalog and its scans, the exports, the
//! dashboards' result columns, the pivot's fields and the filters.
//!
//! ```text
//!   COLUMNS[Column]      name, label, aliases, parse, type, role, formula
//!        ^
//!   TABLES[Table]        name, about, inputs (required or optional), computed
//!        |
//!        +-- fact_campaigns, dim_sales_targets, dim_customers   (filled by files)
//!        +-- dim_date, dim_tenant, dim_region, ...               (materialized)
//! ```
//!
//! Adding a column is one line in [`COLUMNS`], one in its table's `inputs` or
//! `computed`, and (for an input) the stored field in [`crate::model::star`] that holds it.

use serde::{Deserialize, Serialize};

/// What a column holds, and so how it is shown (the page and the CLI format a cell by
/// this, never by guessing from the name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Text: ids, names, categories.
    Text,
    /// A count: shown with thousands separators.
    Integer,
    /// An integer that names rather than counts (a year, a month, a quarter): shown as
    /// it is, `2024` and not `2,024`.
    Code,
    /// A real number that is neither money nor a ratio (`ctr_pct`, `AVG(clicks)`).
    Number,
    /// Currency units, exact inside (fixed point): two decimals.
    Money,
    /// A fraction (`0.05` is 5 %): shown as a percentage.
    Ratio,
    /// A day, `YYYY-MM-DD`.
    Date,
}

impl ColumnType {
    /// `true` for the types whose values are numbers (right-aligned, chartable).
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            ColumnType::Integer | ColumnType::Number | ColumnType::Money | ColumnType::Ratio
        )
    }
}

/// How an input column's cells are parsed (SPEC §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseType {
    /// Trimmed text (dictionary-encoded).
    Text,
    /// A non-negative whole number.
    Count,
    /// Non-negative money, fixed point millionths.
    Money,
    /// A calendar date.
    Date,
    /// A year, 1..=9999.
    Year,
    /// A month, 1..=12.
    Month,
}

/// Whether a column groups and filters (a dimension) or is summed and averaged (a
/// measure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Dimension,
    Measure,
}

/// How a derived column is computed from its row's stored columns (SPEC §5); the
/// arithmetic is [`crate::transform::metrics`]'. A zero denominator is NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Formula {
    /// `clicks / impressions`.
    Ctr { clicks: Column, impressions: Column },
    /// `conversions / clicks`.
    ConversionRate { conversions: Column, clicks: Column },
    /// `(revenue - spend) / spend`.
    Roi { spend: Column, revenue: Column },
    /// `revenue / spend`.
    Roas { spend: Column, revenue: Column },
    /// Money per count: `money / count`.
    MoneyPer { money: Column, count: Column },
    /// `revenue - spend`, exact.
    Profit { spend: Column, revenue: Column },
    /// The performance category of (spend, revenue).
    Category { spend: Column, revenue: Column },
}

/// A column's declaration: one row of [`COLUMNS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    pub column: Column,
    /// The canonical name (also the SQL and result column name).
    pub name: &'static str,
    /// A label for people.
    pub label: &'static str,
    /// Other header names accepted for this column (SPEC §1), already normalised.
    pub aliases: &'static [&'static str],
    /// How its cells parse when a file brings it; `None` for a column no file brings.
    pub parse: Option<ParseType>,
    pub ty: ColumnType,
    pub role: Role,
    /// How it is computed from its row, for a derived column.
    pub formula: Option<Formula>,
}

/// Every column any table knows, under its canonical name ([`COLUMNS`] says the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    TenantId,
    CampaignId,
    CampaignName,
    Date,
    Impressions,
    Clicks,
    Conversions,
    Spend,
    Revenue,
    Region,
    Product,
    Channel,
    Year,
    Month,
    TargetRevenue,
    TargetConversions,
    TargetSpend,
    CustomerId,
    CustomerName,
    ProductPreference,
    TotalSpent,
    TotalOrders,
    Ctr,
    ConversionRate,
    Roi,
    Roas,
    Cpc,
    Cpa,
    Profit,
    PerformanceCategory,
    TargetRoi,
    TargetRoas,
    AvgOrderValue,
    Quarter,
    IsoWeek,
    Weekday,
}

/// An input column: parsed from files, stored.
const fn input(
    column: Column,
    name: &'static str,
    label: &'static str,
    aliases: &'static [&'static str],
    parse: ParseType,
    ty: ColumnType,
    role: Role,
) -> ColumnDef {
    ColumnDef {
        column,
        name,
        label,
        aliases,
        parse: Some(parse),
        ty,
        role,
        formula: None,
    }
}

/// A column computed from its row's stored columns.
const fn derived(
    column: Column,
    name: &'static str,
    label: &'static str,
    ty: ColumnType,
    role: Role,
    formula: Formula,
) -> ColumnDef {
    ColumnDef {
        column,
        name,
        label,
        aliases: &[],
        parse: None,
        ty,
        role,
        formula: Some(formula),
    }
}

/// A column of a materialized dimension table only (an attribute of its date).
const fn attribute(column: Column, name: &'static str, label: &'static str) -> ColumnDef {
    ColumnDef {
        column,
        name,
        label,
        aliases: &[],
        parse: None,
        ty: ColumnType::Code,
        role: Role::Dimension,
        formula: None,
    }
}

use Column as C;
use ColumnType as T;
use ParseType as P;
use Role::{Dimension as Dim, Measure as Mea};

/// Every column, in [`Column`]'s order (a test checks it).
#[rustfmt::skip]
pub const COLUMNS: [ColumnDef; 36] = [
    input(C::TenantId, "tenant_id", "Tenant", &["tenant", "client_id", "account_id"], P::Text, T::Text, Dim),
    input(C::CampaignId, "campaign_id", "Campaign ID", &["campaign_key"], P::Text, T::Text, Dim),
    input(C::CampaignName, "campaign_name", "Campaign", &["campaign"], P::Text, T::Text, Dim),
    input(C::Date, "date", "Date", &["day", "campaign_date", "report_date"], P::Date, T::Date, Dim),
    input(C::Impressions, "impressions", "Impressions", &["impr", "views"], P::Count, T::Integer, Mea),
    input(C::Clicks, "clicks", "Clicks", &[], P::Count, T::Integer, Mea),
    input(C::Conversions, "conversions", "Conversions", &[], P::Count, T::Integer, Mea),
    input(C::Spend, "spend", "Spend", &["cost", "amount_spent", "ad_spend"], P::Money, T::Money, Mea),
    input(C::Revenue, "revenue", "Revenue", &["sales", "conversion_value"], P::Money, T::Money, Mea),
    input(C::Region, "region", "Region", &[], P::Text, T::Text, Dim),
    input(C::Product, "product", "Product", &["product_name"], P::Text, T::Text, Dim),
    input(C::Channel, "channel", "Channel", &[], P::Text, T::Text, Dim),
    input(C::Year, "year", "Year", &[], P::Year, T::Code, Dim),
    input(C::Month, "month", "Month", &[], P::Month, T::Code, Dim),
    input(C::TargetRevenue, "target_revenue", "Target revenue", &[], P::Money, T::Money, Mea),
    input(C::TargetConversions, "target_conversions", "Target conversions", &[], P::Count, T::Integer, Mea),
    input(C::TargetSpend, "target_spend", "Target spend", &[], P::Money, T::Money, Mea),
    input(C::CustomerId, "customer_id", "Customer ID", &[], P::Text, T::Text, Dim),
    input(C::CustomerName, "customer_name", "Customer", &[], P::Text, T::Text, Dim),
    input(C::ProductPreference, "product_preference", "Product preference", &["preferred_product"], P::Text, T::Text, Dim),
    input(C::TotalSpent, "total_spent", "Total spent", &[], P::Money, T::Money, Mea),
    input(C::TotalOrders, "total_orders", "Total orders", &[], P::Count, T::Integer, Mea),
    derived(C::Ctr, "ctr", "CTR", T::Ratio, Mea, Formula::Ctr { clicks: C::Clicks, impressions: C::Impressions }),
    derived(C::ConversionRate, "conversion_rate", "Conversion rate", T::Ratio, Mea, Formula::ConversionRate { conversions: C::Conversions, clicks: C::Clicks }),
    derived(C::Roi, "roi", "ROI", T::Ratio, Mea, Formula::Roi { spend: C::Spend, revenue: C::Revenue }),
    derived(C::Roas, "roas", "ROAS", T::Ratio, Mea, Formula::Roas { spend: C::Spend, revenue: C::Revenue }),
    derived(C::Cpc, "cpc", "CPC", T::Money, Mea, Formula::MoneyPer { money: C::Spend, count: C::Clicks }),
    derived(C::Cpa, "cpa", "CPA", T::Money, Mea, Formula::MoneyPer { money: C::Spend, count: C::Conversions }),
    derived(C::Profit, "profit", "Profit", T::Money, Mea, Formula::Profit { spend: C::Spend, revenue: C::Revenue }),
    derived(C::PerformanceCategory, "performance_category", "Performance", T::Text, Dim, Formula::Category { spend: C::Spend, revenue: C::Revenue }),
    derived(C::TargetRoi, "target_roi", "Target ROI", T::Ratio, Mea, Formula::Roi { spend: C::TargetSpend, revenue: C::TargetRevenue }),
    derived(C::TargetRoas, "target_roas", "Target ROAS", T::Ratio, Mea, Formula::Roas { spend: C::TargetSpend, revenue: C::TargetRevenue }),
    derived(C::AvgOrderValue, "avg_order_value", "Avg order value", T::Money, Mea, Formula::MoneyPer { money: C::TotalSpent, count: C::TotalOrders }),
    attribute(C::Quarter, "quarter", "Quarter"),
    attribute(C::IsoWeek, "iso_week", "ISO week"),
    attribute(C::Weekday, "weekday", "Weekday"),
];

impl Column {
    /// Every column, in declaration order.
    pub const ALL: [Column; COLUMNS.len()] = {
        let mut all = [Column::TenantId; COLUMNS.len()];
        let mut i = 0;
        while i < COLUMNS.len() {
            all[i] = COLUMNS[i].column;
            i += 1;
        }
        all
    };

    /// The column's declaration.
    #[inline]
    pub const fn def(self) -> &'static ColumnDef {
        &COLUMNS[self as usize]
    }

    /// The canonical (normalised) name.
    #[inline]
    pub const fn name(self) -> &'static str {
        self.def().name
    }

    /// Other header names accepted for this column (SPEC §1), already normalised.
    pub fn aliases(self) -> &'static [&'static str] {
        self.def().aliases
    }

    /// What the column holds.
    pub const fn ty(self) -> ColumnType {
        self.def().ty
    }

    /// The column that stands under a normalised header name, by canonical name or
    /// alias, among the columns a file can bring.
    pub fn from_normalized(name: &str) -> Option<Column> {
        COLUMNS
            .iter()
            .find(|c| c.parse.is_some() && (c.name == name || c.aliases.contains(&name)))
            .map(|c| c.column)
    }

    /// The column called `name` (ASCII case-insensitive, as SQL names are), of any kind.
    pub fn named(name: &str) -> Option<Column> {
        COLUMNS
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
            .map(|c| c.column)
    }
}

/// A table a file can feed (the stored tables of the star schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableKind {
    /// `fact_campaigns`: one row per (tenant_id, campaign_id, date).
    Campaigns,
    /// `dim_sales_targets`: one row per (tenant_id, region, product, year, month).
    Targets,
    /// `dim_customers`: one row per (tenant_id, customer_id).
    Customers,
}

impl Serialize for TableKind {
    /// A table kind is written as its table's name.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl TableKind {
    /// Every table, in the order used to break ties when a header fits two equally well.
    pub const ALL: [TableKind; 3] = [
        TableKind::Campaigns,
        TableKind::Targets,
        TableKind::Customers,
    ];

    /// The table of the star schema this kind names.
    pub const fn table(self) -> Table {
        match self {
            TableKind::Campaigns => Table::FactCampaigns,
            TableKind::Targets => Table::DimSalesTargets,
            TableKind::Customers => Table::DimCustomers,
        }
    }

    /// The table's name in reports.
    pub const fn name(self) -> &'static str {
        self.table().def().name
    }

    /// What the table holds, for people ("Sales targets").
    pub const fn label(self) -> &'static str {
        match self {
            TableKind::Campaigns => "Campaigns",
            TableKind::Targets => "Sales targets",
            TableKind::Customers => "Customers",
        }
    }

    /// The table's input columns with whether each is required, in the table's order
    /// (which is also the order rows are validated in, so a row's reported problem is
    /// its first one).
    pub const fn columns(self) -> &'static [Input] {
        self.table().def().inputs
    }

    /// The slot (position among [`Self::columns`]) of `column`, if the table has it.
    pub fn slot(self, column: Column) -> Option<usize> {
        self.columns().iter().position(|c| c.column == column)
    }
}

/// Every table of the star schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    FactCampaigns,
    DimSalesTargets,
    DimCustomers,
    DimDate,
    DimTenant,
    DimRegion,
    DimProduct,
    DimChannel,
    DimCampaign,
}

/// An input column of a table, required or optional there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    pub column: Column,
    pub required: bool,
    /// How its cells parse (the column's [`ColumnDef::parse`], which an input has).
    pub parse: ParseType,
}

const fn input_of(column: Column, required: bool) -> Input {
    let parse = match column.def().parse {
        Some(parse) => parse,
        None => panic!("an input column is one files bring"),
    };
    Input {
        column,
        required,
        parse,
    }
}

const fn req(column: Column) -> Input {
    input_of(column, true)
}

const fn opt(column: Column) -> Input {
    input_of(column, false)
}

/// A table's declaration: one row of [`TABLES`].
#[derive(Debug)]
pub struct TableDef {
    pub table: Table,
    pub name: &'static str,
    pub about: &'static str,
    /// The columns files bring (none for a materialized dimension table), in order.
    pub inputs: &'static [Input],
    /// The columns computed from those (derived metrics), or materialized from the
    /// facts (a dimension table's), after the inputs.
    pub computed: &'static [Column],
}

impl TableDef {
    /// Every column, inputs first.
    pub fn columns(&self) -> impl Iterator<Item = Column> + '_ {
        self.inputs
            .iter()
            .map(|i| i.column)
            .chain(self.computed.iter().copied())
    }

    /// The table's kind when files feed it.
    pub fn kind(&self) -> Option<TableKind> {
        TableKind::ALL.into_iter().find(|k| k.table() == self.table)
    }
}

impl Table {
    /// The table's declaration.
    #[inline]
    pub const fn def(self) -> &'static TableDef {
        &TABLES[self as usize]
    }

    /// The table called `name` (ASCII case-insensitive, as SQLite).
    pub fn named(name: &str) -> Option<Table> {
        TABLES
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
            .map(|t| t.table)
    }
}

/// Every table, its columns in order, in [`Table`]'s order (a test checks it). Extra
/// (unknown) columns of a loaded file follow a stored table's declared ones as text.
pub const TABLES: [TableDef; 9] = [
    TableDef {
        table: Table::FactCampaigns,
        name: "fact_campaigns",
        about: "one row per (tenant_id, campaign_id, date); derived metrics computed exactly",
        inputs: &[
            req(C::TenantId),
            req(C::CampaignId),
            opt(C::CampaignName),
            req(C::Date),
            req(C::Impressions),
            req(C::Clicks),
            req(C::Conversions),
            req(C::Spend),
            req(C::Revenue),
            opt(C::Region),
            opt(C::Product),
            opt(C::Channel),
        ],
        computed: &[
            C::Ctr,
            C::ConversionRate,
            C::Roi,
            C::Roas,
            C::Cpc,
            C::Cpa,
            C::Profit,
            C::PerformanceCategory,
        ],
    },
    TableDef {
        table: Table::DimSalesTargets,
        name: "dim_sales_targets",
        about: "one row per (tenant_id, region, product, year, month)",
        inputs: &[
            req(C::TenantId),
            req(C::Region),
            req(C::Product),
            req(C::Year),
            req(C::Month),
            req(C::TargetRevenue),
            req(C::TargetConversions),
            req(C::TargetSpend),
        ],
        computed: &[C::TargetRoi, C::TargetRoas],
    },
    TableDef {
        table: Table::DimCustomers,
        name: "dim_customers",
        about: "one row per (tenant_id, customer_id)",
        inputs: &[
            req(C::TenantId),
            req(C::CustomerId),
            opt(C::CustomerName),
            opt(C::Region),
            opt(C::ProductPreference),
            req(C::TotalSpent),
            req(C::TotalOrders),
        ],
        computed: &[C::AvgOrderValue],
    },
    TableDef {
        table: Table::DimDate,
        name: "dim_date",
        about: "one row per date of fact_campaigns, ascending; iso_week and weekday (1 = Monday) per ISO 8601",
        inputs: &[],
        computed: &[
            C::Date,
            C::Year,
            C::Quarter,
            C::Month,
            C::IsoWeek,
            C::Weekday,
        ],
    },
    TableDef {
        table: Table::DimTenant,
        name: "dim_tenant",
        about: "one row per tenant",
        inputs: &[],
        computed: &[C::TenantId],
    },
    TableDef {
        table: Table::DimRegion,
        name: "dim_region",
        about: "one row per region of any table",
        inputs: &[],
        computed: &[C::Region],
    },
    TableDef {
        table: Table::DimProduct,
        name: "dim_product",
        about: "one row per product (fact product, target product, customer preference)",
        inputs: &[],
        computed: &[C::Product],
    },
    TableDef {
        table: Table::DimChannel,
        name: "dim_channel",
        about: "one row per channel of fact_campaigns",
        inputs: &[],
        computed: &[C::Channel],
    },
    TableDef {
        table: Table::DimCampaign,
        name: "dim_campaign",
        about: "one row per distinct (tenant_id, campaign_id, campaign_name, channel) of fact_campaigns",
        inputs: &[],
        computed: &[C::TenantId, C::CampaignId, C::CampaignName, C::Channel],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_are_in_their_enums_order() {
        for (i, def) in COLUMNS.iter().enumerate() {
            assert_eq!(def.column as usize, i, "{}", def.name);
        }
        for (i, def) in TABLES.iter().enumerate() {
            assert_eq!(def.table as usize, i, "{}", def.name);
        }
    }

    #[test]
    fn names_and_aliases_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for def in &COLUMNS {
            assert!(seen.insert(def.name), "{} twice", def.name);
            for alias in def.aliases {
                assert!(seen.insert(alias), "{alias} twice");
            }
        }
    }

    #[test]
    fn inputs_parse_and_computed_columns_are_derived_or_materialized() {
        for table in &TABLES {
            for input in table.inputs {
                assert_eq!(input.column.def().parse, Some(input.parse));
            }
            if table.inputs.is_empty() {
                continue;
            }
            for &column in table.computed {
                let formula = column
                    .def()
                    .formula
                    .unwrap_or_else(|| panic!("{}.{} has no formula", table.name, column.name()));
                let operands = match formula {
                    Formula::Ctr {
                        clicks: a,
                        impressions: b,
                    }
                    | Formula::ConversionRate {
                        conversions: a,
                        clicks: b,
                    }
                    | Formula::MoneyPer { money: a, count: b } => [a, b],
                    Formula::Roi { spend, revenue }
                    | Formula::Roas { spend, revenue }
                    | Formula::Profit { spend, revenue }
                    | Formula::Category { spend, revenue } => [spend, revenue],
                };
                for operand in operands {
                    assert!(
                        table.inputs.iter().any(|i| i.column == operand),
                        "{}.{} reads {} the table lacks",
                        table.name,
                        column.name(),
                        operand.name()
                    );
                }
            }
        }
    }

    #[test]
    fn table_kinds_name_their_tables() {
        assert_eq!(TableKind::Campaigns.name(), "fact_campaigns");
        assert_eq!(
            serde_json::to_string(&TableKind::Customers).unwrap(),
            "\"dim_customers\""
        );
        assert_eq!(Table::named("DIM_DATE"), Some(Table::DimDate));
        assert_eq!(TableKind::Targets.slot(Column::Year), Some(3));
    }
}

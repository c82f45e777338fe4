//! The SQL tables over the star schema: each table's columns declared once (name, type,
//! where the value comes from), the schema listing derived from that, and the scans
//! that read the columns in place under a tenant scope.
//!
//! This is the only SQL file that knows the star schema's layout, so a change of the
//! model touches only this file.
//!
//! The tenant scope is applied here, at the scan: a scan yields only the rows of the
//! scope's tenants, and the dimension tables (`dim_region`, `dim_date`, ...) list only
//! the values used by those rows, as a warehouse that never saw the other tenants would.
//! A query cannot reach past it, whatever it says.

use crate::model::date::{date_attributes, Day};
use crate::model::dict::{Dictionary, NULL_KEY};
use crate::model::keys::KeyColumn;
use crate::model::star::{Extras, StarSchema};
use crate::query::{Query, Scope, TenantScope};
use crate::sql::value::Val;
use crate::transform::metrics::{self, PerformanceCategory};
use serde::{Deserialize, Serialize};

/// A column's declared type, as SQLite would see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SqlType {
    Integer,
    Real,
    Text,
}

/// What a column holds, for display: money is a REAL kept exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Text,
    Integer,
    Money,
    Ratio,
    Date,
}

impl Kind {
    /// The declared type of a column of this kind.
    pub fn sql_type(self) -> SqlType {
        match self {
            Kind::Text | Kind::Date => SqlType::Text,
            Kind::Integer => SqlType::Integer,
            Kind::Money | Kind::Ratio => SqlType::Real,
        }
    }
}

/// Where a column's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    FactTenant,
    FactCampaign,
    FactCampaignName,
    FactDate,
    FactImpressions,
    FactClicks,
    FactConversions,
    FactSpend,
    FactRevenue,
    FactRegion,
    FactProduct,
    FactChannel,
    FactCtr,
    FactConversionRate,
    FactRoi,
    FactRoas,
    FactCpc,
    FactCpa,
    FactProfit,
    FactCategory,
    TargetTenant,
    TargetRegion,
    TargetProduct,
    TargetYear,
    TargetMonth,
    TargetRevenue,
    TargetConversions,
    TargetSpend,
    TargetRoi,
    TargetRoas,
    CustomerTenant,
    CustomerId,
    CustomerName,
    CustomerRegion,
    CustomerPreference,
    CustomerSpent,
    CustomerOrders,
    CustomerAvgOrder,
    /// Columns of the materialized dimension tables, by position.
    Dim(usize),
}

/// One declared column.
#[derive(Debug, Clone, Copy)]
pub struct ColumnDecl {
    pub name: &'static str,
    pub kind: Kind,
    source: Source,
}

const fn col(name: &'static str, kind: Kind, source: Source) -> ColumnDecl {
    ColumnDecl { name, kind, source }
}

/// The SQL tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// A table's declaration.
pub struct TableDecl {
    pub table: Table,
    pub name: &'static str,
    pub about: &'static str,
    pub columns: &'static [ColumnDecl],
}

use Kind::{Date as KDate, Integer as KInt, Money as KMoney, Ratio as KRatio, Text as KText};

/// Every table, its columns in order. Extra (unknown) columns of a loaded file follow a
/// table's declared ones as TEXT.
pub const TABLES: &[TableDecl] = &[
    TableDecl {
        table: Table::FactCampaigns,
        name: "fact_campaigns",
        about: "one row per (tenant_id, campaign_id, date); derived metrics computed exactly",
        columns: &[
            col("tenant_id", KText, Source::FactTenant),
            col("campaign_id", KText, Source::FactCampaign),
            col("campaign_name", KText, Source::FactCampaignName),
            col("date", KDate, Source::FactDate),
            col("impressions", KInt, Source::FactImpressions),
            col("clicks", KInt, Source::FactClicks),
            col("conversions", KInt, Source::FactConversions),
            col("spend", KMoney, Source::FactSpend),
            col("revenue", KMoney, Source::FactRevenue),
            col("region", KText, Source::FactRegion),
            col("product", KText, Source::FactProduct),
            col("channel", KText, Source::FactChannel),
            col("ctr", KRatio, Source::FactCtr),
            col("conversion_rate", KRatio, Source::FactConversionRate),
            col("roi", KRatio, Source::FactRoi),
            col("roas", KRatio, Source::FactRoas),
            col("cpc", KRatio, Source::FactCpc),
            col("cpa", KRatio, Source::FactCpa),
            col("profit", KMoney, Source::FactProfit),
            col("performance_category", KText, Source::FactCategory),
        ],
    },
    TableDecl {
        table: Table::DimSalesTargets,
        name: "dim_sales_targets",
        about: "one row per (tenant_id, region, product, year, month)",
        columns: &[
            col("tenant_id", KText, Source::TargetTenant),
            col("region", KText, Source::TargetRegion),
            col("product", KText, Source::TargetProduct),
            col("year", KInt, Source::TargetYear),
            col("month", KInt, Source::TargetMonth),
            col("target_revenue", KMoney, Source::TargetRevenue),
            col("target_conversions", KInt, Source::TargetConversions),
            col("target_spend", KMoney, Source::TargetSpend),
            col("target_roi", KRatio, Source::TargetRoi),
            col("target_roas", KRatio, Source::TargetRoas),
        ],
    },
    TableDecl {
        table: Table::DimCustomers,
        name: "dim_customers",
        about: "one row per (tenant_id, customer_id)",
        columns: &[
            col("tenant_id", KText, Source::CustomerTenant),
            col("customer_id", KText, Source::CustomerId),
            col("customer_name", KText, Source::CustomerName),
            col("region", KText, Source::CustomerRegion),
            col("product_preference", KText, Source::CustomerPreference),
            col("total_spent", KMoney, Source::CustomerSpent),
            col("total_orders", KInt, Source::CustomerOrders),
            col("avg_order_value", KRatio, Source::CustomerAvgOrder),
        ],
    },
    TableDecl {
        table: Table::DimDate,
        name: "dim_date",
        about: "one row per date of fact_campaigns, ascending; iso_week and weekday (1 = Monday) per ISO 8601",
        columns: &[
            col("date", KDate, Source::Dim(0)),
            col("year", KInt, Source::Dim(1)),
            col("quarter", KInt, Source::Dim(2)),
            col("month", KInt, Source::Dim(3)),
            col("iso_week", KInt, Source::Dim(4)),
            col("weekday", KInt, Source::Dim(5)),
        ],
    },
    TableDecl {
        table: Table::DimTenant,
        name: "dim_tenant",
        about: "one row per tenant",
        columns: &[col("tenant_id", KText, Source::Dim(0))],
    },
    TableDecl {
        table: Table::DimRegion,
        name: "dim_region",
        about: "one row per region of any table",
        columns: &[col("region", KText, Source::Dim(0))],
    },
    TableDecl {
        table: Table::DimProduct,
        name: "dim_product",
        about: "one row per product (fact product, target product, customer preference)",
        columns: &[col("product", KText, Source::Dim(0))],
    },
    TableDecl {
        table: Table::DimChannel,
        name: "dim_channel",
        about: "one row per channel of fact_campaigns",
        columns: &[col("channel", KText, Source::Dim(0))],
    },
    TableDecl {
        table: Table::DimCampaign,
        name: "dim_campaign",
        about: "one row per distinct (tenant_id, campaign_id, campaign_name, channel) of fact_campaigns",
        columns: &[
            col("tenant_id", KText, Source::Dim(0)),
            col("campaign_id", KText, Source::Dim(1)),
            col("campaign_name", KText, Source::Dim(2)),
            col("channel", KText, Source::Dim(3)),
        ],
    },
];

/// One column of the schema listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSchema {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: SqlType,
    pub kind: Kind,
}

/// One table of the schema listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSchema {
    pub name: String,
    pub about: String,
    pub columns: Vec<ColumnSchema>,
}

/// The tables a query can name, with their columns (what the planner resolves names
/// against, and what `bi-platform sql --schema` lists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub tables: Vec<TableSchema>,
}

impl Schema {
    /// The table called `name` (ASCII case-insensitive, as SQLite).
    pub fn table(&self, name: &str) -> Option<&TableSchema> {
        self.tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }
}

fn extras_of(star: &StarSchema, table: Table) -> Option<&Extras> {
    match table {
        Table::FactCampaigns => Some(&star.campaigns.extras),
        Table::DimSalesTargets => Some(&star.targets.extras),
        Table::DimCustomers => Some(&star.customers.extras),
        _ => None,
    }
}

fn decl(name: &str) -> Option<&'static TableDecl> {
    TABLES.iter().find(|t| t.name.eq_ignore_ascii_case(name))
}

/// The schema of `star`: the declared tables, each followed by its extra columns (a
/// name that a declared column already has is left out).
pub fn schema(star: &StarSchema) -> Schema {
    Schema {
        tables: TABLES
            .iter()
            .map(|t| {
                let mut columns: Vec<ColumnSchema> = t
                    .columns
                    .iter()
                    .map(|c| ColumnSchema {
                        name: c.name.to_string(),
                        ty: c.kind.sql_type(),
                        kind: c.kind,
                    })
                    .collect();
                if let Some(extras) = extras_of(star, t.table) {
                    for name in &extras.names {
                        if !columns.iter().any(|c| c.name.eq_ignore_ascii_case(name)) {
                            columns.push(ColumnSchema {
                                name: name.clone(),
                                ty: SqlType::Text,
                                kind: Kind::Text,
                            });
                        }
                    }
                }
                TableSchema {
                    name: t.name.to_string(),
                    about: t.about.to_string(),
                    columns,
                }
            })
            .collect(),
    }
}

/// Reads one column's value at a row.
pub type Reader<'w> = Box<dyn Fn(usize) -> Val<'w> + 'w>;

/// The rows of a table in scope, and a reader per requested column (`None` for a
/// column the plan does not read, named `""`).
pub struct ScanOutput<'w> {
    pub readers: Vec<Option<Reader<'w>>>,
    /// Row numbers in scope, in storage order (a selection vector).
    pub rows: Vec<u32>,
}

/// The star schema under a tenant scope.
pub struct Catalog<'w> {
    star: &'w StarSchema,
    scope: Scope<'w>,
}

fn text_of(dict: &Dictionary, key: u32) -> Val<'_> {
    dict.value(key).map_or(Val::Null, Val::Str)
}

fn key_reader<'w>(column: &'w KeyColumn, dict: &'w Dictionary) -> Reader<'w> {
    Box::new(move |r| text_of(dict, column.get(r)))
}

fn ids_reader<'w>(column: &'w [u32], dict: &'w Dictionary) -> Reader<'w> {
    Box::new(move |r| text_of(dict, column[r]))
}

fn count_reader(column: &[u32]) -> Reader<'_> {
    Box::new(move |r| Val::Int(i64::from(column[r])))
}

fn money_reader(column: &[i64]) -> Reader<'_> {
    Box::new(move |r| Val::Money(i128::from(column[r])))
}

fn ratio(value: Option<f64>) -> Val<'static> {
    value.map_or(Val::Null, Val::real)
}

impl<'w> Catalog<'w> {
    /// The star schema as the tenants of `tenants` see it.
    pub fn new(star: &'w StarSchema, tenants: &TenantScope) -> Self {
        let query = Query {
            tenants: tenants.clone(),
            ..Query::default()
        };
        // A query without dates or filters cannot fail to resolve.
        let scope = Scope::new(star, &query).unwrap_or_else(|_| unreachable!("no filters"));
        Catalog { star, scope }
    }

    /// The schema of the warehouse (the same whatever the scope).
    pub fn schema(&self) -> Schema {
        schema(self.star)
    }

    fn tenant_rows(&self, tenant: &KeyColumn) -> Vec<u32> {
        (0..tenant.len())
            .filter(|&r| self.scope.has_tenant(tenant.get(r)))
            .map(|r| r as u32)
            .collect()
    }

    /// Scans `table` with `columns`: the rows of the scope's tenants only.
    pub fn scan(&self, table: &str, columns: &[String]) -> Result<ScanOutput<'w>, String> {
        let decl = decl(table).ok_or_else(|| format!("no such table: {table}"))?;
        let star = self.star;
        let (rows, dims) = match decl.table {
            Table::FactCampaigns => (self.tenant_rows(&star.campaigns.tenant), Vec::new()),
            Table::DimSalesTargets => (self.tenant_rows(&star.targets.tenant), Vec::new()),
            Table::DimCustomers => (self.tenant_rows(&star.customers.tenant), Vec::new()),
            _ => {
                let dims = self.dimension(decl.table);
                let len = dims.first().map_or(0, Vec::len);
                ((0..len as u32).collect(), dims)
            }
        };
        let mut readers = Vec::with_capacity(columns.len());
        for name in columns {
            if name.is_empty() {
                readers.push(None);
                continue;
            }
            let reader = match decl
                .columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(name))
            {
                Some(c) => match c.source {
                    Source::Dim(i) => {
                        let values = dims.get(i).cloned().unwrap_or_default();
                        Box::new(move |r: usize| values.get(r).cloned().unwrap_or(Val::Null))
                            as Reader<'w>
                    }
                    source => self.reader(source),
                },
                None => {
                    let extras = extras_of(star, decl.table)
                        .ok_or_else(|| format!("no such column: {table}.{name}"))?;
                    let i = extras
                        .names
                        .iter()
                        .position(|n| n.eq_ignore_ascii_case(name))
                        .ok_or_else(|| format!("no such column: {table}.{name}"))?;
                    let (keys, values) = (&extras.columns[i], &extras.values);
                    Box::new(move |r: usize| keys.get(r).map_or(Val::Null, |&k| text_of(values, k)))
                }
            };
            readers.push(Some(reader));
        }
        Ok(ScanOutput { readers, rows })
    }

    fn reader(&self, source: Source) -> Reader<'w> {
        let star = self.star;
        let (f, t, c, d) = (&star.campaigns, &star.targets, &star.customers, &star.dims);
        match source {
            Source::FactTenant => key_reader(&f.tenant, &d.tenant),
            Source::FactCampaign => ids_reader(&f.campaign, &d.campaign),
            Source::FactCampaignName => ids_reader(&f.campaign_name, &d.campaign_name),
            Source::FactDate => Box::new(move |r| Val::Date(f.date[r])),
            Source::FactImpressions => count_reader(&f.impressions),
            Source::FactClicks => count_reader(&f.clicks),
            Source::FactConversions => count_reader(&f.conversions),
            Source::FactSpend => money_reader(&f.spend),
            Source::FactRevenue => money_reader(&f.revenue),
            Source::FactRegion => key_reader(&f.region, &d.region),
            Source::FactProduct => key_reader(&f.product, &d.product),
            Source::FactChannel => key_reader(&f.channel, &d.channel),
            Source::FactCtr => Box::new(move |r| {
                ratio(metrics::ctr(
                    u64::from(f.clicks[r]),
                    u64::from(f.impressions[r]),
                ))
            }),
            Source::FactConversionRate => Box::new(move |r| {
                ratio(metrics::conversion_rate(
                    u64::from(f.conversions[r]),
                    u64::from(f.clicks[r]),
                ))
            }),
            Source::FactRoi => Box::new(move |r| {
                ratio(metrics::roi(
                    i128::from(f.spend[r]),
                    i128::from(f.revenue[r]),
                ))
            }),
            Source::FactRoas => Box::new(move |r| {
                ratio(metrics::roas(
                    i128::from(f.spend[r]),
                    i128::from(f.revenue[r]),
                ))
            }),
            Source::FactCpc => Box::new(move |r| {
                ratio(metrics::money_per(
                    i128::from(f.spend[r]),
                    u64::from(f.clicks[r]),
                ))
            }),
            Source::FactCpa => Box::new(move |r| {
                ratio(metrics::money_per(
                    i128::from(f.spend[r]),
                    u64::from(f.conversions[r]),
                ))
            }),
            Source::FactProfit => {
                Box::new(move |r| Val::Money(i128::from(f.revenue[r]) - i128::from(f.spend[r])))
            }
            Source::FactCategory => Box::new(move |r| {
                Val::Str(PerformanceCategory::of(f.spend[r], f.revenue[r]).label())
            }),
            Source::TargetTenant => key_reader(&t.tenant, &d.tenant),
            Source::TargetRegion => key_reader(&t.region, &d.region),
            Source::TargetProduct => key_reader(&t.product, &d.product),
            Source::TargetYear => Box::new(move |r| Val::Int(i64::from(t.year[r]))),
            Source::TargetMonth => Box::new(move |r| Val::Int(i64::from(t.month[r]))),
            Source::TargetRevenue => money_reader(&t.target_revenue),
            Source::TargetConversions => count_reader(&t.target_conversions),
            Source::TargetSpend => money_reader(&t.target_spend),
            Source::TargetRoi => Box::new(move |r| {
                ratio(metrics::roi(
                    i128::from(t.target_spend[r]),
                    i128::from(t.target_revenue[r]),
                ))
            }),
            Source::TargetRoas => Box::new(move |r| {
                ratio(metrics::roas(
                    i128::from(t.target_spend[r]),
                    i128::from(t.target_revenue[r]),
                ))
            }),
            Source::CustomerTenant => key_reader(&c.tenant, &d.tenant),
            Source::CustomerId => ids_reader(&c.customer, &d.customer),
            Source::CustomerName => ids_reader(&c.customer_name, &d.customer_name),
            Source::CustomerRegion => key_reader(&c.region, &d.region),
            Source::CustomerPreference => key_reader(&c.product_preference, &d.product),
            Source::CustomerSpent => money_reader(&c.total_spent),
            Source::CustomerOrders => count_reader(&c.total_orders),
            Source::CustomerAvgOrder => Box::new(move |r| {
                ratio(metrics::money_per(
                    i128::from(c.total_spent[r]),
                    u64::from(c.total_orders[r]),
                ))
            }),
            Source::Dim(_) => Box::new(|_| Val::Null),
        }
    }

    /// Marks the keys of `column` used by rows in scope.
    fn mark(&self, used: &mut Vec<bool>, tenant: &KeyColumn, column: &KeyColumn) {
        for r in 0..column.len() {
            if self.scope.has_tenant(tenant.get(r)) {
                let k = column.get(r);
                if k != NULL_KEY {
                    if used.len() <= k as usize {
                        used.resize(k as usize + 1, false);
                    }
                    used[k as usize] = true;
                }
            }
        }
    }

    fn used_values(&self, dict: &'w Dictionary, used: &[bool]) -> Vec<Val<'w>> {
        (0..dict.len() as u32)
            .filter(|&k| used.get(k as usize).copied().unwrap_or(false))
            .map(|k| text_of(dict, k))
            .collect()
    }

    /// The columns of a dimension table in scope, materialized.
    fn dimension(&self, table: Table) -> Vec<Vec<Val<'w>>> {
        let star = self.star;
        let (f, t, c, d) = (&star.campaigns, &star.targets, &star.customers, &star.dims);
        match table {
            Table::DimTenant => {
                let tenants = (0..d.tenant.len() as u32)
                    .filter(|&k| self.scope.has_tenant(k))
                    .map(|k| text_of(&d.tenant, k))
                    .collect();
                vec![tenants]
            }
            Table::DimRegion => {
                let mut used = Vec::new();
                self.mark(&mut used, &f.tenant, &f.region);
                self.mark(&mut used, &t.tenant, &t.region);
                self.mark(&mut used, &c.tenant, &c.region);
                vec![self.used_values(&d.region, &used)]
            }
            Table::DimProduct => {
                let mut used = Vec::new();
                self.mark(&mut used, &f.tenant, &f.product);
                self.mark(&mut used, &t.tenant, &t.product);
                self.mark(&mut used, &c.tenant, &c.product_preference);
                vec![self.used_values(&d.product, &used)]
            }
            Table::DimChannel => {
                let mut used = Vec::new();
                self.mark(&mut used, &f.tenant, &f.channel);
                vec![self.used_values(&d.channel, &used)]
            }
            Table::DimDate => {
                let mut days: Vec<Day> = self
                    .tenant_rows(&f.tenant)
                    .into_iter()
                    .map(|r| f.date[r as usize])
                    .collect();
                days.sort_unstable();
                days.dedup();
                let mut columns: Vec<Vec<Val<'w>>> =
                    (0..6).map(|_| Vec::with_capacity(days.len())).collect();
                for day in days {
                    let a = date_attributes(day);
                    columns[0].push(Val::Date(day));
                    columns[1].push(Val::Int(i64::from(a.year)));
                    columns[2].push(Val::Int(i64::from(a.quarter)));
                    columns[3].push(Val::Int(i64::from(a.month)));
                    columns[4].push(Val::Int(i64::from(a.iso_week)));
                    columns[5].push(Val::Int(i64::from(a.weekday)));
                }
                columns
            }
            Table::DimCampaign => {
                let mut seen = std::collections::HashSet::new();
                let mut columns = vec![Vec::new(); 4];
                for r in self.tenant_rows(&f.tenant) {
                    let r = r as usize;
                    let key = (
                        f.tenant.get(r),
                        f.campaign[r],
                        f.campaign_name[r],
                        f.channel.get(r),
                    );
                    if seen.insert(key) {
                        columns[0].push(text_of(&d.tenant, key.0));
                        columns[1].push(text_of(&d.campaign, key.1));
                        columns[2].push(text_of(&d.campaign_name, key.2));
                        columns[3].push(text_of(&d.channel, key.3));
                    }
                }
                columns
            }
            Table::FactCampaigns | Table::DimSalesTargets | Table::DimCustomers => Vec::new(),
        }
    }
}

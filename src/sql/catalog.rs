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
use crate::model::keys::{Key, KeyColumn, Keys};
use crate::model::star::{Extras, StarSchema};
use crate::query::{Query, QueryError, Scope, TenantScope};
use crate::sql::value::Val;
use crate::transform::metrics::{self, PerformanceCategory};
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// A column's declared type, as SQLite would see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SqlType {
    Integer,
    Real,
    Text,
}

/// What a column holds, for display: the engine's one list of column types (money is
/// a REAL kept exact).
pub use crate::query::columns::ColumnType as Kind;

impl Kind {
    /// The declared type of a column of this kind.
    pub fn sql_type(self) -> SqlType {
        match self {
            Kind::Text | Kind::Date => SqlType::Text,
            Kind::Integer | Kind::Code => SqlType::Integer,
            Kind::Money | Kind::Ratio | Kind::Number => SqlType::Real,
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

use Kind::{
    Code as KCode, Date as KDate, Integer as KInt, Money as KMoney, Ratio as KRatio, Text as KText,
};

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
            col("cpc", KMoney, Source::FactCpc),
            col("cpa", KMoney, Source::FactCpa),
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
            col("year", KCode, Source::TargetYear),
            col("month", KCode, Source::TargetMonth),
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
            col("avg_order_value", KMoney, Source::CustomerAvgOrder),
        ],
    },
    TableDecl {
        table: Table::DimDate,
        name: "dim_date",
        about: "one row per date of fact_campaigns, ascending; iso_week and weekday (1 = Monday) per ISO 8601",
        columns: &[
            col("date", KDate, Source::Dim(0)),
            col("year", KCode, Source::Dim(1)),
            col("quarter", KCode, Source::Dim(2)),
            col("month", KCode, Source::Dim(3)),
            col("iso_week", KCode, Source::Dim(4)),
            col("weekday", KCode, Source::Dim(5)),
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

/// A ratio computed per row from stored columns, exactly as the kernels do
/// ([`metrics`]); `None` (a zero denominator) is NULL.
#[derive(Clone, Copy)]
pub enum Ratio<'w> {
    Ctr {
        clicks: &'w [u32],
        impressions: &'w [u32],
    },
    ConversionRate {
        conversions: &'w [u32],
        clicks: &'w [u32],
    },
    Roi {
        spend: &'w [i64],
        revenue: &'w [i64],
    },
    Roas {
        spend: &'w [i64],
        revenue: &'w [i64],
    },
    /// Money per count (cpc, cpa, avg_order_value).
    MoneyPer { money: &'w [i64], count: &'w [u32] },
}

impl Ratio<'_> {
    /// The ratio at `row`.
    #[inline]
    pub fn get(&self, r: usize) -> Option<f64> {
        match *self {
            Ratio::Ctr {
                clicks,
                impressions,
            } => metrics::ctr(u64::from(clicks[r]), u64::from(impressions[r])),
            Ratio::ConversionRate {
                conversions,
                clicks,
            } => metrics::conversion_rate(u64::from(conversions[r]), u64::from(clicks[r])),
            Ratio::Roi { spend, revenue } => {
                metrics::roi(i128::from(spend[r]), i128::from(revenue[r]))
            }
            Ratio::Roas { spend, revenue } => {
                metrics::roas(i128::from(spend[r]), i128::from(revenue[r]))
            }
            Ratio::MoneyPer { money, count } => {
                metrics::money_per(i128::from(money[r]), u64::from(count[r]))
            }
        }
    }
}

/// One column of a scan, read in place from the star schema's typed vectors, so the
/// executor's fast paths can run over slices (and [`Column::get`] gives the SQL value
/// of one row for the general path).
#[derive(Clone)]
pub enum Column<'w> {
    /// TEXT through a dictionary key column (`NULL_KEY` is NULL).
    Keys(Keys<'w>, &'w Dictionary),
    /// TEXT through `u32` keys (a key the dictionary lacks is NULL).
    Ids(&'w [u32], &'w Dictionary),
    /// TEXT through keys that may be fewer than the rows (extra columns).
    Extra(&'w [u32], &'w Dictionary),
    /// INTEGER.
    U32(&'w [u32]),
    U16(&'w [u16]),
    U8(&'w [u8]),
    /// Money (REAL, exact millionths).
    Money(&'w [i64]),
    /// `revenue - spend`, money.
    Profit {
        spend: &'w [i64],
        revenue: &'w [i64],
    },
    /// A day, the TEXT `YYYY-MM-DD`.
    Date(&'w [Day]),
    /// A REAL computed per row.
    Ratio(Ratio<'w>),
    /// The performance category of (spend, revenue).
    Category {
        spend: &'w [i64],
        revenue: &'w [i64],
    },
    /// A materialized dimension column.
    Values(Rc<Vec<Val<'w>>>),
    /// The other side of a join, looked up per base row: `index[row]` is a row of
    /// `values` (`u32::MAX`, or a row past `index`, for none: NULL). `codes` numbers
    /// the distinct values (SQL equality) `0..distinct`, NULL being `distinct`.
    Joined(Rc<Joined<'w>>),
}

/// A joined column's values and its lookup by base row (see [`Column::Joined`]).
pub struct Joined<'w> {
    pub index: Rc<Vec<u32>>,
    pub values: Vec<Val<'w>>,
    pub codes: Vec<u32>,
    pub distinct: u32,
}

impl<'w> Joined<'w> {
    /// The row of `values` joined to base row `r`.
    #[inline]
    pub fn at(&self, r: usize) -> Option<usize> {
        match self.index.get(r) {
            Some(&i) if i != u32::MAX => Some(i as usize),
            _ => None,
        }
    }

    /// The distinct value's code at base row `r` (`distinct` for NULL).
    #[inline]
    pub fn code(&self, r: usize) -> u32 {
        self.at(r).map_or(self.distinct, |i| self.codes[i])
    }
}

impl<'w> Column<'w> {
    /// The SQL value at `row`.
    #[inline]
    pub fn get(&self, r: usize) -> Val<'w> {
        match self {
            Column::Keys(keys, dict) => {
                let k = match keys {
                    Keys::Narrow(k) => k[r].key(),
                    Keys::Wide(k) => k[r],
                };
                text_of(dict, k)
            }
            Column::Ids(ids, dict) => text_of(dict, ids[r]),
            Column::Extra(ids, dict) => ids.get(r).map_or(Val::Null, |&k| text_of(dict, k)),
            Column::U32(v) => Val::Int(i64::from(v[r])),
            Column::U16(v) => Val::Int(i64::from(v[r])),
            Column::U8(v) => Val::Int(i64::from(v[r])),
            Column::Money(v) => Val::Money(i128::from(v[r])),
            Column::Profit { spend, revenue } => {
                Val::Money(i128::from(revenue[r]) - i128::from(spend[r]))
            }
            Column::Date(v) => Val::Date(v[r]),
            Column::Ratio(ratio) => ratio.get(r).map_or(Val::Null, Val::real),
            Column::Category { spend, revenue } => {
                Val::Str(PerformanceCategory::of(spend[r], revenue[r]).label())
            }
            Column::Values(values) => values.get(r).cloned().unwrap_or(Val::Null),
            Column::Joined(j) => j.at(r).map_or(Val::Null, |i| j.values[i].clone()),
        }
    }
}

/// The rows of a table in scope, and a column per requested column (`None` for a
/// column the plan does not read, named `""`).
pub struct ScanOutput<'w> {
    pub columns: Vec<Option<Column<'w>>>,
    /// Row numbers in scope, in storage order (a selection vector).
    pub rows: Vec<u32>,
}

/// The star schema under a tenant scope.
pub struct Catalog<'w> {
    star: &'w StarSchema,
    scope: Scope<'w>,
    /// The scope has filters besides the tenants ([`Catalog::for_query`]): the base
    /// tables' rows are then the scope's rows, not every row of the scope's tenants.
    filtered: bool,
}

fn text_of(dict: &Dictionary, key: u32) -> Val<'_> {
    dict.value(key).map_or(Val::Null, Val::Str)
}

fn keys_of<'w>(column: &'w KeyColumn, dict: &'w Dictionary) -> Column<'w> {
    Column::Keys(column.keys(), dict)
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
        Catalog {
            star,
            scope,
            filtered: false,
        }
    }

    /// The star schema as a dashboard query sees it: the tenant scope and the date,
    /// region, product and channel filters, applied as [`Scope`] applies them (fact
    /// rows by all of them, targets by region, product and overlapping month, customers
    /// by region and product preference), and the dimension tables listing only the
    /// values those rows use. What an export of "the current view" writes.
    pub fn for_query(star: &'w StarSchema, query: &Query) -> Result<Self, QueryError> {
        let filtered = query.from.as_deref().is_some_and(|d| !d.trim().is_empty())
            || query.to.as_deref().is_some_and(|d| !d.trim().is_empty())
            || !query.regions.is_empty()
            || !query.products.is_empty()
            || !query.channels.is_empty();
        Ok(Catalog {
            star,
            scope: Scope::new(star, query)?,
            filtered,
        })
    }

    /// The schema of the warehouse (the same whatever the scope).
    pub fn schema(&self) -> Schema {
        schema(self.star)
    }

    fn tenant_rows(&self, tenant: &KeyColumn) -> Vec<u32> {
        fn rows_of<K: Key>(scope: &Scope<'_>, keys: &[K]) -> Vec<u32> {
            let mut rows = Vec::with_capacity(keys.len());
            for (r, k) in keys.iter().enumerate() {
                if scope.has_tenant(k.key()) {
                    rows.push(r as u32);
                }
            }
            rows
        }
        crate::with_keys!(tenant, |keys| rows_of(&self.scope, keys))
    }

    /// The rows in scope of a base table, in storage order.
    fn base_rows(&self, table: Table) -> Vec<u32> {
        let star = self.star;
        let (f, t, c) = (&star.campaigns, &star.targets, &star.customers);
        if !self.filtered {
            return match table {
                Table::FactCampaigns => self.tenant_rows(&f.tenant),
                Table::DimSalesTargets => self.tenant_rows(&t.tenant),
                _ => self.tenant_rows(&c.tenant),
            };
        }
        match table {
            Table::FactCampaigns => crate::with_keys!(f.tenant, |tenant| {
                let mut rows = Vec::new();
                self.scope
                    .for_each_campaign_row(tenant, |r| rows.push(r as u32));
                rows
            }),
            Table::DimSalesTargets => self.scope.target_rows().map(|r| r as u32).collect(),
            _ => self.scope.customer_rows().map(|r| r as u32).collect(),
        }
    }

    /// Scans `table` with `columns`: the rows of the scope's tenants only.
    pub fn scan(&self, table: &str, columns: &[String]) -> Result<ScanOutput<'w>, String> {
        let decl = decl(table).ok_or_else(|| format!("no such table: {table}"))?;
        let star = self.star;
        let (rows, dims) = match decl.table {
            Table::FactCampaigns | Table::DimSalesTargets | Table::DimCustomers => {
                (self.base_rows(decl.table), Vec::new())
            }
            _ => {
                let dims = self.dimension(decl.table);
                let len = dims.first().map_or(0, Vec::len);
                ((0..len as u32).collect(), dims)
            }
        };
        let dims: Vec<Rc<Vec<Val<'w>>>> = dims.into_iter().map(Rc::new).collect();
        let mut out = Vec::with_capacity(columns.len());
        for name in columns {
            if name.is_empty() {
                out.push(None);
                continue;
            }
            let column = match decl
                .columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(name))
            {
                Some(c) => match c.source {
                    Source::Dim(i) => Column::Values(dims.get(i).cloned().unwrap_or_default()),
                    source => self.column(source),
                },
                None => {
                    let extras = extras_of(star, decl.table)
                        .ok_or_else(|| format!("no such column: {table}.{name}"))?;
                    let i = extras
                        .names
                        .iter()
                        .position(|n| n.eq_ignore_ascii_case(name))
                        .ok_or_else(|| format!("no such column: {table}.{name}"))?;
                    Column::Extra(&extras.columns[i], &extras.values)
                }
            };
            out.push(Some(column));
        }
        Ok(ScanOutput { columns: out, rows })
    }

    fn column(&self, source: Source) -> Column<'w> {
        let star = self.star;
        let (f, t, c, d) = (&star.campaigns, &star.targets, &star.customers, &star.dims);
        match source {
            Source::FactTenant => keys_of(&f.tenant, &d.tenant),
            Source::FactCampaign => Column::Ids(&f.campaign, &d.campaign),
            Source::FactCampaignName => Column::Ids(&f.campaign_name, &d.campaign_name),
            Source::FactDate => Column::Date(&f.date),
            Source::FactImpressions => Column::U32(&f.impressions),
            Source::FactClicks => Column::U32(&f.clicks),
            Source::FactConversions => Column::U32(&f.conversions),
            Source::FactSpend => Column::Money(&f.spend),
            Source::FactRevenue => Column::Money(&f.revenue),
            Source::FactRegion => keys_of(&f.region, &d.region),
            Source::FactProduct => keys_of(&f.product, &d.product),
            Source::FactChannel => keys_of(&f.channel, &d.channel),
            Source::FactCtr => Column::Ratio(Ratio::Ctr {
                clicks: &f.clicks,
                impressions: &f.impressions,
            }),
            Source::FactConversionRate => Column::Ratio(Ratio::ConversionRate {
                conversions: &f.conversions,
                clicks: &f.clicks,
            }),
            Source::FactRoi => Column::Ratio(Ratio::Roi {
                spend: &f.spend,
                revenue: &f.revenue,
            }),
            Source::FactRoas => Column::Ratio(Ratio::Roas {
                spend: &f.spend,
                revenue: &f.revenue,
            }),
            Source::FactCpc => Column::Ratio(Ratio::MoneyPer {
                money: &f.spend,
                count: &f.clicks,
            }),
            Source::FactCpa => Column::Ratio(Ratio::MoneyPer {
                money: &f.spend,
                count: &f.conversions,
            }),
            Source::FactProfit => Column::Profit {
                spend: &f.spend,
                revenue: &f.revenue,
            },
            Source::FactCategory => Column::Category {
                spend: &f.spend,
                revenue: &f.revenue,
            },
            Source::TargetTenant => keys_of(&t.tenant, &d.tenant),
            Source::TargetRegion => keys_of(&t.region, &d.region),
            Source::TargetProduct => keys_of(&t.product, &d.product),
            Source::TargetYear => Column::U16(&t.year),
            Source::TargetMonth => Column::U8(&t.month),
            Source::TargetRevenue => Column::Money(&t.target_revenue),
            Source::TargetConversions => Column::U32(&t.target_conversions),
            Source::TargetSpend => Column::Money(&t.target_spend),
            Source::TargetRoi => Column::Ratio(Ratio::Roi {
                spend: &t.target_spend,
                revenue: &t.target_revenue,
            }),
            Source::TargetRoas => Column::Ratio(Ratio::Roas {
                spend: &t.target_spend,
                revenue: &t.target_revenue,
            }),
            Source::CustomerTenant => keys_of(&c.tenant, &d.tenant),
            Source::CustomerId => Column::Ids(&c.customer, &d.customer),
            Source::CustomerName => Column::Ids(&c.customer_name, &d.customer_name),
            Source::CustomerRegion => keys_of(&c.region, &d.region),
            Source::CustomerPreference => keys_of(&c.product_preference, &d.product),
            Source::CustomerSpent => Column::Money(&c.total_spent),
            Source::CustomerOrders => Column::U32(&c.total_orders),
            Source::CustomerAvgOrder => Column::Ratio(Ratio::MoneyPer {
                money: &c.total_spent,
                count: &c.total_orders,
            }),
            Source::Dim(_) => Column::Values(Rc::default()),
        }
    }

    /// Marks the keys of `column` (of base table `table`) used by rows in scope.
    fn mark(&self, used: &mut Vec<bool>, table: Table, tenant: &KeyColumn, column: &KeyColumn) {
        let mut mark = |r: usize| {
            let k = column.get(r);
            if k != NULL_KEY {
                if used.len() <= k as usize {
                    used.resize(k as usize + 1, false);
                }
                used[k as usize] = true;
            }
        };
        if self.filtered {
            self.base_rows(table)
                .into_iter()
                .for_each(|r| mark(r as usize));
        } else {
            (0..column.len())
                .filter(|&r| self.scope.has_tenant(tenant.get(r)))
                .for_each(mark);
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
                self.mark(&mut used, Table::FactCampaigns, &f.tenant, &f.region);
                self.mark(&mut used, Table::DimSalesTargets, &t.tenant, &t.region);
                self.mark(&mut used, Table::DimCustomers, &c.tenant, &c.region);
                vec![self.used_values(&d.region, &used)]
            }
            Table::DimProduct => {
                let mut used = Vec::new();
                self.mark(&mut used, Table::FactCampaigns, &f.tenant, &f.product);
                self.mark(&mut used, Table::DimSalesTargets, &t.tenant, &t.product);
                self.mark(
                    &mut used,
                    Table::DimCustomers,
                    &c.tenant,
                    &c.product_preference,
                );
                vec![self.used_values(&d.product, &used)]
            }
            Table::DimChannel => {
                let mut used = Vec::new();
                self.mark(&mut used, Table::FactCampaigns, &f.tenant, &f.channel);
                vec![self.used_values(&d.channel, &used)]
            }
            Table::DimDate => {
                let mut days: Vec<Day> = self
                    .base_rows(Table::FactCampaigns)
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
                for r in self.base_rows(Table::FactCampaigns) {
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

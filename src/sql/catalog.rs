//! The SQL tables over the star schema: the schema listing and the scans that read the
//! columns in place under a tenant scope, both derived from the model's column table
//! ([`crate::model::columns`]): a stored column is found by the [`Column`] its star
//! table stores, a derived one computed from its [`Formula`], a dimension table's
//! materialized by its columns' meaning. Nothing here lists the star schema's columns.
//!
//! The tenant scope is applied here, at the scan: a scan yields only the rows of the
//! scope's tenants, and the dimension tables (`dim_region`, `dim_date`, ...) list only
//! the values used by those rows, as a warehouse that never saw the other tenants would.
//! A query cannot reach past it, whatever it says.

use crate::model::columns::{Column, Formula, Table, TableKind, TABLES};
use crate::model::date::{date_attributes, Day};
use crate::model::dict::{Dictionary, NULL_KEY};
use crate::model::keys::{Key, KeyColumn, Keys};
use crate::model::star::{Extras, StarSchema, StoredColumn, Values};
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
    table.def().kind().map(|kind| star.stored(kind).2)
}

/// The schema of `star`: the declared tables, each followed by its extra columns (a
/// name that a declared column already has is left out).
pub fn schema(star: &StarSchema) -> Schema {
    Schema {
        tables: TABLES
            .iter()
            .map(|t| {
                let mut columns: Vec<ColumnSchema> = t
                    .columns()
                    .map(|c| ColumnSchema {
                        name: c.name().to_string(),
                        ty: c.ty().sql_type(),
                        kind: c.ty(),
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
pub enum RowRatio<'w> {
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

/// What runs with a ratio's per-row function (see [`RowRatio::apply`]).
pub trait PerRow {
    type Out;
    fn run(self, get: impl Fn(usize) -> Option<f64>) -> Self::Out;
}

impl RowRatio<'_> {
    /// The ratio at `row`.
    #[inline]
    pub fn get(&self, r: usize) -> Option<f64> {
        struct At(usize);
        impl PerRow for At {
            type Out = Option<f64>;
            #[inline(always)]
            fn run(self, get: impl Fn(usize) -> Option<f64>) -> Option<f64> {
                get(self.0)
            }
        }
        self.apply(At(r))
    }

    /// Runs `p` with this ratio's per-row function, the variant matched once: a loop
    /// over rows in `p` is compiled per formula instead of matching every row.
    #[inline]
    pub fn apply<P: PerRow>(&self, p: P) -> P::Out {
        match *self {
            RowRatio::Ctr {
                clicks,
                impressions,
            } => p.run(|r| metrics::ctr(u64::from(clicks[r]), u64::from(impressions[r]))),
            RowRatio::ConversionRate {
                conversions,
                clicks,
            } => {
                p.run(|r| metrics::conversion_rate(u64::from(conversions[r]), u64::from(clicks[r])))
            }
            // Stored money is never negative, so `revenue - spend` fits an i64 and the
            // 64-bit form gives the same double without a 128-bit conversion.
            RowRatio::Roi { spend, revenue } => p.run(|r| metrics::row_roi(spend[r], revenue[r])),
            RowRatio::Roas { spend, revenue } => {
                p.run(|r| metrics::roas(i128::from(spend[r]), i128::from(revenue[r])))
            }
            RowRatio::MoneyPer { money, count } => {
                p.run(|r| metrics::money_per(i128::from(money[r]), u64::from(count[r])))
            }
        }
    }
}

/// The scan column at plan position `at`.
pub(crate) fn column_at<'c, 'w>(
    columns: &'c [(usize, ScanColumn<'w>)],
    at: usize,
) -> Option<&'c ScanColumn<'w>> {
    columns.iter().find(|(i, _)| *i == at).map(|(_, c)| c)
}

/// One column of a scan, read in place from the star schema's typed vectors, so the
/// executor's fast paths can run over slices (and [`ScanColumn::get`] gives the SQL value
/// of one row for the general path).
#[derive(Clone)]
pub enum ScanColumn<'w> {
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
    Ratio(RowRatio<'w>),
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

/// A joined column's values and its lookup by base row (see [`ScanColumn::Joined`]).
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

impl<'w> ScanColumn<'w> {
    /// The SQL value at `row`.
    #[inline]
    pub fn get(&self, r: usize) -> Val<'w> {
        match self {
            ScanColumn::Keys(keys, dict) => {
                let k = match keys {
                    Keys::Narrow(k) => k[r].key(),
                    Keys::Wide(k) => k[r],
                };
                text_of(dict, k)
            }
            ScanColumn::Ids(ids, dict) => text_of(dict, ids[r]),
            ScanColumn::Extra(ids, dict) => ids.get(r).map_or(Val::Null, |&k| text_of(dict, k)),
            ScanColumn::U32(v) => Val::Int(i64::from(v[r])),
            ScanColumn::U16(v) => Val::Int(i64::from(v[r])),
            ScanColumn::U8(v) => Val::Int(i64::from(v[r])),
            ScanColumn::Money(v) => Val::Money(i128::from(v[r])),
            ScanColumn::Profit { spend, revenue } => {
                Val::Money(i128::from(revenue[r]) - i128::from(spend[r]))
            }
            ScanColumn::Date(v) => Val::Date(v[r]),
            ScanColumn::Ratio(ratio) => ratio.get(r).map_or(Val::Null, Val::real),
            ScanColumn::Category { spend, revenue } => {
                Val::Str(PerformanceCategory::of(spend[r], revenue[r]).label())
            }
            ScanColumn::Values(values) => values.get(r).cloned().unwrap_or(Val::Null),
            ScanColumn::Joined(j) => j.at(r).map_or(Val::Null, |i| j.values[i].clone()),
        }
    }
}

/// The rows of a table in scope, and a column per requested column (`None` for a
/// column the plan does not read, named `""`).
pub struct ScanOutput<'w> {
    pub columns: Vec<Option<ScanColumn<'w>>>,
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

fn keys_of<'w>(column: &'w KeyColumn, dict: &'w Dictionary) -> ScanColumn<'w> {
    ScanColumn::Keys(column.keys(), dict)
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

    /// The star schema as a dashboard query sees it: the tenant scope and every filter,
    /// applied as [`Scope`] applies them (fact rows by all of them, targets by region,
    /// product and month, customers by region and product preference), and the
    /// dimension tables listing only the values those rows use. What an export of "the
    /// current view" writes, and what a dashboard's SQL sees under the same query
    /// ([`crate::sql::run_query`]).
    pub fn for_query(star: &'w StarSchema, query: &Query) -> Result<Self, QueryError> {
        let scope = Scope::new(star, query)?;
        Ok(Catalog {
            star,
            filtered: scope.has_filters(),
            scope,
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

    /// The rows in scope of a stored table, in storage order.
    fn base_rows(&self, table: TableKind) -> Vec<u32> {
        let star = self.star;
        let (f, t, c) = (&star.campaigns, &star.targets, &star.customers);
        if !self.filtered {
            return match table {
                TableKind::Campaigns => self.tenant_rows(&f.tenant),
                TableKind::Targets => self.tenant_rows(&t.tenant),
                TableKind::Customers => self.tenant_rows(&c.tenant),
            };
        }
        match table {
            TableKind::Campaigns => crate::with_keys!(f.tenant, |tenant| {
                let mut rows = Vec::new();
                self.scope
                    .for_each_campaign_row(tenant, |r| rows.push(r as u32));
                rows
            }),
            TableKind::Targets => self.scope.target_rows().map(|r| r as u32).collect(),
            TableKind::Customers => self.scope.customer_rows().map(|r| r as u32).collect(),
        }
    }

    /// Scans `table` with `columns`: the rows of the scope's tenants only.
    pub fn scan(&self, table: &str, columns: &[String]) -> Result<ScanOutput<'w>, String> {
        let table_name = table;
        let table =
            Table::named(table_name).ok_or_else(|| format!("no such table: {table_name}"))?;
        let def = table.def();
        let no_column = |name: &str| format!("no such column: {table_name}.{name}");
        let (rows, dims) = match def.kind() {
            Some(kind) => (self.base_rows(kind), Vec::new()),
            None => {
                let dims = self.dimension(table);
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
            let column = match def
                .columns()
                .position(|c| c.name().eq_ignore_ascii_case(name))
            {
                Some(i) => match def.kind() {
                    Some(kind) => {
                        let declared = def.columns().nth(i).expect("a declared column");
                        self.base_column(kind, declared)
                            .ok_or_else(|| no_column(name))?
                    }
                    None => ScanColumn::Values(dims.get(i).cloned().unwrap_or_default()),
                },
                None => {
                    let extras = extras_of(self.star, table).ok_or_else(|| no_column(name))?;
                    let i = extras
                        .names
                        .iter()
                        .position(|n| n.eq_ignore_ascii_case(name))
                        .ok_or_else(|| no_column(name))?;
                    ScanColumn::Extra(&extras.columns[i], &extras.values)
                }
            };
            out.push(Some(column));
        }
        Ok(ScanOutput { columns: out, rows })
    }

    /// A stored table's column as the scan reads it: the star table's stored field for
    /// `column` (text through its dimension's dictionary), or computed from those by
    /// its [`Formula`]. `None` when the table stores no such column.
    fn base_column(&self, table: TableKind, column: Column) -> Option<ScanColumn<'w>> {
        if let Some(formula) = column.def().formula {
            return self.derived(table, formula);
        }
        let star: &'w StarSchema = self.star;
        let (_, stored, _) = star.stored(table);
        let stored = stored.into_iter().find(|c| c.column == column)?;
        let dict = stored.feeds.and_then(|feeds| star.dims.dict(feeds.dim));
        Some(match (stored.values, dict) {
            (Values::Keys(keys), Some(dict)) => keys_of(keys, dict),
            (Values::U32(ids), Some(dict)) => ScanColumn::Ids(ids, dict),
            (Values::U32(counts), None) => ScanColumn::U32(counts),
            (Values::U16(values), _) => ScanColumn::U16(values),
            (Values::U8(values), _) => ScanColumn::U8(values),
            (Values::I64(money), _) => ScanColumn::Money(money),
            (Values::Days(days), _) => ScanColumn::Date(days),
            (Values::Keys(_), None) => return None,
        })
    }

    /// A derived column of a stored table, per row from its stored operands.
    fn derived(&self, table: TableKind, formula: Formula) -> Option<ScanColumn<'w>> {
        let counts = |column| match self.base_column(table, column)? {
            ScanColumn::U32(counts) => Some(counts),
            _ => None,
        };
        let money = |column| match self.base_column(table, column)? {
            ScanColumn::Money(money) => Some(money),
            _ => None,
        };
        Some(match formula {
            Formula::Ctr {
                clicks,
                impressions,
            } => ScanColumn::Ratio(RowRatio::Ctr {
                clicks: counts(clicks)?,
                impressions: counts(impressions)?,
            }),
            Formula::ConversionRate {
                conversions,
                clicks,
            } => ScanColumn::Ratio(RowRatio::ConversionRate {
                conversions: counts(conversions)?,
                clicks: counts(clicks)?,
            }),
            Formula::Roi { spend, revenue } => ScanColumn::Ratio(RowRatio::Roi {
                spend: money(spend)?,
                revenue: money(revenue)?,
            }),
            Formula::Roas { spend, revenue } => ScanColumn::Ratio(RowRatio::Roas {
                spend: money(spend)?,
                revenue: money(revenue)?,
            }),
            Formula::MoneyPer { money: m, count } => ScanColumn::Ratio(RowRatio::MoneyPer {
                money: money(m)?,
                count: counts(count)?,
            }),
            Formula::Profit { spend, revenue } => ScanColumn::Profit {
                spend: money(spend)?,
                revenue: money(revenue)?,
            },
            Formula::Category { spend, revenue } => ScanColumn::Category {
                spend: money(spend)?,
                revenue: money(revenue)?,
            },
        })
    }

    /// Marks the keys of `column` (of stored table `table`) used by rows in scope.
    fn mark(&self, used: &mut Vec<bool>, table: TableKind, tenant: &KeyColumn, column: &KeyColumn) {
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

    /// The values of `column`'s dimension that rows in scope use, in any stored table
    /// whose text points into that dimension (a region of the facts, the targets or the
    /// customers; a product, or a customer's product preference); for the tenant, the
    /// scope's tenants.
    fn dimension_values(&self, column: Column) -> Vec<Val<'w>> {
        let star: &'w StarSchema = self.star;
        let tables = || {
            TableKind::ALL
                .into_iter()
                .map(|kind| (kind, star.stored(kind).1))
        };
        let Some(dim) = tables()
            .flat_map(|(_, stored)| stored)
            .find(|c| c.column == column)
            .and_then(|c| c.feeds)
            .map(|feeds| feeds.dim)
        else {
            return Vec::new();
        };
        let Some(dict) = star.dims.dict(dim) else {
            return Vec::new();
        };
        if column == Column::TenantId {
            return (0..dict.len() as u32)
                .filter(|&k| self.scope.has_tenant(k))
                .map(|k| text_of(dict, k))
                .collect();
        }
        let mut used = Vec::new();
        for (kind, stored) in tables() {
            let keys = |c: &StoredColumn<'w>| match c.values {
                Values::Keys(keys) => Some(keys),
                _ => None,
            };
            let Some(tenant) = stored
                .iter()
                .find(|c| c.column == Column::TenantId)
                .and_then(keys)
            else {
                continue;
            };
            for c in &stored {
                if c.feeds.is_some_and(|feeds| feeds.dim == dim) {
                    if let Some(values) = keys(c) {
                        self.mark(&mut used, kind, tenant, values);
                    }
                }
            }
        }
        self.used_values(dict, &used)
    }

    /// The columns of a dimension table in scope, materialized in its declared order.
    fn dimension(&self, table: Table) -> Vec<Vec<Val<'w>>> {
        let star = self.star;
        let declared = table.def().computed;
        match table {
            Table::DimDate => {
                let mut days: Vec<Day> = self
                    .base_rows(TableKind::Campaigns)
                    .into_iter()
                    .map(|r| star.campaigns.date[r as usize])
                    .collect();
                days.sort_unstable();
                days.dedup();
                declared
                    .iter()
                    .map(|&column| {
                        days.iter()
                            .map(|&day| date_attribute(column, day))
                            .collect()
                    })
                    .collect()
            }
            Table::DimCampaign => {
                // The distinct combinations of the declared fact columns' keys.
                let columns: Vec<ScanColumn<'w>> = declared
                    .iter()
                    .filter_map(|&c| self.base_column(TableKind::Campaigns, c))
                    .collect();
                let mut seen = std::collections::HashSet::new();
                let mut out = vec![Vec::new(); columns.len()];
                for r in self.base_rows(TableKind::Campaigns) {
                    let r = r as usize;
                    let key: Vec<u32> = columns.iter().map(|c| text_key(c, r)).collect();
                    if seen.insert(key) {
                        for (values, column) in out.iter_mut().zip(&columns) {
                            values.push(column.get(r));
                        }
                    }
                }
                out
            }
            _ => declared
                .iter()
                .map(|&column| self.dimension_values(column))
                .collect(),
        }
    }
}

/// The value of a `dim_date` column for `day`.
fn date_attribute<'w>(column: Column, day: Day) -> Val<'w> {
    let a = date_attributes(day);
    match column {
        Column::Year => Val::Int(i64::from(a.year)),
        Column::Quarter => Val::Int(i64::from(a.quarter)),
        Column::Month => Val::Int(i64::from(a.month)),
        Column::IsoWeek => Val::Int(i64::from(a.iso_week)),
        Column::Weekday => Val::Int(i64::from(a.weekday)),
        _ => Val::Date(day),
    }
}

/// A text column's key at row `r` (what makes two rows' text equal).
fn text_key(column: &ScanColumn<'_>, r: usize) -> u32 {
    match column {
        ScanColumn::Keys(Keys::Narrow(k), _) => k[r].key(),
        ScanColumn::Keys(Keys::Wide(k), _) => k[r],
        ScanColumn::Ids(ids, _) => ids[r],
        _ => NULL_KEY,
    }
}

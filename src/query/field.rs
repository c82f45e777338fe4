//! The filter fields of a [`Query`] that a click can set: declared once here, so the
//! charts (which say which field their categories and series filter), the page (its
//! chips and drill-down) and the tests name them the same way.
//!
//! ```
//! use bi_platform::query::field::Field;
//! use bi_platform::Query;
//! let mut query = Query::default();
//! Field::Channels.values_mut(&mut query).unwrap().push("Search".into());
//! assert_eq!(query.channels, vec!["Search"]);
//! assert_eq!(Field::from_name("performance_categories"), Some(Field::PerformanceCategories));
//! ```

use super::{Query, TenantScope};
use serde::{Deserialize, Serialize};

/// A filter of [`Query`] holding a set of values; its serde name is the query's field
/// name (`tenants`, `campaigns`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Tenants,
    Campaigns,
    Channels,
    Regions,
    Products,
    PerformanceCategories,
    /// Single days, `YYYY-MM-DD`.
    Dates,
    /// Calendar months, `YYYY-MM`.
    Months,
    /// Conversion funnel stages reached (see [`Query::stages`]).
    Stages,
}

impl Field {
    /// Every field, in the order the page lists its chips.
    pub const ALL: [Field; 9] = [
        Field::Tenants,
        Field::Campaigns,
        Field::Channels,
        Field::Regions,
        Field::Products,
        Field::PerformanceCategories,
        Field::Stages,
        Field::Months,
        Field::Dates,
    ];

    /// The query's field name (also the serde name).
    pub fn name(self) -> &'static str {
        match self {
            Field::Tenants => "tenants",
            Field::Campaigns => "campaigns",
            Field::Channels => "channels",
            Field::Regions => "regions",
            Field::Products => "products",
            Field::PerformanceCategories => "performance_categories",
            Field::Dates => "dates",
            Field::Months => "months",
            Field::Stages => "stages",
        }
    }

    /// What one value of the field is called, for chips and announcements ("Tenant acme").
    pub fn label(self) -> &'static str {
        match self {
            Field::Tenants => "Tenant",
            Field::Campaigns => "Campaign",
            Field::Channels => "Channel",
            Field::Regions => "Region",
            Field::Products => "Product",
            Field::PerformanceCategories => "Performance",
            Field::Dates => "Date",
            Field::Months => "Month",
            Field::Stages => "Funnel stage",
        }
    }

    /// Several values of the field, for a filter's name ("Regions: North").
    pub fn plural(self) -> &'static str {
        match self {
            Field::Tenants => "Tenants",
            Field::Campaigns => "Campaigns",
            Field::Channels => "Channels",
            Field::Regions => "Regions",
            Field::Products => "Products",
            Field::PerformanceCategories => "Performance categories",
            Field::Dates => "Days",
            Field::Months => "Months",
            Field::Stages => "Funnel stages",
        }
    }

    /// One value of the field in running text ("the funnel stage “x”").
    pub fn noun(self) -> &'static str {
        match self {
            Field::PerformanceCategories => "performance category",
            Field::Dates => "day",
            Field::Stages => "funnel stage",
            other => other.link_key(),
        }
    }

    /// The field's name in a view's address (`#tenant=a&tenant=b&day=2024-11-02`), a
    /// value's name repeated once per value.
    pub fn link_key(self) -> &'static str {
        match self {
            Field::Tenants => "tenant",
            Field::Campaigns => "campaign",
            Field::Channels => "channel",
            Field::Regions => "region",
            Field::Products => "product",
            Field::PerformanceCategories => "performance",
            Field::Dates => "day",
            Field::Months => "month",
            Field::Stages => "stage",
        }
    }

    /// The written form every value of the field has (`YYYY-MM-DD`, `YYYY-MM`), when it
    /// has one: a value of another form cannot match anything.
    pub fn form(self) -> Option<&'static str> {
        match self {
            Field::Dates => Some("YYYY-MM-DD"),
            Field::Months => Some("YYYY-MM"),
            _ => None,
        }
    }

    /// Every value the field can take, when they are fixed (the funnel stages).
    pub fn choices(self) -> Option<&'static [&'static str]> {
        match self {
            Field::Stages => Some(&super::STAGES),
            _ => None,
        }
    }

    /// The dashboards' result column holding values of the field (a click on a table
    /// cell of that column filters by it); `None` for months, which results hold as
    /// `year` and `month`, and for funnel stages, which are columns, not values.
    pub fn column(self) -> Option<&'static str> {
        use crate::model::columns::Column;
        Some(
            match self {
                Field::Tenants => Column::TenantId,
                Field::Campaigns => Column::CampaignId,
                Field::Channels => Column::Channel,
                Field::Regions => Column::Region,
                Field::Products => Column::Product,
                Field::PerformanceCategories => Column::PerformanceCategory,
                Field::Dates => Column::Date,
                Field::Months | Field::Stages => return None,
            }
            .name(),
        )
    }

    /// The field called `name`.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The field's values in `query` (none for a query that sees every tenant).
    pub fn values(self, query: &Query) -> &[String] {
        match self {
            Field::Tenants => match &query.tenants {
                TenantScope::All => &[],
                TenantScope::Only(ids) => ids,
            },
            Field::Campaigns => &query.campaigns,
            Field::Channels => &query.channels,
            Field::Regions => &query.regions,
            Field::Products => &query.products,
            Field::PerformanceCategories => &query.performance_categories,
            Field::Dates => &query.dates,
            Field::Months => &query.months,
            Field::Stages => &query.stages,
        }
    }

    /// The field's values in `query`, to change them. `None` for the tenants of a query
    /// that sees every tenant: that scope is not a list (set [`Query::tenants`] to a
    /// [`TenantScope::Only`] to start one).
    pub fn values_mut(self, query: &mut Query) -> Option<&mut Vec<String>> {
        Some(match self {
            Field::Tenants => match &mut query.tenants {
                TenantScope::All => return None,
                TenantScope::Only(ids) => ids,
            },
            Field::Campaigns => &mut query.campaigns,
            Field::Channels => &mut query.channels,
            Field::Regions => &mut query.regions,
            Field::Products => &mut query.products,
            Field::PerformanceCategories => &mut query.performance_categories,
            Field::Dates => &mut query.dates,
            Field::Months => &mut query.months,
            Field::Stages => &mut query.stages,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_are_the_query_field_names() {
        for field in Field::ALL {
            let json = serde_json::to_value(field).unwrap();
            assert_eq!(json, serde_json::json!(field.name()));
            assert_eq!(Field::from_name(field.name()), Some(field));
            // The query has a field of that name: setting it through JSON works.
            let query: Query =
                serde_json::from_value(serde_json::json!({ field.name(): ["x"] })).unwrap();
            let mut q = query.clone();
            assert_eq!(field.values_mut(&mut q).unwrap(), &vec!["x".to_string()]);
        }
        assert_eq!(Field::from_name("tenant"), None);
        // An address names each field once.
        let keys: std::collections::HashSet<_> = Field::ALL.map(Field::link_key).into();
        assert_eq!(keys.len(), Field::ALL.len());
        // Each column a field names is a column of some dashboard.
        let columns: Vec<&str> = crate::Dashboard::ALL
            .into_iter()
            .flat_map(|d| d.columns().iter().map(|c| c.name))
            .collect();
        for field in Field::ALL {
            if let Some(column) = field.column() {
                assert!(columns.contains(&column), "{column}");
            }
        }
    }
}

//! What the layers above the query layer read: a star schema and its dashboards.
//!
//! The pivot and the charts take a `&dyn QuerySource`, not the warehouse facade: the
//! facade ([`crate::Warehouse`]) implements it (answering dashboards with the orderings
//! it keeps per state), so the facade depends on the query layer and the frontends
//! above it never name the facade.

use super::result::DashboardResult;
use super::{Dashboard, Query, QueryError};
use crate::model::star::StarSchema;

/// A star schema that answers dashboards.
pub trait QuerySource {
    /// The star schema, read-only.
    fn star(&self) -> &StarSchema;

    /// Which state of which source this is: a number that changes with every load, so
    /// results kept outside it (a chart memo) know when they are stale.
    fn version(&self) -> u64;

    /// Every tenant id in any table, in byte order.
    fn tenants(&self) -> Vec<&str>;

    /// Runs one dashboard under the query's tenant scope and filters.
    fn dashboard(
        &self,
        dashboard: Dashboard,
        query: &Query,
    ) -> Result<DashboardResult<'_>, QueryError>;
}

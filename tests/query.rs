//! The dashboards and what a query asks of them (SPEC §6, §7): the seed files' answers
//! computed independently, target_vs_actual's rules, results and load reports as JSON,
//! and the tenant scope as a wall under any filter, click-to-filter and drill-down.
//!
//! One binary per area (see tests/ingest.rs); these modules are tests/query/*.rs.

mod common;

// Declared in this block, the modules are tests/query/*.rs.
mod query {
    mod dashboards;
    mod seed_data;
    mod tenant_filters;
    mod tenant_scope;
}

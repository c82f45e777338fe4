//! # bi-platform
//!
//! Private, instant business intelligence over marketing files: CSV/TSV, XLSX and JSON
//! in, a validated columnar star schema and per-tenant dashboards out — natively (the
//! `bi-platform` command, crates/cli) or in the browser (compiled to WebAssembly through
//! the binding crates crates/web, web-sql, web-parquet and web-xlsx).
//!
//! The engine is plain Rust with no browser types:
//!
//! - [`ingest`]: bytes (or a stream of chunks) into staged rows — format sniffing,
//!   encodings, delimited text, XLSX, JSON;
//! - [`transform`]: value parsing, validation, derived metrics;
//! - [`model`]: the dictionary-encoded, fixed-point star schema;
//! - [`query`]: tenant scope, filters and the dashboards;
//! - [`warehouse`]: the facade tying them together;
//! - [`view`]: everything the page shows for one query, each dashboard computed once;
//! - [`snapshot`]: the warehouse as bytes, to keep it across page reloads;
//! - [`memory`]: the heap counter and the memory budget that keeps a huge file from
//!   exhausting the browser's 4 GiB.
//!
//! ```
//! use bi_platform::{Dashboard, Query, TenantScope, Warehouse};
//! let mut warehouse = Warehouse::new();
//! warehouse.load("c.csv", b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
//!                          a,c1,2024-11-01,100,10,1,1.00,3.00\nb,c1,2024-11-01,100,10,1,2.00,3.00\n");
//! let query = Query { tenants: TenantScope::Only(vec!["a".into()]), ..Query::default() };
//! let result = warehouse.dashboard(Dashboard::CampaignSummary, &query).unwrap();
//! assert_eq!(result.rows.len(), 1);
//! ```

pub mod chart;
pub mod error;
pub mod export;
#[cfg(all(feature = "sqlite", not(target_arch = "wasm32")))]
pub mod export_sqlite;
pub mod generate;
pub mod ingest;
pub mod memory;
pub mod model;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod pivot;
// The pivot as a workbook keeping its layout: the CLI's `pivot --xlsx`, and the page's
// on-demand XLSX module (www/pkg-xlsx/).
#[cfg(feature = "xlsx-writer")]
pub mod pivot_xlsx;
pub mod query;
pub mod report;
pub mod snapshot;
pub mod sql;
pub mod transform;
pub mod view;
pub mod warehouse;

/// Every heap allocation is counted, so that a load can be refused before the wasm32
/// memory runs out ([`memory`]); the same allocator runs natively.
#[global_allocator]
static ALLOCATOR: memory::CountingAllocator = memory::CountingAllocator;

pub use error::LoadError;
pub use query::result::{DashboardResult, Value};
pub use query::{Dashboard, Query, QueryError, TenantScope};
pub use report::{LoadReport, RejectedRow};
pub use warehouse::Warehouse;

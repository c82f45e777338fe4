//! Pivot tables over `fact_campaigns` (issue 13): any dimensions in rows and columns, any
//! measures, subtotals, grand totals, sorting and top-N with "Others", always under a
//! [`Query`]'s tenant scope and filters.
//!
//! The fields and measures are declared once ([`catalog`]); the page builds its choosers
//! from that table and sends back their ids. A pivot is computed like the dashboards:
//!
//! 1. each field maps a fact row to a small dense code (a dictionary key, a date bucket
//!    relative to the first fact date, a performance category), and the codes of all
//!    fields combine in mixed radix into one group number, looked up in a dense table
//!    when the product of the fields' cardinalities is small (the usual case) or a hash
//!    map otherwise;
//! 2. one pass over the rows in scope ([`Scope::for_each_campaign_row`]) adds each row to
//!    its group's accumulators: row count, and for each numeric column the measures need,
//!    its exact integer sum (money in millionths, `i128`), min, max and distinct values;
//! 3. the groups fold into the row and column trees (every prefix of the row fields by
//!    every prefix of the column fields), so subtotals and grand totals are sums of the
//!    same integers as the cells and add up exactly; ratios (CTR, ROI, ...) are computed
//!    from those sums, never averaged.
//!
//! ```
//! use bi_platform::pivot::{pivot, PivotRequest};
//! use bi_platform::{Query, Warehouse};
//! let mut w = Warehouse::new();
//! w.load("c.csv", b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
//!                  a,c1,2024-11-01,100,10,1,1.00,3.00\na,c2,2024-12-01,300,20,2,2.50,1.00\n");
//! let request: PivotRequest = serde_json::from_str(
//!     r#"{"rows": ["tenant"], "columns": ["month"], "measures": ["sum:clicks", "ctr"]}"#).unwrap();
//! let result = pivot(&w, &Query::default(), &request).unwrap();
//! // Two months and their total, each with two measures.
//! assert_eq!(result.columns.len(), 6);
//! // The tenant's row, then the grand total.
//! assert_eq!(result.rows.len(), 2);
//! assert_eq!(result.cells[0][4].as_f64(), Some(30.0));
//! assert_eq!(result.cells[0][5].as_f64(), Some(30.0 / 400.0));
//! ```

mod accs;
mod axis;
mod compute;
mod result;
mod spec;
#[cfg(test)]
mod tests;

pub use axis::Label;
pub use compute::{pivot, pivot_star};
pub use result::{FieldInfo, Header, HeaderKind, PivotResult, ValueColumn};
pub use spec::{
    choices, Aggregate, Choice, Choices, Field, Grain, Measure, PivotError, PivotRequest,
    PivotSort, Ratio, Source, TopN, ValueType, MAX_CELLS, MAX_EXTRA_VALUES, MAX_FIELDS,
};

//! The load report (SPEC §7): what happened to every row of a file.

use serde::Serialize;
use std::collections::BTreeMap;

/// One rejected row: where it was and why, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedRow {
    /// 1-based line of the row's first physical line (delimited text), sheet row (XLSX),
    /// line (newline-delimited JSON) or position of the object (JSON array).
    pub line: u64,
    /// The sheet, for XLSX rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The canonical name of the offending column; `None` when the row as a whole is
    /// wrong (too many fields, not an object).
    pub column: Option<String>,
    /// Why the row was rejected.
    pub reason: String,
}

/// What loading one file into one table did. `rows_read = rows_loaded + rows_rejected`
/// always holds; `rows_replaced` counts loaded rows that replaced an earlier row with
/// the same key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadReport {
    pub file: String,
    /// `fact_campaigns`, `dim_sales_targets` or `dim_customers`; `None` when the file
    /// could not be read.
    pub table: Option<&'static str>,
    /// The sheets loaded into this table (XLSX only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheets: Option<Vec<String>>,
    pub rows_read: u64,
    pub rows_loaded: u64,
    pub rows_rejected: u64,
    pub rows_replaced: u64,
    /// Loaded rows that raised each warning rule (only rules that fired).
    pub warnings: BTreeMap<String, u64>,
    /// Every rejected row, in source order.
    pub rejected: Vec<RejectedRow>,
    /// Columns the table does not know, kept as text attributes.
    pub extra_columns: Vec<String>,
    /// The earlier file with the same bytes, when this load was a no-op.
    pub unchanged_from: Option<String>,
    /// Why the file could not be read at all.
    pub error: Option<String>,
    /// Where an ad platform's export came from. Not part of SPEC §7's JSON (which
    /// permits no such field), so never serialized with the report: the command line
    /// prints it in its table output, the page shows it on the file's card.
    #[serde(skip)]
    pub source: Option<SourceNote>,
}

/// What an ad platform's export said about its rows (SPEC §1): the platform, where the
/// tenant came from, and the currencies its money columns are in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceNote {
    /// "Google Ads", "Meta Ads", ...
    pub platform: &'static str,
    /// Where the tenant came from, in words ("account column Customer ID", "column
    /// tenant_id", "given for this file").
    pub tenant_from: String,
    /// The tenant the user gave for this file, when it names none.
    pub tenant: Option<String>,
    /// The currencies the export's money columns are in (from a header's unit, as in
    /// `Amount spent (USD)`, or its currency column), in order of appearance.
    pub currencies: Vec<String>,
}

impl LoadReport {
    /// An empty report for `file`.
    pub fn new(file: &str, table: Option<&'static str>) -> Self {
        LoadReport {
            file: file.to_string(),
            table,
            sheets: None,
            rows_read: 0,
            rows_loaded: 0,
            rows_rejected: 0,
            rows_replaced: 0,
            warnings: BTreeMap::new(),
            rejected: Vec::new(),
            extra_columns: Vec::new(),
            unchanged_from: None,
            error: None,
            source: None,
        }
    }

    /// The report of a file that could not be read at all.
    pub fn failed(file: &str, error: String) -> Self {
        LoadReport {
            error: Some(error),
            ..LoadReport::new(file, None)
        }
    }

    /// `true` when the file was read (whatever happened to its rows).
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }
}

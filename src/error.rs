//! Errors that stop a whole file from loading. Problems of single rows are not errors:
//! they go into the load report as rejected rows.

use thiserror::Error;

/// Why a file could not be read at all. Each message says what is wrong and, where it
/// can, what would make the file acceptable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LoadError {
    /// Zero bytes, or nothing but whitespace.
    #[error("the file is empty")]
    Empty,
    /// Not UTF-8, and a byte that Windows-1252 leaves undefined rules that out too.
    #[error(
        "the file is neither UTF-8 nor Windows-1252 text: byte 0x{byte:02X} at offset {offset} \
         is undefined in Windows-1252; save it as UTF-8 and load it again"
    )]
    UnknownEncoding { byte: u8, offset: u64 },
    /// No header line matched any table.
    #[error(
        "no table matches this file: the closest is {closest}{where_}, which also needs the \
         column{s} {missing} (the header must be within the first 20 lines or rows)",
        where_ = match (sheet, line) {
            (Some(sheet), Some(line)) => format!(" (sheet '{sheet}', row {line})"),
            (None, Some(line)) => format!(" (header on line {line})"),
            _ => String::new(),
        },
        s = if missing.len() == 1 { "" } else { "s" },
        missing = missing.join(", ")
    )]
    NoTableMatches {
        closest: &'static str,
        missing: Vec<&'static str>,
        sheet: Option<String>,
        line: Option<u64>,
    },
    /// An ad platform's report summed over its period: it has no day column.
    #[error(
        "this {platform} report has no day column, so each row sums a campaign over the \
         whole period: download it again broken down by day (\"by day\", a Day or Date \
         column), one row per campaign and day"
    )]
    NotByDay { platform: &'static str },
    /// An ad platform's export with neither a tenant nor an account column, and no
    /// tenant given for it.
    #[error(
        "this {platform} export names no tenant (it has no tenant or account column): say \
         which client it is for (the command line's --tenant-for FILE=TENANT, the page's \
         question)"
    )]
    NoTenant { platform: &'static str },
    /// The workbook's zip or XML is broken.
    #[error("the workbook cannot be read: {0}")]
    Workbook(String),
    /// The workbook has no sheet with a matching header.
    #[error("the workbook has no sheets")]
    NoSheets,
    /// The JSON text is malformed.
    #[error("the JSON is not valid at line {line}, column {column}: {message}")]
    Json {
        line: u64,
        column: u64,
        message: String,
    },
    /// The JSON is valid but not rows of objects.
    #[error("the JSON holds no rows: expected an array of objects, an object with one array of rows, or one object per line")]
    JsonShape,
    /// The Parquet file cannot be read: its footer, a page or a codec (the message
    /// says which, and what to do).
    #[error("the Parquet file cannot be read: {0}")]
    Parquet(String),
    /// The file is one of the tables the engine derives (a dimension of an export,
    /// recognised by its exact columns), not an input.
    #[error(
        "this file holds {table}, a table the engine derives from the others (as written by \
         an export); nothing was added. Load an export's fact_campaigns, dim_sales_targets \
         and dim_customers files instead"
    )]
    DerivedTable { table: &'static str },
    /// A resource limit was reached.
    #[error("{0}")]
    Limit(String),
    /// Loading the file would take the engine's heap past its memory budget
    /// ([`crate::memory::OverBudget`] says by how much).
    #[error(transparent)]
    OutOfMemory(#[from] crate::memory::OverBudget),
}

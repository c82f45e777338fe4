//! Rows that arrive column by column, as cell text: how a Parquet file (or any columnar
//! source) is loaded.
//!
//! A columnar reader (the Parquet decoder in `crate::ingest::parquet`, natively or in
//! the page's Parquet module) decodes each row group into a [`CellBatch`]: per column,
//! the text a CSV file would hold in that cell (`2024-11-01` for a DATE, `12.500000`
//! for a DECIMAL, nothing for a null). [`ColumnarReader`] feeds those rows to the same
//! [`TableBuilder`] the CSV path uses, so the table is chosen from the column names
//! (SPEC §1 aliases apply) and every value and row rule of SPEC §3/§4 holds by
//! construction; rejects carry the 1-based row number of the file.
//!
//! This module has no Parquet dependency: it is in the engine's first download, and
//! the page hands it batches that its lazily loaded Parquet module decoded
//! ([`CellBatch::from_bytes`] is the wire format between the two wasm modules).

use crate::error::LoadError;
use crate::model::columns::{Column, TABLES};
use crate::model::schema::{best_table, ColumnTarget, HeaderMatch};
use crate::transform::stage::{Cell, RowCells, StagedTable, TableBuilder};
use crate::transform::value::NumberFormat;

/// One column of a batch: every row's cell text, concatenated. An empty cell is a
/// missing value (SPEC §3), which is what a null becomes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellColumn {
    /// The cells' bytes, back to back.
    pub text: Vec<u8>,
    /// Where each row's cell ends in `text` (one entry per row).
    pub ends: Vec<u32>,
}

impl CellColumn {
    /// Appends one cell (empty for a null).
    #[inline]
    pub fn push(&mut self, cell: &[u8]) {
        self.text.extend_from_slice(cell);
        self.ends.push(self.text.len() as u32);
    }

    /// Appends a null.
    #[inline]
    pub fn push_null(&mut self) {
        self.ends.push(self.text.len() as u32);
    }

    /// The cell of `row`.
    #[inline]
    pub fn get(&self, row: usize) -> &[u8] {
        let start = if row == 0 {
            0
        } else {
            self.ends[row - 1] as usize
        };
        &self.text[start..self.ends[row] as usize]
    }

    /// Rows held.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// No rows held.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// A run of rows (one Parquet row group), column by column, in the file's column order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellBatch {
    pub columns: Vec<CellColumn>,
}

/// Why batch bytes could not be read back ([`CellBatch::from_bytes`]).
const BAD_BATCH: &str = "the Parquet module handed over a damaged batch of rows";

impl CellBatch {
    /// Rows in the batch (every column has as many).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, CellColumn::len)
    }

    /// The batch as bytes, for handing from one wasm module to another: column count,
    /// row count, then per column its text length, text and row ends (little-endian
    /// `u32`s).
    pub fn to_bytes(&self) -> Vec<u8> {
        let size: usize = self
            .columns
            .iter()
            .map(|c| 4 + c.text.len() + 4 * c.ends.len())
            .sum();
        let mut out = Vec::with_capacity(8 + size);
        out.extend_from_slice(&(self.columns.len() as u32).to_le_bytes());
        out.extend_from_slice(&(self.rows() as u32).to_le_bytes());
        for column in &self.columns {
            out.extend_from_slice(&(column.text.len() as u32).to_le_bytes());
            out.extend_from_slice(&column.text);
            for end in &column.ends {
                out.extend_from_slice(&end.to_le_bytes());
            }
        }
        out
    }

    /// Reads [`CellBatch::to_bytes`]'s output back, checking every length and offset.
    pub fn from_bytes(bytes: &[u8]) -> Result<CellBatch, LoadError> {
        let bad = || LoadError::Parquet(BAD_BATCH.to_string());
        let mut at = 0usize;
        let u32_at = |at: &mut usize| -> Result<u32, LoadError> {
            let b = bytes.get(*at..*at + 4).ok_or_else(bad)?;
            *at += 4;
            Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        let columns = u32_at(&mut at)? as usize;
        let rows = u32_at(&mut at)? as usize;
        let mut batch = CellBatch::default();
        for _ in 0..columns {
            let len = u32_at(&mut at)? as usize;
            let text = bytes.get(at..at + len).ok_or_else(bad)?.to_vec();
            at += len;
            let mut ends = Vec::with_capacity(rows.min(bytes.len() / 4));
            let mut last = 0;
            for _ in 0..rows {
                let end = u32_at(&mut at)?;
                if end < last || end as usize > len {
                    return Err(bad());
                }
                last = end;
                ends.push(end);
            }
            batch.columns.push(CellColumn { text, ends });
        }
        if at != bytes.len() {
            return Err(bad());
        }
        Ok(batch)
    }
}

/// One row of a batch, as the staging sees rows.
struct BatchRow<'b> {
    batch: &'b CellBatch,
    row: usize,
}

impl RowCells for BatchRow<'_> {
    fn cell(&self, index: usize) -> Cell<'_> {
        match self.batch.columns.get(index) {
            Some(column) => match column.get(self.row) {
                [] => Cell::Empty,
                text => Cell::Text(text),
            },
            None => Cell::Empty,
        }
    }
}

/// The header with the table's derived columns (`ctr`, `roi`, `profit`, ... as the
/// column table declares them, and so as the Parquet export writes them) ignored: the engine
/// computes them from the stored columns, so reading an export back gives the warehouse
/// it came from, not one with a text copy of each metric as an extra column.
fn without_derived(mut matched: HeaderMatch) -> HeaderMatch {
    let computed = matched.table.table().def().computed;
    let derived = |name: &str| computed.iter().any(|c| c.name() == name);
    let targets = matched
        .targets
        .iter()
        .map(|target| match target {
            ColumnTarget::Extra(name) if derived(name) => ColumnTarget::Ignored,
            other => other.clone(),
        })
        .collect();
    matched.targets = targets;
    matched
}

/// The table (a dimension the engine derives) whose columns are exactly `header`, as
/// the export writes it.
fn derived_table(header: &[String]) -> Option<&'static str> {
    TABLES
        .iter()
        .find(|t| {
            t.columns()
                .map(Column::name)
                .eq(header.iter().map(String::as_str))
        })
        .map(|t| t.name)
}

/// Stages a columnar file's rows, batch by batch.
pub struct ColumnarReader {
    builder: TableBuilder,
    columns: usize,
    rows: u64,
}

impl ColumnarReader {
    /// A reader for a file with these column names, or why no table fits them.
    pub fn new(header: &[String]) -> Result<Self, LoadError> {
        let matched = best_table(header).map_err(|near| match derived_table(header) {
            Some(table) => LoadError::DerivedTable { table },
            None => near.refusal(None, None),
        })?;
        let matched = without_derived(matched);
        let mut builder = TableBuilder::new(matched.table);
        builder.begin_section(&matched, None, NumberFormat::default(), false);
        Ok(ColumnarReader {
            builder,
            columns: header.len(),
            rows: 0,
        })
    }

    /// Stages the next batch's rows; their row numbers continue the previous batch's.
    pub fn push(&mut self, batch: &CellBatch) -> Result<(), LoadError> {
        if batch.columns.len() != self.columns {
            return Err(LoadError::Parquet(format!(
                "a row group has {} columns where the file declares {}",
                batch.columns.len(),
                self.columns
            )));
        }
        let rows = batch.rows();
        if batch.columns.iter().any(|c| c.len() != rows) {
            return Err(LoadError::Parquet(
                "a row group's columns hold different numbers of rows".to_string(),
            ));
        }
        for row in 0..rows {
            self.rows += 1;
            self.builder.push_row(self.rows, &BatchRow { batch, row });
        }
        Ok(())
    }

    /// Rows staged or rejected so far.
    pub fn rows_read(&self) -> u64 {
        self.rows
    }

    /// The staged table.
    pub fn finish(self) -> StagedTable {
        self.builder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(columns: &[&[&str]]) -> CellBatch {
        CellBatch {
            columns: columns
                .iter()
                .map(|cells| {
                    let mut c = CellColumn::default();
                    for cell in *cells {
                        c.push(cell.as_bytes());
                    }
                    c
                })
                .collect(),
        }
    }

    #[test]
    fn bytes_round_trip_and_damage_is_refused() {
        let b = batch(&[&["a", "", "ccc"], &["1", "2", ""]]);
        let bytes = b.to_bytes();
        assert_eq!(CellBatch::from_bytes(&bytes).unwrap(), b);
        for cut in 0..bytes.len() {
            assert!(
                CellBatch::from_bytes(&bytes[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(CellBatch::from_bytes(&longer).is_err());
    }

    #[test]
    fn rows_are_numbered_across_batches_and_validated() {
        let header: Vec<String> = [
            "tenant",
            "campaign_id",
            "day",
            "impr",
            "clicks",
            "conversions",
            "cost",
            "revenue",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut reader = ColumnarReader::new(&header).unwrap();
        let first = batch(&[
            &["t1", "t1"],
            &["c1", "c2"],
            &["2024-11-01", "2024-11-02"],
            &["100", "5"],
            &["10", "50"],
            &["1", "1"],
            &["1.50", "2"],
            &["3", "4"],
        ]);
        let second = batch(&[
            &["t1"],
            &["c3"],
            &["2024-11-03"],
            &["100"],
            &["10"],
            &["1"],
            &[""],
            &["3"],
        ]);
        reader.push(&first).unwrap();
        reader.push(&second).unwrap();
        assert_eq!(reader.rows_read(), 3);
        let staged = reader.finish();
        assert_eq!(staged.loaded_rows(), 1);
        let lines: Vec<u64> = staged.rejected.iter().map(|r| r.line).collect();
        // Row 2: clicks > impressions; row 3: spend missing.
        assert_eq!(lines, vec![2, 3]);
    }

    #[test]
    fn a_header_that_fits_no_table_names_what_is_missing() {
        let header = vec!["tenant_id".to_string(), "x".to_string()];
        let error = ColumnarReader::new(&header).err().unwrap().to_string();
        assert!(error.contains("no table matches"), "{error}");
        // An export's dimension table says what it is.
        for table in TABLES.iter().filter(|t| t.kind().is_none()) {
            let header: Vec<String> = table.columns().map(|c| c.name().to_string()).collect();
            let error = ColumnarReader::new(&header).err().unwrap();
            assert_eq!(error, LoadError::DerivedTable { table: table.name });
        }
    }
}

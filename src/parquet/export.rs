//! The star schema as Parquet files, one per SQL table (SPEC §2).
//!
//! The tables and their columns are not listed here: they are the SQL catalog's
//! ([`crate::model::columns::TABLES`], with each loaded file's extra columns), read under
//! a tenant scope through the same scans SQL uses, so the export holds exactly what a
//! `SELECT * FROM table` would, derived columns included. Each catalog kind has one
//! Parquet type:
//!
//! | catalog kind | Parquet |
//! |---|---|
//! | Text | BYTE_ARRAY, STRING, dictionary-encoded |
//! | Integer | INT64 |
//! | Money | DECIMAL(18,6) on INT64 (exact millionths); DECIMAL(38,6) on a 16-byte FIXED_LEN_BYTE_ARRAY for a column holding a value of 10^12 or more (money may reach 9.2 * 10^12) |
//! | Ratio (ctr, roi, ...) | DOUBLE (computed from the exact values, as SQL gives them) |
//! | Date | INT32 DATE |
//!
//! Every column is OPTIONAL (null where SQL gives NULL). Files are snappy-compressed,
//! the codec every Parquet reader has.

use crate::model::columns::TABLES;
use crate::model::star::StarSchema;
use crate::query::TenantScope;
use crate::sql::catalog::{Catalog, Kind, ScanColumn};
use crate::sql::value::Val;
use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
use parquet::column::writer::ColumnWriter;
use parquet::data_type::{ByteArray, FixedLenByteArray};
use parquet::file::properties::{WriterProperties, WriterVersion};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use std::sync::Arc;

/// Rows per row group: a reader holds one row group's values at a time.
pub const ROW_GROUP_ROWS: usize = 256 * 1024;

/// The largest money magnitude (in millionths) a DECIMAL(18,6) holds.
const DECIMAL18_LIMIT: i128 = 1_000_000_000_000_000_000;

/// One exported table.
#[derive(Debug, Clone)]
pub struct ParquetTable {
    /// The SQL table name; the file is `{name}.parquet`.
    pub name: String,
    pub rows: usize,
    pub bytes: Vec<u8>,
}

/// Why an export failed (the `parquet` crate's writer refused something: a bug, since
/// every value written is checked against its column's type first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot write {table}.parquet: {message}")]
pub struct ExportError {
    pub table: String,
    pub message: String,
}

/// Writes every table of the catalog, under `scope`, as Parquet: one file per table,
/// in the catalog's order (`fact_campaigns`, `dim_sales_targets`, `dim_customers`, then
/// the dimensions).
pub fn export(star: &StarSchema, scope: &TenantScope) -> Result<Vec<ParquetTable>, ExportError> {
    let catalog = Catalog::new(star, scope);
    catalog
        .schema()
        .tables
        .iter()
        .map(|table| {
            let names: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
            let scan = catalog
                .scan(&table.name, &names)
                .map_err(|message| ExportError {
                    table: table.name.clone(),
                    message,
                })?;
            let columns: Vec<ScanColumn<'_>> = scan.columns.into_iter().flatten().collect();
            // Money per count (cpc, cpa, avg_order_value) is computed as a real, not
            // held in millionths: it is written as a DOUBLE, as a ratio is.
            let kinds: Vec<Kind> = table
                .columns
                .iter()
                .zip(&columns)
                .map(|(c, column)| match (c.kind, column) {
                    (Kind::Money, ScanColumn::Ratio(_)) => Kind::Number,
                    (kind, _) => kind,
                })
                .collect();
            let bytes =
                write_table(&names, &kinds, &columns, &scan.rows).map_err(|e| ExportError {
                    table: table.name.clone(),
                    message: e.to_string(),
                })?;
            Ok(ParquetTable {
                name: table.name.clone(),
                rows: scan.rows.len(),
                bytes,
            })
        })
        .collect()
}

/// The declared tables' names, in export order (for listings and tests).
pub fn table_names() -> impl Iterator<Item = &'static str> {
    TABLES.iter().map(|t| t.name)
}

/// A money column's values fit DECIMAL(18,6).
fn fits_decimal18(column: &ScanColumn<'_>, rows: &[u32]) -> bool {
    rows.iter().all(|&r| match column.get(r as usize) {
        Val::Money(m) => m.abs() < DECIMAL18_LIMIT,
        _ => true,
    })
}

fn field(name: &str, kind: Kind, wide_money: bool) -> parquet::errors::Result<Type> {
    let (physical, logical, precision, length) = match kind {
        Kind::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String), None, None),
        Kind::Integer | Kind::Code => (
            Physical::INT64,
            Some(LogicalType::integer(64, true)),
            None,
            None,
        ),
        Kind::Money if wide_money => (
            Physical::FIXED_LEN_BYTE_ARRAY,
            Some(LogicalType::decimal(6, 38)),
            Some(38),
            Some(16),
        ),
        Kind::Money => (
            Physical::INT64,
            Some(LogicalType::decimal(6, 18)),
            Some(18),
            None,
        ),
        Kind::Ratio | Kind::Number => (Physical::DOUBLE, None, None, None),
        Kind::Date => (Physical::INT32, Some(LogicalType::Date), None, None),
    };
    let mut builder = Type::primitive_type_builder(name, physical)
        .with_repetition(Repetition::OPTIONAL)
        .with_logical_type(logical);
    if let Some(precision) = precision {
        builder = builder.with_precision(precision).with_scale(6);
    }
    if let Some(length) = length {
        builder = builder.with_length(length);
    }
    builder.build()
}

/// Writes one table's columns (read at `rows`) as a Parquet file.
fn write_table(
    names: &[String],
    kinds: &[Kind],
    columns: &[ScanColumn<'_>],
    rows: &[u32],
) -> parquet::errors::Result<Vec<u8>> {
    let wide: Vec<bool> = kinds
        .iter()
        .zip(columns)
        .map(|(kind, column)| *kind == Kind::Money && !fits_decimal18(column, rows))
        .collect();
    let fields = names
        .iter()
        .zip(kinds)
        .zip(&wide)
        .map(|((name, kind), wide)| field(name, *kind, *wide).map(Arc::new))
        .collect::<parquet::errors::Result<Vec<_>>>()?;
    let schema = Arc::new(
        Type::group_type_builder("schema")
            .with_fields(fields)
            .build()?,
    );
    let properties = Arc::new(
        WriterProperties::builder()
            .set_writer_version(WriterVersion::PARQUET_1_0)
            .set_compression(Compression::SNAPPY)
            .set_dictionary_enabled(true)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by(format!("bi-platform {}", env!("CARGO_PKG_VERSION")))
            .build(),
    );
    let mut writer = SerializedFileWriter::new(Vec::new(), schema, properties)?;
    // A file with no rows still has its schema (and no row group).
    for group in rows.chunks(ROW_GROUP_ROWS) {
        let mut row_group = writer.next_row_group()?;
        let mut index = 0;
        while let Some(mut column_writer) = row_group.next_column()? {
            write_column(column_writer.untyped(), &columns[index], group, wide[index])?;
            column_writer.close()?;
            index += 1;
        }
        row_group.close()?;
    }
    writer.into_inner()
}

/// Writes one column of one row group: its non-null values and a definition level per
/// row (1 present, 0 null).
fn write_column(
    writer: &mut ColumnWriter<'_>,
    column: &ScanColumn<'_>,
    rows: &[u32],
    wide_money: bool,
) -> parquet::errors::Result<()> {
    let mut defs: Vec<i16> = Vec::with_capacity(rows.len());
    let values = rows.iter().map(|&r| column.get(r as usize));
    match writer {
        ColumnWriter::ByteArrayColumnWriter(w) => {
            // The row group's text goes into one buffer, and each value is a slice of
            // it: one allocation per column chunk instead of one per row (a `ByteArray`
            // per row spends much of the export in malloc and free).
            let mut buffer: Vec<u8> = Vec::new();
            let mut spans: Vec<(usize, usize)> = Vec::with_capacity(rows.len());
            for value in values {
                let text = match &value {
                    Val::Null => None,
                    Val::Str(s) => Some(std::borrow::Cow::Borrowed(*s)),
                    other => other.to_text(),
                };
                defs.push(i16::from(text.is_some()));
                if let Some(text) = text {
                    let start = buffer.len();
                    buffer.extend_from_slice(text.as_bytes());
                    spans.push((start, buffer.len()));
                }
            }
            let shared = bytes::Bytes::from(buffer);
            let out: Vec<ByteArray> = spans
                .into_iter()
                .map(|(start, end)| ByteArray::from(shared.slice(start..end)))
                .collect();
            w.write_batch(&out, Some(&defs), None)?;
        }
        ColumnWriter::Int64ColumnWriter(w) => {
            let mut out: Vec<i64> = Vec::with_capacity(rows.len());
            for value in values {
                let v = match value {
                    Val::Int(i) => Some(i),
                    Val::Money(m) => Some(m as i64),
                    _ => None,
                };
                defs.push(i16::from(v.is_some()));
                out.extend(v);
            }
            w.write_batch(&out, Some(&defs), None)?;
        }
        ColumnWriter::Int32ColumnWriter(w) => {
            let mut out: Vec<i32> = Vec::with_capacity(rows.len());
            for value in values {
                let v = match value {
                    Val::Date(day) => Some(day),
                    _ => None,
                };
                defs.push(i16::from(v.is_some()));
                out.extend(v);
            }
            w.write_batch(&out, Some(&defs), None)?;
        }
        ColumnWriter::DoubleColumnWriter(w) => {
            let mut out: Vec<f64> = Vec::with_capacity(rows.len());
            for value in values {
                let v = match value {
                    Val::Real(f) => Some(f),
                    Val::Int(i) => Some(i as f64),
                    _ => None,
                };
                defs.push(i16::from(v.is_some()));
                out.extend(v);
            }
            w.write_batch(&out, Some(&defs), None)?;
        }
        ColumnWriter::FixedLenByteArrayColumnWriter(w) if wide_money => {
            let mut out: Vec<FixedLenByteArray> = Vec::with_capacity(rows.len());
            for value in values {
                let v = match value {
                    Val::Money(m) => Some(FixedLenByteArray::from(m.to_be_bytes().to_vec())),
                    _ => None,
                };
                defs.push(i16::from(v.is_some()));
                out.extend(v);
            }
            w.write_batch(&out, Some(&defs), None)?;
        }
        _ => {
            return Err(parquet::errors::ParquetError::General(
                "a column of a type the export does not write".to_string(),
            ))
        }
    }
    Ok(())
}

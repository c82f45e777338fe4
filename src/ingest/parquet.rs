//! Reading a Parquet file into the staging, row group by row group (SPEC §1, §3, §4).
//!
//! Each row group is decoded column by column (the `parquet` crate's low-level column
//! readers) into a [`CellBatch`]: the text a CSV file would hold in each cell. DATE
//! becomes `YYYY-MM-DD`, a TIMESTAMP `YYYY-MM-DD HH:MM:SS` (SPEC §3 keeps the date and
//! drops the time), a DECIMAL its exact decimal text (never through a float), an integer
//! its digits, a DOUBLE its shortest round-trip text (Rust never writes an exponent
//! there), a string its bytes, a null nothing. The batch then goes through
//! [`ColumnarReader`], the same staging as CSV: the table is chosen from the column
//! names, every value rule and row rule holds as it does for CSV, and rejects carry the
//! file's 1-based row number. Only one row group's cells are held at a time.
//!
//! Why text rather than typed cells: the staging's text parser is the one place that
//! decides what a value means (money rounding, integer rules, date ranges); feeding it
//! text makes a Parquet file load exactly as the same table saved as CSV, so nothing
//! can drift between the two paths. The cost is formatting numbers to text and parsing
//! them back, measured in BENCHMARKS.md.

use super::columnar::{CellBatch, CellColumn, ColumnarReader};
use crate::error::LoadError;
use crate::model::date::{format_day, ymd_from_day};
use crate::transform::stage::StagedTable;
use bytes::Bytes;
use parquet::basic::{Compression, ConvertedType, LogicalType, TimeUnit, Type as Physical};
use parquet::column::reader::{get_typed_column_reader, ColumnReader};
use parquet::data_type::{
    BoolType, ByteArrayType, DataType, DoubleType, FixedLenByteArrayType, FloatType, Int32Type,
    Int64Type, Int96Type,
};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::ColumnDescriptor;
use std::io::Write;

/// Rows decoded per call of a column reader.
const BATCH: usize = 8192;

/// Where a read stands after a row group, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub row_groups_done: usize,
    pub row_groups: usize,
    pub rows_done: u64,
    pub rows: u64,
}

/// How a column's stored values become cell text.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Plain,
    Unsigned,
    Date,
    /// Units per second of a TIMESTAMP.
    Timestamp(i64),
    /// Units per second of a TIME of day.
    Time(i64),
    Decimal(i32),
    Float16,
}

fn shape_of(column: &ColumnDescriptor) -> Shape {
    match column.logical_type_ref() {
        Some(LogicalType::Date) => Shape::Date,
        Some(LogicalType::Decimal(d)) => Shape::Decimal(d.scale),
        Some(LogicalType::Timestamp(t)) => Shape::Timestamp(units_per_second(&t.unit)),
        Some(LogicalType::Time(t)) => Shape::Time(units_per_second(&t.unit)),
        Some(LogicalType::Integer(i)) if !i.is_signed => Shape::Unsigned,
        Some(LogicalType::Float16) => Shape::Float16,
        _ => match column.converted_type() {
            ConvertedType::DATE => Shape::Date,
            ConvertedType::DECIMAL => Shape::Decimal(column.type_scale()),
            ConvertedType::TIMESTAMP_MILLIS => Shape::Timestamp(1_000),
            ConvertedType::TIMESTAMP_MICROS => Shape::Timestamp(1_000_000),
            ConvertedType::TIME_MILLIS => Shape::Time(1_000),
            ConvertedType::TIME_MICROS => Shape::Time(1_000_000),
            ConvertedType::UINT_8
            | ConvertedType::UINT_16
            | ConvertedType::UINT_32
            | ConvertedType::UINT_64 => Shape::Unsigned,
            _ => Shape::Plain,
        },
    }
}

fn units_per_second(unit: &TimeUnit) -> i64 {
    match unit {
        TimeUnit::MILLIS => 1_000,
        TimeUnit::MICROS => 1_000_000,
        _ => 1_000_000_000,
    }
}

/// The codecs this build decodes: snappy everywhere, zstd natively (its C library is
/// not built for wasm32).
fn codec_supported(codec: Compression) -> bool {
    matches!(codec, Compression::UNCOMPRESSED | Compression::SNAPPY)
        || (matches!(codec, Compression::ZSTD(_)) && cfg!(not(target_arch = "wasm32")))
}

fn codec_name(codec: Compression) -> String {
    match codec {
        Compression::ZSTD(_) => "ZSTD".to_string(),
        Compression::GZIP(_) => "GZIP".to_string(),
        Compression::BROTLI(_) => "BROTLI".to_string(),
        other => format!("{other:?}"),
    }
}

fn parquet_error(e: parquet::errors::ParquetError) -> LoadError {
    LoadError::Parquet(e.to_string())
}

/// An open Parquet file: its column names and row groups, decoded one at a time.
pub struct ParquetFile {
    reader: SerializedFileReader<Bytes>,
    header: Vec<String>,
}

impl ParquetFile {
    /// Opens the file's footer and checks that every column is flat.
    pub fn open(bytes: impl Into<Bytes>) -> Result<Self, LoadError> {
        let bytes: Bytes = bytes.into();
        let len = bytes.len() as u64;
        let reader = SerializedFileReader::new(bytes).map_err(parquet_error)?;
        // Each column chunk's place in the file, as the footer gives it, checked before
        // the parquet crate reads it (it panics on a negative offset or size).
        for (g, group) in reader.metadata().row_groups().iter().enumerate() {
            for chunk in group.columns() {
                let start = chunk
                    .dictionary_page_offset()
                    .unwrap_or_else(|| chunk.data_page_offset());
                let size = chunk.compressed_size();
                let inside = u64::try_from(start)
                    .ok()
                    .zip(u64::try_from(size).ok())
                    .and_then(|(start, size)| start.checked_add(size))
                    .is_some_and(|end| end <= len);
                if !inside {
                    return Err(LoadError::Parquet(format!(
                        "the file is damaged: its footer places column '{}' of row group {} \
                         at bytes {start}..+{size}, outside the file's {len} bytes",
                        chunk.column_path().string(),
                        g + 1
                    )));
                }
            }
        }
        let schema = reader.metadata().file_metadata().schema_descr();
        let mut header = Vec::with_capacity(schema.num_columns());
        for column in schema.columns() {
            let name = column.path().string();
            if column.max_rep_level() > 0 {
                return Err(LoadError::Parquet(format!(
                    "column '{name}' is a list (repeated); only flat columns can be loaded: \
                     write one value per row"
                )));
            }
            header.push(name);
        }
        Ok(ParquetFile { reader, header })
    }

    /// The column names, in the file's order (a struct's fields as `parent.field`).
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Row groups in the file.
    pub fn row_groups(&self) -> usize {
        self.reader.metadata().num_row_groups()
    }

    /// Rows in the file, by its footer.
    pub fn rows(&self) -> u64 {
        self.reader.metadata().file_metadata().num_rows().max(0) as u64
    }

    /// Decodes row group `index` into cell text.
    pub fn row_group(&self, index: usize) -> Result<CellBatch, LoadError> {
        let group = self.reader.get_row_group(index).map_err(parquet_error)?;
        let rows = group.metadata().num_rows().max(0) as usize;
        let mut batch = CellBatch::default();
        for i in 0..group.num_columns() {
            let chunk = group.metadata().column(i);
            let codec = chunk.compression();
            let name = &self.header[i];
            if !codec_supported(codec) {
                return Err(LoadError::Parquet(format!(
                    "column '{name}' is compressed with {}, which {}: write the file with \
                     snappy compression (the default of pyarrow, DuckDB and Spark){}",
                    codec_name(codec),
                    if cfg!(target_arch = "wasm32") {
                        "the page cannot decompress"
                    } else {
                        "this build cannot decompress"
                    },
                    if cfg!(target_arch = "wasm32") && matches!(codec, Compression::ZSTD(_)) {
                        ", or load it with the bi-platform command, which reads zstd"
                    } else {
                        ""
                    }
                )));
            }
            let descr = group.metadata().schema_descr().column(i);
            let reader = group.get_column_reader(i).map_err(parquet_error)?;
            let column = decode_column(reader, &descr, rows).map_err(|e| {
                LoadError::Parquet(format!("row group {index}, column '{name}': {e}"))
            })?;
            batch.columns.push(column);
        }
        Ok(batch)
    }
}

/// Reads every value of one column chunk, formatting each with `write`.
fn read_all<T: DataType>(
    reader: ColumnReader,
    descr: &ColumnDescriptor,
    rows: usize,
    mut write: impl FnMut(&T::T, &mut Vec<u8>),
) -> Result<CellColumn, String> {
    let mut reader = get_typed_column_reader::<T>(reader);
    let nullable = descr.max_def_level() > 0;
    let max_def = descr.max_def_level();
    let mut out = CellColumn {
        text: Vec::new(),
        ends: Vec::with_capacity(rows),
    };
    let mut defs: Vec<i16> = Vec::new();
    let mut values: Vec<T::T> = Vec::new();
    while out.len() < rows {
        defs.clear();
        values.clear();
        let want = BATCH.min(rows - out.len());
        let (records, _, _) = reader
            .read_records(want, nullable.then_some(&mut defs), None, &mut values)
            .map_err(|e| e.to_string())?;
        if records == 0 {
            return Err(format!(
                "the column chunk ends after {} of {rows} rows",
                out.len()
            ));
        }
        let mut next = values.iter();
        for r in 0..records {
            let present = !nullable || defs.get(r) == Some(&max_def);
            match (present, present.then(|| next.next()).flatten()) {
                (true, Some(value)) => {
                    write(value, &mut out.text);
                    out.ends.push(out.text.len() as u32);
                }
                (true, None) => return Err("fewer values than rows".to_string()),
                (false, _) => out.push_null(),
            }
        }
        if out.text.len() > u32::MAX as usize / 2 {
            return Err("the row group's text is over 2 GiB; write smaller row groups".into());
        }
    }
    Ok(out)
}

fn decode_column(
    reader: ColumnReader,
    descr: &ColumnDescriptor,
    rows: usize,
) -> Result<CellColumn, String> {
    let shape = shape_of(descr);
    match descr.physical_type() {
        Physical::BOOLEAN => read_all::<BoolType>(reader, descr, rows, |v, out| {
            out.extend_from_slice(if *v { b"true" } else { b"false" })
        }),
        Physical::INT32 => read_all::<Int32Type>(reader, descr, rows, |&v, out| {
            write_integer(
                shape,
                i128::from(v),
                u32::from_ne_bytes(v.to_ne_bytes()).into(),
                out,
            )
        }),
        Physical::INT64 => read_all::<Int64Type>(reader, descr, rows, |&v, out| {
            write_integer(
                shape,
                i128::from(v),
                u64::from_ne_bytes(v.to_ne_bytes()).into(),
                out,
            )
        }),
        Physical::INT96 => read_all::<Int96Type>(reader, descr, rows, |v, out| {
            let d = v.data();
            let nanos = i128::from(u64::from(d[0]) | (u64::from(d[1]) << 32));
            let days = i128::from(d[2]) - 2_440_588;
            write_timestamp(days * 86_400_000_000_000 + nanos, 1_000_000_000, out)
        }),
        Physical::FLOAT => read_all::<FloatType>(reader, descr, rows, |v, out| {
            let _ = write!(out, "{v}");
        }),
        Physical::DOUBLE => read_all::<DoubleType>(reader, descr, rows, |v, out| {
            let _ = write!(out, "{v}");
        }),
        Physical::BYTE_ARRAY => read_all::<ByteArrayType>(reader, descr, rows, |v, out| {
            write_bytes(shape, v.data(), out)
        }),
        Physical::FIXED_LEN_BYTE_ARRAY => {
            read_all::<FixedLenByteArrayType>(reader, descr, rows, |v, out| {
                write_bytes(shape, v.data(), out)
            })
        }
    }
}

/// An INT32/INT64 value as text; `unsigned` is the same bits read without a sign.
fn write_integer(shape: Shape, signed: i128, unsigned: u128, out: &mut Vec<u8>) {
    match shape {
        Shape::Date => match i32::try_from(signed) {
            Ok(day) if (-719_162..=2_932_896).contains(&day) => {
                out.extend_from_slice(format_day(day).as_bytes())
            }
            // Outside years 1..=9999: text the date parser refuses, naming the value.
            _ => {
                let _ = write!(out, "day {signed}");
            }
        },
        Shape::Timestamp(per_second) => write_timestamp(signed, per_second, out),
        Shape::Time(per_second) => {
            let seconds = signed.div_euclid(i128::from(per_second));
            let _ = write!(
                out,
                "{:02}:{:02}:{:02}",
                seconds / 3600,
                seconds / 60 % 60,
                seconds % 60
            );
        }
        Shape::Decimal(scale) => write_decimal(signed, scale, out),
        Shape::Unsigned => {
            let _ = write!(out, "{unsigned}");
        }
        Shape::Plain | Shape::Float16 => {
            let _ = write!(out, "{signed}");
        }
    }
}

/// A timestamp (`units` since 1970-01-01 00:00 UTC, `per_second` units a second) as
/// `YYYY-MM-DD HH:MM:SS` (UTC, as stored; SPEC §3 keeps only the date).
fn write_timestamp(units: i128, per_second: i64, out: &mut Vec<u8>) {
    let seconds = units.div_euclid(i128::from(per_second));
    let day = seconds.div_euclid(86_400);
    let in_day = seconds.rem_euclid(86_400);
    match i32::try_from(day) {
        Ok(day) if (-719_162..=2_932_896).contains(&day) => {
            let (y, m, d) = ymd_from_day(day);
            let _ = write!(
                out,
                "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
                in_day / 3600,
                in_day / 60 % 60,
                in_day % 60
            );
        }
        _ => {
            let _ = write!(out, "timestamp {units}");
        }
    }
}

/// An unscaled decimal and its scale as exact decimal text (`-12.340`).
fn write_decimal(unscaled: i128, scale: i32, out: &mut Vec<u8>) {
    if scale <= 0 {
        let _ = write!(out, "{unscaled}");
        out.extend(std::iter::repeat_n(b'0', scale.unsigned_abs() as usize));
        return;
    }
    let scale = scale as usize;
    let digits = unscaled.unsigned_abs().to_string();
    if unscaled < 0 {
        out.push(b'-');
    }
    if digits.len() <= scale {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', scale - digits.len()));
        out.extend_from_slice(digits.as_bytes());
    } else {
        let (whole, fraction) = digits.split_at(digits.len() - scale);
        out.extend_from_slice(whole.as_bytes());
        out.push(b'.');
        out.extend_from_slice(fraction.as_bytes());
    }
}

/// A BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY value: a big-endian two's complement decimal,
/// a half float, or text (strings, enums, JSON, and bytes as they are).
fn write_bytes(shape: Shape, bytes: &[u8], out: &mut Vec<u8>) {
    match shape {
        Shape::Decimal(scale) if !bytes.is_empty() && bytes.len() <= 16 => {
            let fill = if bytes[0] & 0x80 != 0 { 0xFF } else { 0 };
            let mut wide = [fill; 16];
            wide[16 - bytes.len()..].copy_from_slice(bytes);
            write_decimal(i128::from_be_bytes(wide), scale, out)
        }
        Shape::Decimal(_) => out.extend_from_slice(b"decimal wider than 38 digits"),
        Shape::Float16 if bytes.len() == 2 => {
            let _ = write!(
                out,
                "{}",
                f16_to_f32(u16::from_le_bytes([bytes[0], bytes[1]]))
            );
        }
        _ => out.extend_from_slice(bytes),
    }
}

/// IEEE half precision to single.
fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exponent = i32::from((h >> 10) & 0x1F);
    let mantissa = f32::from(h & 0x3FF);
    sign * match exponent {
        0 => mantissa * 2f32.powi(-24),
        0x1F if mantissa == 0.0 => f32::INFINITY,
        0x1F => f32::NAN,
        e => (1.0 + mantissa / 1024.0) * 2f32.powi(e - 15),
    }
}

/// Reads a whole Parquet file into one staged table, a row group at a time. After each
/// row group `after_group` sees the progress, and may stop the read with an error (the
/// memory budget's check).
pub fn read_parquet(
    bytes: impl Into<Bytes>,
    after_group: &mut dyn FnMut(Progress) -> Result<(), LoadError>,
) -> Result<StagedTable, LoadError> {
    let file = ParquetFile::open(bytes)?;
    let mut reader = ColumnarReader::new(file.header())?;
    let groups = file.row_groups();
    for index in 0..groups {
        let batch = file.row_group(index)?;
        reader.push(&batch)?;
        drop(batch);
        after_group(Progress {
            row_groups_done: index + 1,
            row_groups: groups,
            rows_done: reader.rows_read(),
            rows: file.rows(),
        })?;
    }
    Ok(reader.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn decimals_are_exact_text() {
        assert_eq!(text(|o| write_decimal(12_345_678, 6, o)), "12.345678");
        assert_eq!(text(|o| write_decimal(-5, 3, o)), "-0.005");
        assert_eq!(text(|o| write_decimal(0, 2, o)), "0.00");
        assert_eq!(text(|o| write_decimal(7, -2, o)), "700");
        assert_eq!(
            text(|o| write_bytes(Shape::Decimal(2), &[0xFF, 0x85], o)),
            "-1.23"
        );
        assert_eq!(
            text(|o| write_decimal(i128::MAX, 6, o)),
            "170141183460469231731687303715884.105727"
        );
    }

    #[test]
    fn timestamps_keep_the_utc_date() {
        let day = 20_028; // 2024-11-01
        let micros = i128::from(day) * 86_400_000_000 + 3_600_000_000 * 23 + 59;
        assert_eq!(
            text(|o| write_timestamp(micros, 1_000_000, o)),
            "2024-11-01 23:00:00"
        );
        assert_eq!(
            text(|o| write_timestamp(-1, 1_000, o)),
            "1969-12-31 23:59:59"
        );
        assert_eq!(
            text(|o| write_integer(Shape::Date, 20_028, 0, o)),
            "2024-11-01"
        );
        assert!(
            text(|o| write_integer(Shape::Date, i128::from(i32::MAX), 0, o)).starts_with("day")
        );
    }

    #[test]
    fn half_floats() {
        assert_eq!(f16_to_f32(0x3C00), 1.0);
        assert_eq!(f16_to_f32(0xC000), -2.0);
        assert_eq!(f16_to_f32(0x3800), 0.5);
    }
}

//! The warehouse as bytes: what the page keeps in the browser's storage so a reload
//! gets the same warehouse back, without reading the files again.
//!
//! The format is the in-memory layout written out: each column as its little-endian
//! values (key columns at their stored width, 2 or 4 bytes), each dictionary as its
//! text arena and end offsets. Restoring is mostly copying bytes into vectors; only the
//! hash tables (the dictionaries' intern tables and the tables' key indexes) are
//! rebuilt, being derived from the columns. A frame around it makes a damaged snapshot
//! an error, never a half-loaded or wrong warehouse:
//!
//! ```text
//!  offset  bytes  what
//!  0       8      magic  89 'B' 'I' 'S' 'N' 'A' 'P' 1A
//!  8       4      format version (u32; FORMAT)
//!  12      1      length v of the engine's version text
//!  13      v      engine version ("0.1.0"), for messages
//!  13+v    8      payload length p (u64)
//!  21+v    p      payload: sections
//!  21+v+p  8      xxh3-64 of every byte before it
//! ```
//!
//! The frame is the same in every format version; the payload is a series of sections,
//! each a 4-byte tag, a `u64` length and its bytes, in this order: `DIMS` (the eight
//! dimension dictionaries), `CAMP`, `TARG`, `CUST` (the tables: a row count, then each
//! column, then the extra columns), `FILE` (the loaded files' fingerprints, names and
//! the tables they fed) and `REPT` (the load reports). Integers are little-endian;
//! a vector is its `u64` length then its items; text is UTF-8 with a `u64` length.
//!
//! Reading checks, in order: the magic, the lengths (a short snapshot is
//! [`SnapshotError::Truncated`]), the checksum ([`SnapshotError::Damaged`]), the format
//! version ([`SnapshotError::NewerFormat`], [`SnapshotError::OlderFormat`]), then that
//! the payload is a consistent warehouse (equal column lengths, every key within its
//! dictionary, valid dates and months, distinct dictionary values and row keys):
//! anything else is [`SnapshotError::Invalid`].

use crate::ingest::{Fingerprint, LoadedFile};
use crate::model::date::day_from_ymd;
use crate::model::dict::{Dictionary, NULL_KEY};
use crate::model::keys::KeyColumn;
use crate::model::schema::TableKind;
use crate::model::star::{
    Campaigns, Customers, Dimensions, Extras, StarSchema, StoredColumn, StoredColumnMut, Targets,
    Values, ValuesMut,
};
use crate::report::{LoadReport, RejectedRow};
use thiserror::Error;
use xxhash_rust::xxh3::xxh3_64;

/// The snapshot format this engine writes and reads. Bump it whenever the payload
/// changes; a snapshot of another format is refused with a message saying which.
pub const FORMAT: u32 = 1;

/// The first bytes of every snapshot (a high byte and a DOS end-of-file, as PNG does,
/// so a snapshot mangled as text fails at once).
pub const MAGIC: [u8; 8] = *b"\x89BISNAP\x1a";

/// Bytes of the frame around the payload, with an engine version of `v` bytes.
const fn frame_len(v: usize) -> usize {
    8 + 4 + 1 + v + 8 + 8
}

/// Why a snapshot cannot be restored. Each message completes "The data kept in this
/// browser could not be restored: it is …" and says what would help.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SnapshotError {
    /// The bytes do not start like a snapshot.
    #[error("not a bi-platform snapshot (it does not start with the snapshot header)")]
    NotASnapshot,
    /// Fewer bytes than the snapshot says it has (a write cut short).
    #[error("truncated: {len} bytes where the snapshot needs {needed}{more}",
        more = if *header_only { " or more (its header is incomplete)" } else { "" })]
    Truncated {
        len: u64,
        needed: u64,
        /// Only the header was checked: the full size is not known.
        header_only: bool,
    },
    /// The checksum does not match: some byte changed after it was written.
    #[error("damaged (checksum mismatch): the bytes changed after they were written")]
    Damaged,
    /// Made by a newer engine, with a format this one does not know.
    #[error(
        "made by a newer version of bi-platform ({engine}, format {found}); this version \
         reads format {reads}: open it with that version, or load the files again here"
    )]
    NewerFormat {
        found: u32,
        reads: u32,
        engine: String,
    },
    /// Made by an older engine, with a format this one no longer reads.
    #[error(
        "made by an older version of bi-platform ({engine}, format {found}); this version \
         reads format {reads}: load the files again"
    )]
    OlderFormat {
        found: u32,
        reads: u32,
        engine: String,
    },
    /// The checksum matches but the content is not a consistent warehouse (a bug, or
    /// bytes made on purpose): nothing of it is used.
    #[error("damaged: {0}")]
    Invalid(String),
}

// --- Writing ------------------------------------------------------------------------------

/// A value written as little-endian bytes.
trait Le: Copy {
    const WIDTH: usize;
    fn put(self, out: &mut Vec<u8>);
    fn get(bytes: &[u8]) -> Self;
}

macro_rules! le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            const WIDTH: usize = std::mem::size_of::<$t>();
            #[inline(always)]
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            #[inline(always)]
            fn get(bytes: &[u8]) -> Self {
                let mut b = [0; std::mem::size_of::<$t>()];
                b.copy_from_slice(bytes);
                <$t>::from_le_bytes(b)
            }
        }
    )*};
}
le!(u8, u16, u32, u64, i32, i64);

/// The payload being written (or only measured: `out` stays empty and `len` counts).
struct Writer {
    out: Vec<u8>,
    measure: bool,
    len: u64,
}

impl Writer {
    fn bytes(&mut self, bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if !self.measure {
            self.out.extend_from_slice(bytes);
        }
    }

    fn int<T: Le>(&mut self, value: T) {
        self.len += T::WIDTH as u64;
        if !self.measure {
            value.put(&mut self.out);
        }
    }

    fn count(&mut self, n: usize) {
        self.int(n as u64);
    }

    fn column<T: Le>(&mut self, values: &[T]) {
        self.count(values.len());
        self.len += (values.len() * T::WIDTH) as u64;
        if !self.measure {
            self.out.reserve(values.len() * T::WIDTH);
            for &v in values {
                v.put(&mut self.out);
            }
        }
    }

    fn text(&mut self, text: &str) {
        self.count(text.len());
        self.bytes(text.as_bytes());
    }

    fn opt_text(&mut self, text: Option<&str>) {
        match text {
            None => self.int(0u8),
            Some(t) => {
                self.int(1u8);
                self.text(t);
            }
        }
    }

    fn texts(&mut self, texts: &[String]) {
        self.count(texts.len());
        for t in texts {
            self.text(t);
        }
    }

    fn opt_texts(&mut self, texts: Option<&[String]>) {
        match texts {
            None => self.int(0u8),
            Some(t) => {
                self.int(1u8);
                self.texts(t);
            }
        }
    }

    /// A section: its tag, its length (filled in after) and what `body` writes.
    fn section(&mut self, tag: &[u8; 4], body: impl FnOnce(&mut Writer)) {
        self.bytes(tag);
        let at = self.out.len();
        self.int(0u64);
        let start = self.len;
        body(self);
        if !self.measure {
            let len = self.len - start;
            self.out[at..at + 8].copy_from_slice(&len.to_le_bytes());
        }
    }

    /// A table's rows, its stored columns and its extra columns.
    fn table(&mut self, (rows, columns, extras): (usize, Vec<StoredColumn<'_>>, &Extras)) {
        self.count(rows);
        for column in columns {
            match column.values {
                Values::Keys(keys) => self.keys(keys),
                Values::U32(v) => self.column(v),
                Values::I64(v) => self.column(v),
                Values::Days(v) => self.column(v),
                Values::U16(v) => self.column(v),
                Values::U8(v) => self.column(v),
            }
        }
        self.extras(extras);
    }

    fn keys(&mut self, column: &KeyColumn) {
        match column {
            KeyColumn::Narrow(v) => {
                self.int(2u8);
                self.column(v);
            }
            KeyColumn::Wide(v) => {
                self.int(4u8);
                self.column(v);
            }
        }
    }

    fn dict(&mut self, dict: &Dictionary) {
        let (text, ends) = dict.parts();
        self.text(text);
        self.count(ends.len());
        self.len += (ends.len() * 8) as u64;
        if !self.measure {
            self.out.reserve(ends.len() * 8);
            for &end in ends {
                (end as u64).put(&mut self.out);
            }
        }
    }

    fn extras(&mut self, extras: &Extras) {
        self.texts(&extras.names);
        self.count(extras.columns.len());
        for column in &extras.columns {
            self.column(column);
        }
        self.dict(&extras.values);
    }

    fn table_name(&mut self, table: Option<&'static str>) {
        self.opt_text(table);
    }

    fn payload(&mut self, star: &StarSchema, files: &[LoadedFile], reports: &[LoadReport]) {
        self.section(b"DIMS", |w| {
            for (_, dict) in star.dims.all() {
                w.dict(dict);
            }
        });
        // Each table's columns in the order of its declaration (`star_table!`).
        self.section(b"CAMP", |w| w.table(star.stored(TableKind::Campaigns)));
        self.section(b"TARG", |w| w.table(star.stored(TableKind::Targets)));
        self.section(b"CUST", |w| w.table(star.stored(TableKind::Customers)));
        self.section(b"FILE", |w| {
            w.count(files.len());
            for file in files {
                w.int(file.fingerprint.hash as u64);
                w.int((file.fingerprint.hash >> 64) as u64);
                w.int(file.fingerprint.len);
                w.text(&file.file);
                w.count(file.tables.len());
                for (table, sheets) in &file.tables {
                    w.table_name(*table);
                    w.opt_texts(sheets.as_deref());
                }
            }
        });
        self.section(b"REPT", |w| {
            w.count(reports.len());
            for r in reports {
                w.text(&r.file);
                w.table_name(r.table);
                w.opt_texts(r.sheets.as_deref());
                for n in [r.rows_read, r.rows_loaded, r.rows_rejected, r.rows_replaced] {
                    w.int(n);
                }
                w.count(r.warnings.len());
                for (rule, n) in &r.warnings {
                    w.text(rule);
                    w.int(*n);
                }
                w.count(r.rejected.len());
                for row in &r.rejected {
                    w.int(row.line);
                    w.opt_text(row.sheet.as_deref());
                    w.opt_text(row.column.as_deref());
                    w.text(&row.reason);
                }
                w.texts(&r.extra_columns);
                w.opt_text(r.unchanged_from.as_deref());
                w.opt_text(r.error.as_deref());
            }
        });
    }
}

const ENGINE: &str = env!("CARGO_PKG_VERSION");

/// The snapshot of `star`, the `loaded` files that fed it and their `reports`
/// ([`Warehouse::snapshot_with_reports`](crate::Warehouse::snapshot_with_reports)).
pub fn write(star: &StarSchema, loaded: &[LoadedFile], reports: &[LoadReport]) -> Vec<u8> {
    let total = len(star, loaded, reports);
    let mut w = Writer {
        out: Vec::with_capacity(usize::try_from(total).unwrap_or(0)),
        measure: false,
        len: 0,
    };
    w.bytes(&MAGIC);
    w.int(FORMAT);
    w.int(ENGINE.len() as u8);
    w.bytes(ENGINE.as_bytes());
    let at = w.out.len();
    w.int(0u64);
    let start = w.len;
    w.payload(star, loaded, reports);
    let payload = w.len - start;
    w.out[at..at + 8].copy_from_slice(&payload.to_le_bytes());
    let checksum = xxh3_64(&w.out);
    w.int(checksum);
    debug_assert_eq!(w.out.len() as u64, total);
    w.out
}

/// The length of [`write`]'s snapshot, measured without writing it.
pub fn len(star: &StarSchema, loaded: &[LoadedFile], reports: &[LoadReport]) -> u64 {
    let mut w = Writer {
        out: Vec::new(),
        measure: true,
        len: 0,
    };
    w.payload(star, loaded, reports);
    w.len + frame_len(ENGINE.len()) as u64
}

// --- Reading ------------------------------------------------------------------------------

fn invalid(what: impl Into<String>) -> SnapshotError {
    SnapshotError::Invalid(what.into())
}

/// A bounds-checked cursor over payload bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| invalid("a section ends in the middle of a value"))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn int<T: Le>(&mut self) -> Result<T, SnapshotError> {
        Ok(T::get(self.take(T::WIDTH)?))
    }

    /// A count of items, each at least `min_width` bytes: never more than the bytes left
    /// could hold, so a wrong count cannot make a huge allocation.
    fn count(&mut self, min_width: usize) -> Result<usize, SnapshotError> {
        let n = self.int::<u64>()?;
        let left = (self.bytes.len() - self.pos) as u64;
        if n.saturating_mul(min_width.max(1) as u64) > left {
            return Err(invalid(format!(
                "a count of {n} does not fit in the {left} bytes left"
            )));
        }
        Ok(n as usize)
    }

    fn column<T: Le>(&mut self) -> Result<Vec<T>, SnapshotError> {
        let n = self.count(T::WIDTH)?;
        let bytes = self.take(n * T::WIDTH)?;
        Ok(bytes.chunks_exact(T::WIDTH).map(T::get).collect())
    }

    /// A column of `rows` values.
    fn column_of<T: Le>(&mut self, rows: usize, name: &str) -> Result<Vec<T>, SnapshotError> {
        let column = self.column()?;
        same_length(column.len(), rows, name)?;
        Ok(column)
    }

    fn text(&mut self) -> Result<String, SnapshotError> {
        let n = self.count(1)?;
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|_| invalid("text that is not UTF-8"))
    }

    fn flag(&mut self) -> Result<bool, SnapshotError> {
        match self.int::<u8>()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(invalid(format!("a flag of {b}"))),
        }
    }

    fn opt_text(&mut self) -> Result<Option<String>, SnapshotError> {
        Ok(if self.flag()? {
            Some(self.text()?)
        } else {
            None
        })
    }

    fn texts(&mut self) -> Result<Vec<String>, SnapshotError> {
        let n = self.count(8)?;
        (0..n).map(|_| self.text()).collect()
    }

    fn opt_texts(&mut self) -> Result<Option<Vec<String>>, SnapshotError> {
        Ok(if self.flag()? {
            Some(self.texts()?)
        } else {
            None
        })
    }

    fn section(&mut self, tag: &[u8; 4]) -> Result<Reader<'a>, SnapshotError> {
        let found = self.take(4)?;
        if found != tag {
            return Err(invalid(format!(
                "expected section {}, found {:?}",
                String::from_utf8_lossy(tag),
                String::from_utf8_lossy(found)
            )));
        }
        let n = self.count(1)?;
        Ok(Reader {
            bytes: self.take(n)?,
            pos: 0,
        })
    }

    /// `Ok` when every byte was read.
    fn end(&self, what: &str) -> Result<(), SnapshotError> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(invalid(format!(
                "{} unread bytes at the end of {what}",
                self.bytes.len() - self.pos
            )))
        }
    }

    /// A key column of `rows` keys, each below `values` (the dictionary's length) or,
    /// when `nullable`, [`NULL_KEY`].
    /// Fills a table's stored columns in the order of its declaration, checking each:
    /// its length, its keys within their dimension (and present where required), its
    /// dates, years and months in range; returns its extra columns.
    fn table(
        &mut self,
        d: &Dimensions,
        table: &str,
        columns: Vec<StoredColumnMut<'_>>,
    ) -> Result<Extras, SnapshotError> {
        let rows = self.count(0)?;
        for column in columns {
            let label = column.feeds.map_or_else(
                || format!("{table}.{}", column.name),
                |feeds| format!("{table}.{}", feeds.column.name()),
            );
            let within = column
                .feeds
                .and_then(|feeds| Some((d.dict(feeds.dim)?.len(), feeds.nullable)));
            match column.values {
                ValuesMut::Keys(keys) => {
                    let (values, nullable) = within.expect("a key column has a dimension");
                    *keys = self.keys(rows, values, nullable, &label)?;
                }
                ValuesMut::U32(v) => {
                    *v = self.column_of(rows, table)?;
                    if let Some((values, nullable)) = within {
                        keys_within(v.iter().copied(), values, nullable, &label)?;
                    }
                }
                ValuesMut::I64(v) => {
                    // Money, in millionths: loads reject negative amounts, and the
                    // ratios and the SQL catalog rely on it (`metrics::row_roi`).
                    *v = self.column_of(rows, table)?;
                    if v.iter().any(|money| *money < 0) {
                        return Err(invalid(format!("{label} has a negative amount")));
                    }
                }
                ValuesMut::Days(v) => {
                    *v = self.column_of(rows, table)?;
                    let first = day_from_ymd(1, 1, 1).expect("a date");
                    let last = day_from_ymd(9999, 12, 31).expect("a date");
                    if v.iter().any(|day| !(first..=last).contains(day)) {
                        return Err(invalid(format!("{label} has a date outside 0001..9999")));
                    }
                }
                ValuesMut::U16(v) => {
                    *v = self.column_of(rows, table)?;
                    if v.iter().any(|year| !(1..=9999).contains(year)) {
                        return Err(invalid(format!("{label} has a year out of range")));
                    }
                }
                ValuesMut::U8(v) => {
                    *v = self.column_of(rows, table)?;
                    if v.iter().any(|month| !(1..=12).contains(month)) {
                        return Err(invalid(format!("{label} has a month out of range")));
                    }
                }
            }
        }
        self.extras(rows, table)
    }

    fn keys(
        &mut self,
        rows: usize,
        values: usize,
        nullable: bool,
        name: &str,
    ) -> Result<KeyColumn, SnapshotError> {
        let column = match self.int::<u8>()? {
            2 => KeyColumn::Narrow(self.column()?),
            4 => KeyColumn::Wide(self.column()?),
            w => return Err(invalid(format!("{name} has keys of {w} bytes"))),
        };
        same_length(column.len(), rows, name)?;
        keys_within(column.iter(), values, nullable, name)?;
        Ok(column)
    }

    fn dict(&mut self, name: &str) -> Result<Dictionary, SnapshotError> {
        let text = self.text()?;
        let ends: Vec<u64> = self.column()?;
        let ends = ends
            .into_iter()
            .map(usize::try_from)
            .collect::<Result<Vec<usize>, _>>()
            .map_err(|_| invalid(format!("{name}'s values are past this machine's memory")))?;
        Dictionary::from_parts(text, ends).map_err(|e| invalid(format!("{name}: {e}")))
    }

    fn extras(&mut self, rows: usize, table: &str) -> Result<Extras, SnapshotError> {
        let names = self.texts()?;
        let n = self.count(8)?;
        if n != names.len() {
            return Err(invalid(format!(
                "{table} names {} extra columns and holds {n}",
                names.len()
            )));
        }
        let columns = (0..n)
            .map(|_| self.column_of::<u32>(rows, table))
            .collect::<Result<Vec<_>, _>>()?;
        let values = self.dict(table)?;
        for column in &columns {
            keys_within(column.iter().copied(), values.len(), true, table)?;
        }
        Ok(Extras {
            names,
            columns,
            values,
        })
    }

    fn table_name(&mut self) -> Result<Option<&'static str>, SnapshotError> {
        self.opt_text()?
            .map(|name| {
                TableKind::ALL
                    .into_iter()
                    .map(TableKind::name)
                    .find(|&t| t == name)
                    .ok_or_else(|| invalid(format!("an unknown table {name:?}")))
            })
            .transpose()
    }
}

fn same_length(len: usize, rows: usize, name: &str) -> Result<(), SnapshotError> {
    if len == rows {
        Ok(())
    } else {
        Err(invalid(format!(
            "a column of {name} has {len} rows, the table {rows}"
        )))
    }
}

fn keys_within(
    keys: impl Iterator<Item = u32>,
    values: usize,
    nullable: bool,
    name: &str,
) -> Result<(), SnapshotError> {
    for key in keys {
        let ok = (key as usize) < values || (nullable && key == NULL_KEY);
        if !ok {
            return Err(invalid(format!(
                "{name} has a key {key} outside its {values} values"
            )));
        }
    }
    Ok(())
}

/// What a snapshot holds: the star schema, the files that fed it and the load reports
/// ([`Warehouse::restore_with_reports`](crate::Warehouse::restore_with_reports)).
pub type Contents = (StarSchema, Vec<LoadedFile>, Vec<LoadReport>);

/// The star schema, loaded files and reports of a snapshot ([`Contents`]).
pub fn read(bytes: &[u8]) -> Result<Contents, SnapshotError> {
    let truncated = |needed: usize, header_only: bool| SnapshotError::Truncated {
        len: bytes.len() as u64,
        needed: needed as u64,
        header_only,
    };
    if bytes.len() < MAGIC.len() {
        return if MAGIC.starts_with(bytes) {
            Err(truncated(frame_len(0), true))
        } else {
            Err(SnapshotError::NotASnapshot)
        };
    }
    if bytes[..MAGIC.len()] != MAGIC {
        return Err(SnapshotError::NotASnapshot);
    }
    if bytes.len() < 13 {
        return Err(truncated(frame_len(0), true));
    }
    let format = u32::get(&bytes[8..12]);
    let v = bytes[12] as usize;
    let header = 13 + v + 8;
    if bytes.len() < header {
        return Err(truncated(frame_len(v), true));
    }
    let payload = u64::get(&bytes[13 + v..header]);
    let total = usize::try_from(payload)
        .ok()
        .and_then(|p| p.checked_add(frame_len(v)))
        .ok_or(SnapshotError::Damaged)?;
    if bytes.len() < total {
        return Err(truncated(total, false));
    }
    if bytes.len() > total {
        // More bytes than written: the length (or the file) was changed.
        return Err(SnapshotError::Damaged);
    }
    let (body, checksum) = bytes.split_at(total - 8);
    if xxh3_64(body) != u64::get(checksum) {
        return Err(SnapshotError::Damaged);
    }
    let engine = String::from_utf8_lossy(&bytes[13..13 + v]).into_owned();
    if format > FORMAT {
        return Err(SnapshotError::NewerFormat {
            found: format,
            reads: FORMAT,
            engine,
        });
    }
    if format < FORMAT {
        return Err(SnapshotError::OlderFormat {
            found: format,
            reads: FORMAT,
            engine,
        });
    }
    let mut r = Reader {
        bytes: &body[header..],
        pos: 0,
    };
    let result = payload_of(&mut r)?;
    r.end("the snapshot")?;
    Ok(result)
}

fn payload_of(r: &mut Reader<'_>) -> Result<Contents, SnapshotError> {
    let mut s = r.section(b"DIMS")?;
    let dims = Dimensions::try_build(|dim| s.dict(dim.name()))?;
    s.end("DIMS")?;
    let d = &dims;

    let mut campaigns = Campaigns::default();
    let mut s = r.section(b"CAMP")?;
    let name = "fact_campaigns";
    campaigns.extras = s.table(d, name, campaigns.stored_mut())?;
    s.end(name)?;

    let mut targets = Targets::default();
    let mut s = r.section(b"TARG")?;
    let name = "dim_sales_targets";
    targets.extras = s.table(d, name, targets.stored_mut())?;
    s.end(name)?;

    let mut customers = Customers::default();
    let mut s = r.section(b"CUST")?;
    let name = "dim_customers";
    customers.extras = s.table(d, name, customers.stored_mut())?;
    s.end(name)?;

    if !campaigns.rebuild_index() {
        return Err(invalid("fact_campaigns holds two rows with the same key"));
    }
    if !targets.rebuild_index() {
        return Err(invalid(
            "dim_sales_targets holds two rows with the same key",
        ));
    }
    if !customers.rebuild_index() {
        return Err(invalid("dim_customers holds two rows with the same key"));
    }

    let mut s = r.section(b"FILE")?;
    let n = s.count(24)?;
    let mut loaded = Vec::with_capacity(n);
    for _ in 0..n {
        let low = s.int::<u64>()?;
        let high = s.int::<u64>()?;
        let len = s.int::<u64>()?;
        let file = s.text()?;
        let tables = s.count(2)?;
        let tables = (0..tables)
            .map(|_| Ok((s.table_name()?, s.opt_texts()?)))
            .collect::<Result<Vec<_>, SnapshotError>>()?;
        loaded.push(LoadedFile {
            fingerprint: Fingerprint {
                hash: u128::from(low) | (u128::from(high) << 64),
                len,
            },
            file,
            tables,
        });
    }
    s.end("FILE")?;

    let mut s = r.section(b"REPT")?;
    let n = s.count(8)?;
    let mut reports = Vec::with_capacity(n);
    for _ in 0..n {
        let file = s.text()?;
        let mut report = LoadReport::new(&file, s.table_name()?);
        report.sheets = s.opt_texts()?;
        report.rows_read = s.int()?;
        report.rows_loaded = s.int()?;
        report.rows_rejected = s.int()?;
        report.rows_replaced = s.int()?;
        let warnings = s.count(16)?;
        for _ in 0..warnings {
            let rule = s.text()?;
            report.warnings.insert(rule, s.int()?);
        }
        let rejected = s.count(19)?;
        report.rejected = (0..rejected)
            .map(|_| {
                Ok(RejectedRow {
                    line: s.int()?,
                    sheet: s.opt_text()?,
                    column: s.opt_text()?,
                    reason: s.text()?,
                })
            })
            .collect::<Result<_, SnapshotError>>()?;
        report.extra_columns = s.texts()?;
        report.unchanged_from = s.opt_text()?;
        report.error = s.opt_text()?;
        reports.push(report);
    }
    s.end("REPT")?;

    let star = StarSchema::from_tables(dims, campaigns, targets, customers);
    Ok((star, loaded, reports))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Warehouse;

    const CSV: &[u8] = b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue,utm\n\
                         t,c1,2024-11-01,100,10,1,1.00,2.00,x\nt,c2,2024-11-02,100,10,1,1.00,2.00,\n";

    #[test]
    fn measured_length_is_the_written_length() {
        let mut w = Warehouse::new();
        let reports = w.load("a.csv", CSV);
        let bytes = w.snapshot_with_reports(&reports);
        assert_eq!(bytes.len() as u64, w.snapshot_len(&reports));
        assert_eq!(bytes[..8], MAGIC);
    }

    #[test]
    fn an_empty_warehouse_round_trips() {
        let bytes = Warehouse::new().snapshot();
        let (star, loaded, reports) = read(&bytes).unwrap();
        assert!(star.campaigns.is_empty() && loaded.is_empty() && reports.is_empty());
    }

    #[test]
    fn other_formats_are_refused_with_their_version() {
        let mut w = Warehouse::new();
        w.load("a.csv", CSV);
        let mut bytes = w.snapshot();
        bytes[8..12].copy_from_slice(&(FORMAT + 1).to_le_bytes());
        let end = bytes.len() - 8;
        let checksum = xxh3_64(&bytes[..end]);
        bytes[end..].copy_from_slice(&checksum.to_le_bytes());
        let error = read(&bytes).unwrap_err();
        assert!(matches!(error, SnapshotError::NewerFormat { found, .. } if found == FORMAT + 1));
        assert!(error.to_string().starts_with(&format!(
            "made by a newer version of bi-platform ({ENGINE}, format {}); this version reads format {FORMAT}",
            FORMAT + 1
        )));
    }

    /// A snapshot whose checksum matches but whose bytes were made to break a rule a
    /// load keeps: the row keys or dictionary values must be distinct, which a restore
    /// checks by hashes (the indexes themselves being built only when needed).
    /// A negative amount (a snapshot changed and its checksum recomputed) is refused:
    /// loads never store one and the ratios rely on it (found by the snapshot_bytes
    /// fuzz target, fuzz/regressions/snapshot_bytes/).
    #[test]
    fn negative_money_is_refused() {
        let mut w = Warehouse::new();
        w.load(
            "a.csv",
            b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
              t,c1,2024-11-01,100,10,1,1.25,2.00\n",
        );
        let good = w.snapshot();
        let spend = 1_250_000i64.to_le_bytes();
        let at = good
            .windows(8)
            .position(|w| w == spend)
            .expect("the spend column");
        let mut bytes = good.clone();
        bytes[at..at + 8].copy_from_slice(&(-1_250_000i64).to_le_bytes());
        let end = bytes.len() - 8;
        let checksum = xxh3_64(&bytes[..end]);
        bytes[end..].copy_from_slice(&checksum.to_le_bytes());
        let error = read(&bytes).unwrap_err();
        assert!(
            matches!(&error, SnapshotError::Invalid(m) if m.contains("negative amount")),
            "{error}"
        );
    }

    #[test]
    fn repeated_row_keys_and_dictionary_values_are_refused() {
        let mut w = Warehouse::new();
        w.load(
            "a.csv",
            b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
              t,c1,2024-11-01,100,10,1,1.00,2.00\nt,c2,2024-11-01,100,10,1,1.00,2.00\n",
        );
        let good = w.snapshot();
        let reseal = |mut bytes: Vec<u8>| {
            let end = bytes.len() - 8;
            let checksum = xxh3_64(&bytes[..end]);
            bytes[end..].copy_from_slice(&checksum.to_le_bytes());
            bytes
        };
        let find = |bytes: &[u8], what: &[u8], from: usize| {
            from + bytes[from..]
                .windows(what.len())
                .position(|w| w == what)
                .expect("pattern present")
        };
        let camp = find(&good, b"CAMP", 0);
        // The campaign column [0, 1] (a u64 length, then two u32 keys) becomes [0, 0]:
        // two rows of (t, c1, 2024-11-01).
        let mut column = 2u64.to_le_bytes().to_vec();
        column.extend_from_slice(&[0, 0, 0, 0, 1, 0, 0, 0]);
        let at = find(&good, &column, camp) + 12;
        let mut bytes = good.clone();
        bytes[at] = 0;
        assert_eq!(
            read(&reseal(bytes)).unwrap_err(),
            SnapshotError::Invalid("fact_campaigns holds two rows with the same key".into())
        );
        // The campaign dictionary "c1c2" becomes "c1c1".
        let at = find(&good, b"c1c2", 0) + 3;
        let mut bytes = good.clone();
        bytes[at] = b'1';
        let error = read(&reseal(bytes)).unwrap_err();
        assert!(
            matches!(&error, SnapshotError::Invalid(m) if m.contains("holds \"c1\" twice")),
            "{error}"
        );
        // Untouched, it restores, and a load after the restore replaces by key (the
        // deferred index is built then).
        let mut restored = Warehouse::restore(&good).unwrap();
        let reports = restored.load(
            "b.csv",
            b"tenant_id,campaign_id,date,impressions,clicks,conversions,spend,revenue\n\
              t,c2,2024-11-01,100,10,1,5.00,2.00\nt,c3,2024-11-01,100,10,1,1.00,2.00\n",
        );
        assert_eq!(
            (reports[0].rows_replaced, restored.star().campaigns.len()),
            (1, 3)
        );
        assert_eq!(restored.star().dims.campaign.key_of("c2"), Some(1));
    }
}

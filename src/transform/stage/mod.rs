//! Turning a reader's rows into a validated, typed staging table (SPEC §3, §4).
//!
//! Readers (delimited text, XLSX, JSON) hand rows of [`Cell`]s to a [`TableBuilder`]. The
//! builder parses each cell by its column's type, validates the row, and either appends
//! it to typed columns or records a [`RejectedRow`]. Text is dictionary-encoded at once
//! into a file-local dictionary of raw bytes: a delimited file's encoding (UTF-8 or
//! Windows-1252) is only known at its end, so text is decoded once per distinct value
//! when the file is committed, never per row.
//!
//! A reader may feed several *sections* (the sheets of a workbook); each has its own
//! header mapping and its own slash-date rule. Slash dates (`A/B/YYYY`) cannot be decided
//! until the section's last row has been seen, so they wait in a side list and are
//! resolved — possibly rejecting their rows — when the section ends.
//!
//! This file holds the staged table and the builder's rows and sections; `cell` parses
//! one cell and checks its range, `fork` makes and absorbs the builder's forks (the
//! parallel ingest's pieces).

use crate::model::columns::Input;
use crate::model::date::{day_from_excel_serial, format_day, Day};
use crate::model::dict::{ByteDictionary, DecodedText, NULL_KEY};
use crate::model::platforms::{is_totals_row, Platform, PLATFORMS};
use crate::model::schema::{Column, ColumnTarget, HeaderMatch, ParseType, TableKind, TenantFrom};
use crate::report::{RejectedRow, SourceNote};
use crate::transform::value::{
    float_to_integer, float_to_millionths, format_millionths, is_day_first_slash_date, is_missing,
    parse_date, parse_decimal_millionths, parse_integer, trim, NumberFormat, ParsedDate,
    ValueError,
};
use std::borrow::Cow;

mod cell;
mod fork;

use cell::{check_range, int_at, parse_cell, text_of, CAMPAIGN_CLICKS, CAMPAIGN_IMPRESSIONS};

/// One cell as a reader found it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// No value.
    Empty,
    /// Text (delimited fields, spreadsheet strings, JSON strings and numbers).
    Text(&'a [u8]),
    /// A spreadsheet number.
    Float(f64),
    /// A spreadsheet integer.
    Int(i64),
    /// A spreadsheet date cell as a serial number.
    DateSerial(f64),
    /// A spreadsheet error value (`#DIV/0!`).
    Error(&'a str),
}

/// A row of cells as a reader holds it: by source column index.
pub trait RowCells {
    /// The cell of source column `index`, [`Cell::Empty`] past the row's end.
    fn cell(&self, index: usize) -> Cell<'_>;
}

impl RowCells for [Cell<'_>] {
    fn cell(&self, index: usize) -> Cell<'_> {
        self.get(index).copied().unwrap_or(Cell::Empty)
    }
}

/// How a file's text bytes are to be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextEncoding {
    /// UTF-8 (UTF-16 input is transcoded to UTF-8 before parsing).
    #[default]
    Utf8,
    /// Windows-1252, for files that are not valid UTF-8.
    Windows1252,
}

impl TextEncoding {
    /// Decodes bytes of this encoding.
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            TextEncoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
        }
    }
}

/// Typed values of one staged column.
#[derive(Debug)]
pub enum StagedValues {
    /// Keys into the builder's [`ByteDictionary`], [`NULL_KEY`] when missing.
    Text(Vec<u32>),
    /// Non-negative whole numbers.
    Count(Vec<u32>),
    /// Non-negative fixed-point millionths.
    Money(Vec<i64>),
    /// Day numbers.
    Date(Vec<Day>),
    /// Years 1..=9999.
    Year(Vec<u16>),
    /// Months 1..=12.
    Month(Vec<u8>),
}

impl StagedValues {
    fn new(column_type: ParseType) -> Self {
        match column_type {
            ParseType::Text => StagedValues::Text(Vec::new()),
            ParseType::Count => StagedValues::Count(Vec::new()),
            ParseType::Money => StagedValues::Money(Vec::new()),
            ParseType::Date => StagedValues::Date(Vec::new()),
            ParseType::Year => StagedValues::Year(Vec::new()),
            ParseType::Month => StagedValues::Month(Vec::new()),
        }
    }

    fn reserve(&mut self, rows: usize) {
        match self {
            StagedValues::Text(v) | StagedValues::Count(v) => v.reserve(rows),
            StagedValues::Money(v) => v.reserve(rows),
            StagedValues::Date(v) => v.reserve(rows),
            StagedValues::Year(v) => v.reserve(rows),
            StagedValues::Month(v) => v.reserve(rows),
        }
    }
}

/// Where a staged row came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowSource {
    pub line: u64,
    /// Index into [`StagedTable::sections`].
    pub section: u16,
}

/// One header-mapped part of a file (the file itself, or one sheet).
#[derive(Debug)]
struct Section {
    sheet: Option<String>,
    /// Per table column: the source column holding it.
    slots: Vec<Option<usize>>,
    /// (source column, extra column index).
    extras: Vec<(usize, usize)>,
    format: NumberFormat,
    is_1904: bool,
    day_first: bool,
    /// (row index, date) of slash dates awaiting the section's rule.
    pending_dates: Vec<(usize, ParsedDate)>,
    /// Index of the section's first entry in the rejected list.
    first_rejection: usize,
    /// How an ad platform's export is read ([`PlatformRead`]), when it is one.
    platform: Option<PlatformRead>,
}

/// What reading an ad platform's export adds to a section (SPEC §1): its totals and
/// footer rows are rejected as `totals row`; a row without a channel gets the
/// platform's; a row whose period ends on another day than its date is rejected (the
/// report must be downloaded by day); and, when the file names no tenant, the tenant is
/// left for the user to give ([`StagedTable::fill_tenant`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlatformRead {
    pub platform: &'static Platform,
    /// The tenant is given after staging, not read.
    pub tenant_later: bool,
    /// The source column ending each row's period.
    pub span_end: Option<usize>,
}

impl PlatformRead {
    fn of(header: &HeaderMatch) -> Option<Self> {
        Some(PlatformRead {
            platform: header.platform?,
            tenant_later: header.origin.tenant == TenantFrom::User,
            span_end: header.origin.span_end,
        })
    }

    /// The platform's index in [`PLATFORMS`] (the worker codec's form).
    pub fn index(&self) -> usize {
        self.platform.index()
    }

    /// The read of [`PLATFORMS`]`[index]`, if there is one.
    pub fn from_index(index: usize, tenant_later: bool, span_end: Option<usize>) -> Option<Self> {
        PLATFORMS.get(index).map(|platform| PlatformRead {
            platform,
            tenant_later,
            span_end,
        })
    }
}

/// The most columns a table has (campaigns: 12).
const MAX_TABLE_COLUMNS: usize = 12;

/// A parsed cell, before it is stored.
#[derive(Debug, Clone)]
enum Parsed<'a> {
    Null,
    Text(Cow<'a, [u8]>),
    Int(i64),
    Money(i64),
    Date(ParsedDate),
}

/// A row problem: the column (if one) and the reason.
type Problem = (Option<Column>, String);

/// Builds one table's staging columns from rows of cells.
#[derive(Debug)]
pub struct TableBuilder {
    table: TableKind,
    columns: Vec<(Column, StagedValues)>,
    extra_names: Vec<String>,
    extras: Vec<Vec<u32>>,
    rows: Vec<RowSource>,
    /// Rows rejected after staging (their slash date did not exist), ascending.
    dropped: Vec<usize>,
    dict: ByteDictionary,
    sections: Vec<Section>,
    rejected: Vec<RejectedRow>,
    rows_read: u64,
    /// Rows read by the parts already handed over ([`TableBuilder::cut`]).
    rows_cut: u64,
    /// Bytes of the text arena known to be ASCII, or the offset of its first byte that
    /// is not ([`TableBuilder::text_is_ascii`]): the arena only grows, so each byte is
    /// looked at once, not on every chunk.
    ascii_checked: usize,
    /// The table's date column, if it has one.
    date_slot: Option<usize>,
    /// Per table column, the last text key stored: rows often repeat the previous
    /// row's tenant or region, and comparing bytes is cheaper than hashing them.
    last_text: [u32; MAX_TABLE_COLUMNS],
    /// Per table column, how its text is keyed (see [`TextKeying`]).
    keying: [TextKeying; MAX_TABLE_COLUMNS],
    /// What the first ad platform's section said about its rows.
    source: Option<StagedSource>,
}

/// How many values of a text column are looked at before deciding how to key it.
const KEYING_WINDOW: u32 = 4096;

/// How a staged text column gets its keys. Columns start interned (one key per distinct
/// value, found by hashing). A column whose values are nearly all new (ids, unique
/// names) switches to appending: each value is stored under a new key without hashing,
/// and the commit's dimension dictionary (which must hash them anyway) removes repeats.
/// Either way the committed keys are the same; only the staging cost differs.
#[derive(Debug, Clone, Copy, Default)]
struct TextKeying {
    /// Values seen in the current window, and how many of them were new.
    seen: u32,
    new: u32,
    append: bool,
}

/// What [`TableBuilder::fork`] copies from its builder: the table, the extra columns,
/// and the current section's header mapping, number format and date system.
#[derive(Debug, Clone, PartialEq)]
pub struct ForkSpec {
    pub table: TableKind,
    pub extra_names: Vec<String>,
    pub sheet: Option<String>,
    /// Per table column: the source column holding it.
    pub slots: Vec<Option<usize>>,
    /// (source column, extra column index).
    pub extras: Vec<(usize, usize)>,
    pub format: NumberFormat,
    pub is_1904: bool,
    pub platform: Option<PlatformRead>,
}

/// What a fork staged, borrowed from it ([`TableBuilder::fork_view`]).
#[derive(Debug, Clone, Copy)]
pub struct ForkView<'a> {
    /// Rows seen (staged or rejected).
    pub rows_read: u64,
    pub rows: &'a [RowSource],
    /// One per table column, in the table's order.
    pub columns: &'a [(Column, StagedValues)],
    pub extras: &'a [Vec<u32>],
    pub dict: &'a ByteDictionary,
    pub rejected: &'a [RejectedRow],
    /// The section's sheet, which every rejection of the fork carries.
    pub sheet: Option<&'a str>,
    pub day_first: bool,
    /// (row index, date) of slash dates awaiting the section's rule.
    pub pending_dates: &'a [(usize, ParsedDate)],
}

/// What a fork staged, owned, for [`TableBuilder::with_parts`].
#[derive(Debug)]
pub struct ForkParts {
    pub rows_read: u64,
    pub rows: Vec<RowSource>,
    /// One per table column, in the table's order, of the fork's kinds.
    pub columns: Vec<StagedValues>,
    pub extras: Vec<Vec<u32>>,
    pub dict: ByteDictionary,
    pub rejected: Vec<RejectedRow>,
    pub day_first: bool,
    pub pending_dates: Vec<(usize, ParsedDate)>,
}

/// The finished staging table of one file and table.
#[derive(Debug)]
pub struct StagedTable {
    pub table: TableKind,
    pub columns: Vec<(Column, StagedValues)>,
    pub extra_names: Vec<String>,
    /// One column of raw-dictionary keys per extra name, one key per staged row.
    pub extras: Vec<Vec<u32>>,
    pub rows: Vec<RowSource>,
    /// Staged rows that were rejected afterwards; skip them.
    pub dropped: Vec<usize>,
    pub dict: ByteDictionary,
    /// Sheet names of the sections (XLSX), in order.
    pub sheets: Vec<String>,
    pub rejected: Vec<RejectedRow>,
    pub rows_read: u64,
    /// How the raw dictionary's bytes decode.
    pub encoding: TextEncoding,
    /// What an ad platform's export said about its rows (the first platform section's).
    pub source: Option<StagedSource>,
    /// Whether some rows were staged without a tenant, for the user to give one
    /// ([`StagedTable::fill_tenant`]); such a table must not be committed before.
    pub tenant_needed: bool,
}

/// Where an ad platform's export came from, for the load report's
/// [`SourceNote`] (not part of SPEC §7's JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedSource {
    pub platform: &'static str,
    pub tenant: TenantFrom,
    /// The currency the spend column's header names.
    pub currency: Option<String>,
    /// The extra column (index into `extra_names`) naming each row's currency.
    pub currency_extra: Option<usize>,
    /// The tenant the user gave ([`StagedTable::fill_tenant`]).
    pub given: Option<String>,
}

impl StagedTable {
    /// The staged text values decoded with the file's encoding. The raw dictionary is
    /// handed over (left empty): decoding a UTF-8 file's text moves it, without a copy.
    pub fn take_decoded_text(&mut self) -> DecodedText {
        decode_with(std::mem::take(&mut self.dict), self.encoding)
    }

    /// The staged text values decoded, leaving the staged table as it is (a copy).
    pub fn decoded_text(&self) -> DecodedText {
        decode_with(self.dict.clone(), self.encoding)
    }

    /// Gives the rows staged without a tenant (an ad platform's export that names none,
    /// SPEC §1) the tenant `tenant`, which the user chose.
    pub fn fill_tenant(&mut self, tenant: &str) {
        let key = self.dict.intern(tenant.trim().as_bytes());
        if let Some((_, StagedValues::Text(keys))) = self
            .columns
            .iter_mut()
            .find(|(c, _)| *c == Column::TenantId)
        {
            for k in keys.iter_mut().filter(|k| **k == NULL_KEY) {
                *k = key;
            }
        }
        self.tenant_needed = false;
        if let Some(source) = &mut self.source {
            source.given = Some(tenant.trim().to_string());
        }
    }

    /// The load report's note of where the rows came from, with the currencies the
    /// staged rows name (`decoded`: this table's text, decoded).
    pub fn source_note(&self, decoded: &DecodedText) -> Option<SourceNote> {
        let source = self.source.as_ref()?;
        let mut currencies: Vec<String> = source.currency.iter().cloned().collect();
        if let Some(extra) = source.currency_extra.and_then(|i| self.extras.get(i)) {
            for &key in extra {
                if key != NULL_KEY {
                    let value = decoded.get(key).trim();
                    if !value.is_empty() && !currencies.iter().any(|c| c == value) {
                        currencies.push(value.to_string());
                    }
                }
            }
        }
        Some(SourceNote {
            platform: source.platform,
            tenant_from: match &source.tenant {
                TenantFrom::Column(name) => format!("column {name}"),
                TenantFrom::Account(name) => format!("account column {name}"),
                TenantFrom::User => "given for this file".to_string(),
            },
            tenant: source.given.clone(),
            currencies,
        })
    }

    /// The values of a column of the table.
    pub fn column(&self, column: Column) -> &StagedValues {
        &self
            .columns
            .iter()
            .find(|(c, _)| *c == column)
            .expect("every column of the table is staged")
            .1
    }

    /// The staged keys of a text column (into [`StagedTable::dict`]).
    pub fn text(&self, column: Column) -> &[u32] {
        match self.column(column) {
            StagedValues::Text(v) => v,
            _ => unreachable!("{column:?} is a text column"),
        }
    }

    /// The values of a count column.
    pub fn counts(&self, column: Column) -> &[u32] {
        match self.column(column) {
            StagedValues::Count(v) => v,
            _ => unreachable!("{column:?} is a count column"),
        }
    }

    /// The values of a money column, in millionths.
    pub fn money(&self, column: Column) -> &[i64] {
        match self.column(column) {
            StagedValues::Money(v) => v,
            _ => unreachable!("{column:?} is a money column"),
        }
    }

    /// Number of rows staged and not dropped.
    pub fn loaded_rows(&self) -> usize {
        self.rows.len() - self.dropped.len()
    }
}

fn decode_with(dict: ByteDictionary, encoding: TextEncoding) -> DecodedText {
    dict.into_decoded(encoding == TextEncoding::Utf8, |bytes| {
        encoding.decode(bytes)
    })
}

impl TableBuilder {
    /// A builder for `table`.
    pub fn new(table: TableKind) -> Self {
        TableBuilder {
            table,
            columns: table
                .columns()
                .iter()
                .map(|i| (i.column, StagedValues::new(i.parse)))
                .collect(),
            extra_names: Vec::new(),
            extras: Vec::new(),
            rows: Vec::new(),
            dropped: Vec::new(),
            dict: ByteDictionary::default(),
            sections: Vec::new(),
            rejected: Vec::new(),
            rows_read: 0,
            rows_cut: 0,
            ascii_checked: 0,
            date_slot: table.slot(Column::Date),
            last_text: [NULL_KEY; MAX_TABLE_COLUMNS],
            keying: [TextKeying::default(); MAX_TABLE_COLUMNS],
            source: None,
        }
    }

    /// The table being built.
    pub fn table(&self) -> TableKind {
        self.table
    }

    /// Starts a section (a file, or one sheet) whose header matched this table.
    /// `is_1904` is the workbook's date system for serial dates.
    pub fn begin_section(
        &mut self,
        header: &HeaderMatch,
        sheet: Option<String>,
        format: NumberFormat,
        is_1904: bool,
    ) {
        debug_assert_eq!(header.table, self.table);
        self.end_section();
        let slots = self
            .table
            .columns()
            .iter()
            .map(|input| header.source_of(input.column))
            .collect();
        let mut extras = Vec::new();
        for (source, target) in header.targets.iter().enumerate() {
            if let ColumnTarget::Extra(name) = target {
                let index = match self.extra_names.iter().position(|n| n == name) {
                    Some(i) => i,
                    None => {
                        self.extra_names.push(name.clone());
                        self.extras.push(vec![NULL_KEY; self.rows.len()]);
                        self.extra_names.len() - 1
                    }
                };
                extras.push((source, index));
            }
        }
        self.sections.push(Section {
            sheet,
            slots,
            extras,
            format,
            is_1904,
            day_first: false,
            pending_dates: Vec::new(),
            first_rejection: self.rejected.len(),
            platform: PlatformRead::of(header),
        });
        if let (Some(platform), None) = (header.platform, &self.source) {
            let currency_extra = header
                .origin
                .currency_column
                .as_ref()
                .and_then(|name| self.extra_names.iter().position(|n| n == name));
            self.source = Some(StagedSource {
                platform: platform.name,
                tenant: header.origin.tenant.clone(),
                currency: header.origin.currency.clone(),
                currency_extra,
                given: None,
            });
        }
    }

    fn section(&self) -> &Section {
        self.sections.last().expect("begin_section before rows")
    }

    fn source_cell<'c, R: RowCells + ?Sized>(&self, slot: usize, cells: &'c R) -> Cell<'c> {
        self.section().slots[slot].map_or(Cell::Empty, |i| cells.cell(i))
    }

    /// Applies the slash-date rule's evidence: any slash date with A > 12 in the date
    /// column, on any row, rejected or not, makes the section's slash dates day/month.
    fn note_date_evidence<R: RowCells + ?Sized>(&mut self, cells: &R) {
        if let Some(slot) = self.date_slot {
            if let Cell::Text(text) = self.source_cell(slot, cells) {
                if text.contains(&b'/') && is_day_first_slash_date(text) {
                    self.sections.last_mut().expect("section").day_first = true;
                }
            }
        }
    }

    /// Records a row rejected as a whole by the reader (too many fields, not an object).
    /// `cells` are still checked for slash-date evidence.
    pub fn reject_row<R: RowCells + ?Sized>(&mut self, line: u64, reason: String, cells: &R) {
        self.rows_read += 1;
        self.note_date_evidence(cells);
        let sheet = self.section().sheet.clone();
        self.rejected.push(RejectedRow {
            line,
            sheet,
            column: None,
            reason,
        });
    }

    /// Validates one row and stages it, or records why it was rejected.
    pub fn push_row<R: RowCells + ?Sized>(&mut self, line: u64, cells: &R) {
        self.rows_read += 1;
        self.note_date_evidence(cells);
        let mut parsed: [Parsed<'_>; MAX_TABLE_COLUMNS] = std::array::from_fn(|_| Parsed::Null);
        let checked = match self.section().platform {
            Some(platform) => self.platform_problem(platform, cells),
            None => Ok(()),
        };
        match checked.and_then(|()| self.parse_row(cells, &mut parsed)) {
            Ok(()) => self.store_row(line, parsed, cells),
            Err((column, reason)) => {
                let sheet = self.section().sheet.clone();
                self.rejected.push(RejectedRow {
                    line,
                    sheet,
                    column: column.map(|c| c.name().to_string()),
                    reason,
                });
            }
        }
    }

    /// A platform's totals or footer row (SPEC §1), or a row summing several days.
    fn platform_problem<R: RowCells + ?Sized>(
        &self,
        platform: PlatformRead,
        cells: &R,
    ) -> Result<(), Problem> {
        let text = |cell: Cell<'_>| match cell {
            Cell::Text(t) => trim(t).to_vec(),
            Cell::Empty => Vec::new(),
            other => text_of(other, self.section().is_1904).map_or(Vec::new(), |t| t.into_owned()),
        };
        let identifying: Vec<Vec<u8>> = [Column::CampaignId, Column::CampaignName, Column::Date]
            .into_iter()
            .filter_map(|c| self.table.slot(c))
            .map(|slot| text(self.source_cell(slot, cells)))
            .collect();
        let identifying: Vec<&[u8]> = identifying.iter().map(Vec::as_slice).collect();
        if is_totals_row(&text(cells.cell(0)), &identifying) {
            return Err((None, "totals row".to_string()));
        }
        if let (Some(end), Some(slot)) = (platform.span_end, self.date_slot) {
            let (start, end) = (text(self.source_cell(slot, cells)), text(cells.cell(end)));
            if !end.is_empty() && !start.is_empty() && start != end {
                return Err((
                    Some(Column::Date),
                    format!(
                        "the row sums {} to {}: download the {} report by day (one row per \
                         campaign and day)",
                        String::from_utf8_lossy(&start),
                        String::from_utf8_lossy(&end),
                        platform.platform.name
                    ),
                ));
            }
        }
        Ok(())
    }

    fn parse_row<'c, R: RowCells + ?Sized>(
        &self,
        cells: &'c R,
        parsed: &mut [Parsed<'c>; MAX_TABLE_COLUMNS],
    ) -> Result<(), Problem> {
        let section = self.section();
        let tenant_later = section.platform.is_some_and(|p| p.tenant_later);
        for (slot, input) in self.table.columns().iter().enumerate() {
            let (column, mut required) = (input.column, input.required);
            if tenant_later && column == Column::TenantId {
                // Given by the user after staging (StagedTable::fill_tenant).
                required = false;
            }
            let cell = self.source_cell(slot, cells);
            // Parsed in its slot, not moved there: a `Parsed` written by `parse_cell`
            // and read back at once as a whole failed the CPU's store-to-load
            // forwarding on every cell (a tenth of a CSV's staging in `perf`).
            let value = &mut parsed[slot];
            *value = match (cell, required) {
                // An error cached in an optional column is no value (SPEC §4 rejects
                // only required columns that are missing or unparseable).
                (Cell::Error(_), false) => Parsed::Null,
                _ => parse_cell(input.parse, cell, section.format, section.is_1904)
                    .map_err(|e| (Some(column), e.to_string()))?,
            };
            if matches!(value, Parsed::Null) && required {
                return Err((
                    Some(column),
                    format!("required value {} is missing", column.name()),
                ));
            }
            check_range(input, value)?;
        }
        if self.table == TableKind::Campaigns {
            let (impressions, clicks) = (
                int_at(parsed, CAMPAIGN_IMPRESSIONS),
                int_at(parsed, CAMPAIGN_CLICKS),
            );
            if clicks > impressions {
                return Err((
                    Some(Column::Clicks),
                    format!("clicks ({clicks}) > impressions ({impressions})"),
                ));
            }
        }
        Ok(())
    }

    fn store_row<R: RowCells + ?Sized>(
        &mut self,
        line: u64,
        parsed: [Parsed<'_>; MAX_TABLE_COLUMNS],
        cells: &R,
    ) {
        let row = self.rows.len();
        let section_index = self.sections.len() - 1;
        let channel = self.sections[section_index]
            .platform
            .map(|p| p.platform.channel.as_bytes());
        for (slot, ((column, values), value)) in self.columns.iter_mut().zip(parsed).enumerate() {
            match (values, value) {
                // The platform's channel where no column gives one (SPEC §1).
                (StagedValues::Text(v), Parsed::Null)
                    if *column == Column::Channel && channel.is_some() =>
                {
                    v.push(self.dict.intern(channel.expect("checked")));
                }
                (StagedValues::Text(v), Parsed::Null) => v.push(NULL_KEY),
                (StagedValues::Text(v), Parsed::Text(text)) => {
                    let keying = &mut self.keying[slot];
                    let key = if keying.append {
                        self.dict.append(&text)
                    } else {
                        let last = self.last_text[slot];
                        let key = if last != NULL_KEY && self.dict.value(last) == &*text {
                            last
                        } else {
                            let before = self.dict.len();
                            let key = self.dict.intern(&text);
                            keying.new += u32::from(self.dict.len() > before);
                            key
                        };
                        keying.seen += 1;
                        if keying.seen == KEYING_WINDOW {
                            keying.append = keying.new > KEYING_WINDOW / 4 * 3;
                            (keying.seen, keying.new) = (0, 0);
                        }
                        self.last_text[slot] = key;
                        key
                    };
                    v.push(key);
                }
                (StagedValues::Count(v), Parsed::Int(n)) => v.push(n as u32),
                (StagedValues::Year(v), Parsed::Int(n)) => v.push(n as u16),
                (StagedValues::Month(v), Parsed::Int(n)) => v.push(n as u8),
                (StagedValues::Money(v), Parsed::Money(m)) => v.push(m),
                (StagedValues::Date(v), Parsed::Date(ParsedDate::Day(d))) => v.push(d),
                (StagedValues::Date(v), Parsed::Date(slash)) => {
                    v.push(0);
                    self.sections[section_index]
                        .pending_dates
                        .push((row, slash));
                }
                (_, value) => unreachable!("parse_cell returns the column's type, got {value:?}"),
            }
        }
        self.rows.push(RowSource {
            line,
            section: section_index as u16,
        });
        for extra in &mut self.extras {
            extra.push(NULL_KEY);
        }
        let is_1904 = self.sections[section_index].is_1904;
        for &(source, index) in &self.sections[section_index].extras {
            if let Some(text) = text_of(cells.cell(source), is_1904) {
                self.extras[index][row] = self.dict.intern(&text);
            }
        }
    }

    /// Resolves the current section's slash dates with its rule.
    fn end_section(&mut self) {
        let Some(section) = self.sections.last_mut() else {
            return;
        };
        let pending = std::mem::take(&mut section.pending_dates);
        if pending.is_empty() {
            return;
        }
        let first_rejection = section.first_rejection;
        let day_first = section.day_first;
        let sheet = section.sheet.clone();
        let dates = match &mut self
            .columns
            .iter_mut()
            .find(|(c, _)| *c == Column::Date)
            .expect("slash dates come from a date column")
            .1
        {
            StagedValues::Date(dates) => dates,
            _ => unreachable!("the date column stages dates"),
        };
        for (row, date) in pending {
            match date.resolve(day_first) {
                Some(day) => dates[row] = day,
                None => {
                    let ParsedDate::Slash { a, b, year } = date else {
                        unreachable!()
                    };
                    let rule = if day_first {
                        "day/month, because a date of this column has a first number above 12"
                    } else {
                        "month/day"
                    };
                    self.dropped.push(row);
                    self.rejected.push(RejectedRow {
                        line: self.rows[row].line,
                        sheet: sheet.clone(),
                        column: Some(Column::Date.name().to_string()),
                        reason: format!(
                            "'{a:02}/{b:02}/{year}' is not a valid date when read as {rule}"
                        ),
                    });
                }
            }
        }
        self.dropped.sort_unstable();
        // Late rejections join the section's others in source order.
        self.rejected[first_rejection..].sort_by_key(|r| r.line);
    }

    /// Number of rows seen so far (staged or rejected), parts handed over included.
    pub fn rows_read(&self) -> u64 {
        self.rows_cut + self.rows_read
    }

    /// Rows seen since the last part was handed over.
    pub fn part_rows(&self) -> u64 {
        self.rows_read
    }

    /// Whether the text staged since the last part is all ASCII, which reads the same
    /// whatever the file's encoding turns out to be.
    pub fn text_is_ascii(&mut self) -> bool {
        let new = &self.dict.arena().0[self.ascii_checked..];
        if new.is_ascii() {
            self.ascii_checked += new.len();
            return true;
        }
        self.ascii_checked += new.iter().position(|b| !b.is_ascii()).unwrap_or(0);
        false
    }

    /// Hands over the rows seen since the last part as a staged table of their own, to
    /// be committed before the file ends, and goes on with an empty builder for the same
    /// section. `None` when they cannot be settled yet: a slash date waits for the
    /// section's month/day rule, which a later row may still decide (SPEC §3), unless a
    /// date has already decided it for day/month, which no later row can undo. What the
    /// parts hold, in order, is what one [`finish`](TableBuilder::finish) would (their
    /// counts add up; their rejected rows are in line order), since a part is cut only
    /// when nothing in it waits for the rest of the file. For one-section builders
    /// (delimited text).
    pub fn cut(&mut self) -> Option<StagedTable> {
        debug_assert_eq!(self.sections.len(), 1, "parts are cut from delimited text");
        let section = self.section();
        if !section.pending_dates.is_empty() && !section.day_first {
            return None;
        }
        let day_first = section.day_first;
        self.end_section();
        let mut next = self.fork();
        next.sections[0].day_first = day_first;
        next.rows_cut = self.rows_cut + self.rows_read;
        Some(std::mem::replace(self, next).finish())
    }

    /// Ends the last section and hands over the staging table.
    pub fn finish(mut self) -> StagedTable {
        self.end_section();
        let mut sheets = Vec::new();
        for section in &self.sections {
            if let Some(name) = &section.sheet {
                if !sheets.contains(name) {
                    sheets.push(name.clone());
                }
            }
        }
        StagedTable {
            table: self.table,
            columns: self.columns,
            extra_names: self.extra_names,
            extras: self.extras,
            rows: self.rows,
            dropped: self.dropped,
            dict: self.dict,
            sheets,
            rejected: self.rejected,
            rows_read: self.rows_read,
            encoding: TextEncoding::Utf8,
            tenant_needed: self
                .sections
                .iter()
                .any(|s| s.platform.is_some_and(|p| p.tenant_later)),
            source: self.source,
        }
    }
}

#[cfg(test)]
mod tests;

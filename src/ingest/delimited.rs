//! Delimited text (CSV, TSV, `;` and `|` files) as a push parser (SPEC §3).
//!
//! Bytes arrive in chunks of any size ([`DelimitedReader::push`]), are parsed by
//! `csv-core` (which does no I/O and keeps its state between chunks) and go straight
//! into a [`TableBuilder`]; nothing but the current record is buffered, so a file of
//! several GB streams through in constant memory. The first lines are buffered until the
//! delimiter and the header are known: the header is the first line, within the first
//! 20, that matches a table, and the delimiter (`,` `;` tab `|`) is the one under which a
//! line matches best. The result never depends on where the chunks split: csv-core's
//! state machine and the [`LineCounter`] both carry their state across chunks.

use crate::error::LoadError;
use crate::ingest::wire::{self, Reader as WireReader, Writer};
use crate::model::schema::{best_table, HeaderMatch};
use crate::transform::stage::{Cell, RowCells, StagedTable, TableBuilder, TextEncoding};
use crate::transform::value::{lossy, trim, NumberFormat};
use csv_core::{ReadRecordResult, Reader, ReaderBuilder};
use std::collections::VecDeque;

/// The delimiters sniffed, in the order that breaks ties.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];
/// The header must start within this many lines.
pub const HEADER_SEARCH_LINES: u64 = 20;
/// Bytes buffered at most while looking for the header.
pub const HEADER_SEARCH_BYTES: usize = 4 << 20;
/// The longest record accepted, in bytes (a larger one is refused, not buffered).
pub const MAX_RECORD_BYTES: usize = 64 << 20;
/// The most fields one record may have (each costs 8 bytes of offsets while it is read).
pub const MAX_RECORD_FIELDS: usize = 1 << 21;

/// The least bytes of complete lines worth splitting across threads: below it, starting
/// threads and merging their rows costs more than it saves.
pub const PARALLEL_MIN_BYTES: usize = 1 << 20;

/// The most runs handed out to other workers and waiting for their answers at once: a
/// page keeps its workers busy with the next run while it absorbs the last (two or
/// three), and a run nobody answers is read here before a fifth would be handed out,
/// so what waits stays a few chunks however the page behaves.
pub const MAX_RUNS_HANDED_OUT: usize = 4;

/// Counts line breaks (LF, CRLF or a lone CR) across chunks.
#[derive(Debug, Default, Clone)]
pub struct LineCounter {
    breaks: u64,
    prev_cr: bool,
}

impl LineCounter {
    /// Counts the breaks in the next bytes.
    pub fn count(&mut self, bytes: &[u8]) {
        let Some(&last) = bytes.last() else { return };
        if !self.prev_cr && memchr::memchr(b'\r', bytes).is_none() {
            self.breaks += memchr::memchr_iter(b'\n', bytes).count() as u64;
            self.prev_cr = false;
            return;
        }
        for &b in bytes {
            match b {
                b'\r' => self.breaks += 1,
                b'\n' if !self.prev_cr => self.breaks += 1,
                _ => {}
            }
            self.prev_cr = b == b'\r';
        }
        debug_assert_eq!(self.prev_cr, last == b'\r');
    }

    /// Line breaks seen so far.
    pub fn breaks(&self) -> u64 {
        self.breaks
    }
}

/// `true` when the first lines hold a carriage return not followed by a line feed: a
/// file with old Mac line endings, whose lines csv-core's `\n` count cannot number.
/// Only the bytes up to the end of line 21 (and at most [`HEADER_SEARCH_BYTES`]) are
/// looked at, so the answer never depends on how much the first chunks held.
fn has_lone_cr(buffer: &[u8]) -> bool {
    let mut counter = LineCounter::default();
    let mut end = buffer.len().min(HEADER_SEARCH_BYTES);
    for (i, &b) in buffer[..end].iter().enumerate() {
        counter.count(&[b]);
        if counter.breaks() > HEADER_SEARCH_LINES {
            end = i + 1;
            break;
        }
    }
    let prefix = &buffer[..end];
    memchr::memchr_iter(b'\r', prefix).any(|i| prefix.get(i + 1).is_some_and(|&b| b != b'\n'))
}

/// Line breaks within a finished byte string.
fn breaks_in(bytes: &[u8]) -> u64 {
    let mut counter = LineCounter::default();
    counter.count(bytes);
    counter.breaks()
}

/// The fields of one record, however it was split.
trait Fields: RowCells {
    fn len(&self) -> usize;
    fn field(&self, i: usize) -> &[u8];
    /// All of the record's field bytes (with or without delimiters between them).
    fn bytes(&self) -> &[u8];

    fn is_blank(&self) -> bool {
        // Nearly every record fails at its first byte; only records of nothing but
        // whitespace (or a non-breaking space) need the per-field check.
        !self.bytes().iter().any(u8::is_ascii_graphic)
            && (0..self.len()).all(|i| trim(self.field(i)).is_empty())
    }
}

/// A record as csv-core hands it over: its fields' bytes concatenated (quotes
/// removed), and where each field ends.
struct Record<'a> {
    data: &'a [u8],
    ends: &'a [usize],
}

impl Fields for Record<'_> {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }

    fn bytes(&self) -> &[u8] {
        self.data
    }
}

impl RowCells for Record<'_> {
    fn cell(&self, index: usize) -> Cell<'_> {
        if index < self.len() {
            Cell::Text(self.field(index))
        } else {
            Cell::Empty
        }
    }
}

/// A record of one line without quotes, split in place: field `i` runs from just after
/// the delimiter ending field `i - 1` to `ends[i]`. Only the fields a row can use (as
/// many as the header has) are located; `count` is how many the line has.
struct LineRecord<'a> {
    line: &'a [u8],
    ends: &'a [usize],
    count: usize,
    delimiter: u8,
}

impl Fields for LineRecord<'_> {
    fn len(&self) -> usize {
        self.count
    }

    fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] + 1 };
        &self.line[start..self.ends[i]]
    }

    fn bytes(&self) -> &[u8] {
        self.line
    }

    fn is_blank(&self) -> bool {
        !self
            .line
            .iter()
            .any(|&b| b.is_ascii_graphic() && b != self.delimiter)
            && self
                .line
                .split(|&b| b == self.delimiter)
                .all(|f| trim(f).is_empty())
    }
}

impl RowCells for LineRecord<'_> {
    fn cell(&self, index: usize) -> Cell<'_> {
        if index < self.ends.len() {
            Cell::Text(self.field(index))
        } else {
            Cell::Empty
        }
    }
}

/// csv-core plus the buffers of the record being read and the line count.
///
/// Lines are numbered from csv-core's own count of `\n` (free: its state machine
/// looks at every byte anyway), unless the file has lone CR line endings; then every
/// consumed byte goes through a [`LineCounter`].
struct RecordSplitter {
    reader: Reader,
    data: Vec<u8>,
    data_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    /// `Some` when lone CRs end lines.
    cr_lines: Option<LineCounter>,
}

/// What [`RecordSplitter::next`] found.
enum Next {
    /// A record whose first physical line is `line`; read it with `record()`.
    Record { line: u64 },
    /// The input is used up; more may come.
    NeedInput,
    /// The end of the input was reached (only when told it is the end).
    End,
    /// A record outgrew [`MAX_RECORD_BYTES`].
    TooLong,
    /// A record outgrew [`MAX_RECORD_FIELDS`].
    TooManyFields,
}

impl RecordSplitter {
    fn new(delimiter: u8, lone_cr: bool) -> Self {
        RecordSplitter {
            reader: ReaderBuilder::new().delimiter(delimiter).build(),
            data: vec![0; 4096],
            data_len: 0,
            ends: vec![0; 64],
            ends_len: 0,
            cr_lines: lone_cr.then(LineCounter::default),
        }
    }

    /// Line breaks consumed so far.
    fn breaks(&self) -> u64 {
        match &self.cr_lines {
            Some(counter) => counter.breaks(),
            None => self.reader.line() - 1,
        }
    }

    /// Reads from `input[*pos..]`; an empty `input` with `at_end` means end of file.
    fn next(&mut self, input: &[u8], pos: &mut usize, at_end: bool) -> Next {
        loop {
            let rest = &input[*pos..];
            if rest.is_empty() && !at_end {
                return Next::NeedInput;
            }
            let (result, nin, nout, nend) = self.reader.read_record(
                rest,
                &mut self.data[self.data_len..],
                &mut self.ends[self.ends_len..],
            );
            if let Some(counter) = &mut self.cr_lines {
                counter.count(&rest[..nin]);
            }
            *pos += nin;
            self.data_len += nout;
            self.ends_len += nend;
            match result {
                ReadRecordResult::InputEmpty => {
                    if !at_end {
                        return Next::NeedInput;
                    }
                }
                ReadRecordResult::OutputFull => {
                    if self.data.len() >= MAX_RECORD_BYTES {
                        return Next::TooLong;
                    }
                    let grown = self.data.len() * 2;
                    self.data.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    if self.ends.len() >= MAX_RECORD_FIELDS {
                        return Next::TooManyFields;
                    }
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record => {
                    let data = &self.data[..self.data_len];
                    let last = nin.checked_sub(1).map(|i| rest[i]);
                    let (terminated, inside) = if self.cr_lines.is_some() {
                        (matches!(last, Some(b'\n' | b'\r')), breaks_in(data))
                    } else {
                        // csv-core has counted the terminator if it was a \n (a CRLF's
                        // \n is consumed with the next record).
                        let inside = match memchr::memchr(b'\n', data) {
                            Some(_) => memchr::memchr_iter(b'\n', data).count() as u64,
                            None => 0,
                        };
                        (last == Some(b'\n'), inside)
                    };
                    let line = self.breaks() + 1 - inside - u64::from(terminated);
                    return Next::Record { line };
                }
                ReadRecordResult::End => return Next::End,
            }
        }
    }

    fn record(&self) -> Record<'_> {
        Record {
            data: &self.data[..self.data_len],
            ends: &self.ends[..self.ends_len],
        }
    }

    fn clear_record(&mut self) {
        self.data_len = 0;
        self.ends_len = 0;
    }

    /// Makes csv-core start a record afresh after `breaks` line feeds were read without it
    /// (by the line fast path). Only used when line feeds end lines (no lone CRs).
    fn restart(&mut self, breaks: u64) {
        debug_assert!(self.cr_lines.is_none());
        self.reader.reset();
        self.reader.set_line(breaks + 1);
        self.clear_record();
    }
}

/// Where the header was found.
struct HeaderChoice {
    delimiter: u8,
    /// Lone CRs end lines.
    lone_cr: bool,
    /// Records (non-blank lines) before the header.
    records_before: usize,
    line: u64,
    matched: HeaderMatch,
}

/// Looks for the header in the buffered first lines under each delimiter.
fn find_header(buffer: &[u8], at_end: bool) -> Result<HeaderChoice, LoadError> {
    let mut best: Option<HeaderChoice> = None;
    let mut closest: Option<(u64, HeaderMatch)> = None;
    let lone_cr = has_lone_cr(buffer);
    // Under a delimiter the buffer does not hold, every record is its whole line: the
    // same records under each such delimiter, so only the first of them (which wins
    // ties, as the rest could only tie) is read. A comma file reads two, not four.
    let mut absent_read = false;
    for delimiter in DELIMITERS {
        if memchr::memchr(delimiter, buffer).is_none() {
            if absent_read {
                continue;
            }
            absent_read = true;
        }
        let mut splitter = RecordSplitter::new(delimiter, lone_cr);
        let mut pos = 0;
        let mut index = 0;
        while let Next::Record { line } = splitter.next(buffer, &mut pos, at_end) {
            if line > HEADER_SEARCH_LINES {
                break;
            }
            let record = splitter.record();
            let names: Vec<String> = (0..record.len()).map(|i| lossy(record.field(i))).collect();
            match best_table(&names) {
                Ok(matched) => {
                    let better = best
                        .as_ref()
                        .is_none_or(|b| matched.matched > b.matched.matched);
                    if better {
                        best = Some(HeaderChoice {
                            delimiter,
                            lone_cr,
                            records_before: index,
                            line,
                            matched,
                        });
                    }
                    break;
                }
                Err(near) => {
                    let closer = closest.as_ref().is_none_or(|(_, c)| {
                        (near.missing.len(), std::cmp::Reverse(near.matched))
                            < (c.missing.len(), std::cmp::Reverse(c.matched))
                    });
                    if closer {
                        closest = Some((line, near));
                    }
                }
            }
            splitter.clear_record();
            index += 1;
        }
    }
    match (best, closest) {
        (Some(choice), _) => Ok(choice),
        (None, Some((line, near))) => Err(LoadError::NoTableMatches {
            closest: near.table.name(),
            missing: near.missing,
            sheet: None,
            line: Some(line),
        }),
        (None, None) if at_end => Err(LoadError::Empty),
        (None, None) => Err(LoadError::Limit(format!(
            "the first {} MB of the file hold no complete line; is it really delimited text?",
            HEADER_SEARCH_BYTES >> 20
        ))),
    }
}

/// Parsing state after the header was found.
///
/// Most lines of real files hold no quote: such a line is split where it lies, with no
/// copy and no per-byte state machine (the *line path*). A record with a quote (or a
/// carriage return inside its line) goes to csv-core, which reads that one record and
/// hands back; a file whose lines end in lone CRs goes to csv-core throughout. Both
/// paths yield the same records as csv-core alone would (tested below, property-based).
struct Body {
    splitter: RecordSplitter,
    builder: TableBuilder,
    header_len: usize,
    delimiter: u8,
    /// Records still to skip: the title lines and the header itself.
    skip: usize,
    /// Every record goes through csv-core (lone CR line endings, or tests).
    csv_core_only: bool,
    /// csv-core is in the middle of a record begun in an earlier chunk.
    in_csv_core: bool,
    /// The start of a line cut by the end of a chunk (line path only).
    carry: Vec<u8>,
    /// Line feeds read so far (line path; csv-core counts its own while it reads).
    breaks: u64,
    /// Where the located fields of the current line end.
    ends: Vec<usize>,
    /// Threads to read long runs of quote-free lines with (1: this thread only), and
    /// the least bytes of such a run worth splitting.
    threads: usize,
    parallel_min: usize,
    /// Long runs of quote-free lines are handed out (to the page's parsing workers)
    /// rather than read on threads: see [`DelimitedReader::with_outsourcing`].
    outsource: bool,
    /// Runs handed out and not yet absorbed, oldest first; the bytes after the last
    /// wait in `carry`, unread, so nothing after a run is staged before it. More than
    /// one waits when the page reads the next chunk while the workers read the last
    /// (a pipeline): see [`MAX_RUNS_HANDED_OUT`].
    outsourced: VecDeque<Vec<u8>>,
    /// The last push handed out a run (the newest in `outsourced`).
    fresh: bool,
    /// Bytes of lines read by other workers and absorbed here.
    bytes_absorbed: u64,
    /// Runs handed out and settled so far: the oldest waiting run's number, which its
    /// answers must carry.
    runs_outsourced: u64,
}

/// What became of a buffer given to [`Body::lines`].
enum Consumed {
    /// Every byte up to this offset was used; the rest is an unfinished line.
    UpTo(usize),
    /// csv-core used every byte and waits for the rest of its record.
    InCsvCore,
}

impl Body {
    fn new(
        delimiter: u8,
        lone_cr: bool,
        csv_core_only: bool,
        builder: TableBuilder,
        header_len: usize,
        skip: usize,
    ) -> Self {
        Body {
            splitter: RecordSplitter::new(delimiter, lone_cr),
            builder,
            header_len,
            delimiter,
            skip,
            csv_core_only: lone_cr || csv_core_only,
            in_csv_core: false,
            carry: Vec::new(),
            breaks: 0,
            ends: Vec::with_capacity(header_len),
            threads: 1,
            parallel_min: PARALLEL_MIN_BYTES,
            outsource: false,
            outsourced: VecDeque::new(),
            fresh: false,
            bytes_absorbed: 0,
            runs_outsourced: 0,
        }
    }

    /// Stages (or skips, or rejects) one record.
    fn take<F: Fields>(
        builder: &mut TableBuilder,
        skip: &mut usize,
        header_len: usize,
        line: u64,
        record: &F,
    ) {
        if *skip > 0 {
            *skip -= 1;
        } else if record.is_blank() {
            // Blank lines and lines of empty fields are neither rows nor counted.
        } else if record.len() > header_len {
            let reason = format!(
                "the row has {} fields but the header has {}",
                record.len(),
                header_len
            );
            builder.reject_row(line, reason, record);
        } else {
            builder.push_row(line, record);
        }
    }

    fn feed(&mut self, input: &[u8], at_end: bool) -> Result<(), LoadError> {
        self.fresh = false;
        if self.outsource && !at_end {
            if let Some(complete) = self.run_after_carry(input) {
                let mut run = std::mem::take(&mut self.carry);
                run.extend_from_slice(&input[..complete]);
                return self.hand_out(run, &input[complete..]);
            }
        }
        // Whatever is read here comes after the runs handed out.
        self.settle()?;
        if self.csv_core_only {
            let mut pos = 0;
            return self.csv_core_records(input, &mut pos, at_end, usize::MAX);
        }
        let mut pos = 0;
        if self.in_csv_core {
            self.csv_core_records(input, &mut pos, at_end, 1)?;
            if self.in_csv_core {
                return Ok(());
            }
        }
        if !self.carry.is_empty() {
            // Complete the cut line from the new bytes, then read it as a buffer of its own.
            let rest = &input[pos..];
            let taken = match memchr::memchr(b'\n', rest) {
                Some(at) => at + 1,
                None if at_end => rest.len(),
                None => {
                    if self.carry.len() + rest.len() > MAX_RECORD_BYTES {
                        return Err(self.too_long());
                    }
                    self.carry.extend_from_slice(rest);
                    return Ok(());
                }
            };
            // Past the limit already (as an unfinished line would be above): refused
            // before the carry doubles to hold it.
            if self.carry.len() + taken > MAX_RECORD_BYTES + 1 {
                return Err(self.too_long());
            }
            let mut carry = std::mem::take(&mut self.carry);
            carry.reserve_exact(taken);
            carry.extend_from_slice(&rest[..taken]);
            pos += taken;
            let ends_the_file = at_end && pos == input.len();
            let consumed = self.lines(&carry, ends_the_file);
            // What is left of the carry is an unfinished line only if no line feed came.
            match consumed? {
                Consumed::InCsvCore => {}
                Consumed::UpTo(used) if used < carry.len() => {
                    debug_assert!(!carry[used..].contains(&b'\n'));
                    carry.drain(..used);
                    self.carry = carry;
                    debug_assert!(pos == input.len());
                    return Ok(());
                }
                Consumed::UpTo(_) => {
                    carry.clear();
                    self.carry = carry; // keep the allocation
                }
            }
            if self.in_csv_core {
                self.csv_core_records(input, &mut pos, at_end, 1)?;
                if self.in_csv_core {
                    return Ok(());
                }
            }
        }
        let mut rest = &input[pos..];
        if let Some(split) = self.parallel_run(rest) {
            if self.outsource {
                return self.hand_out(rest[..split].to_vec(), &rest[split..]);
            }
            self.lines_in_parallel(&rest[..split])?;
            rest = &rest[split..];
        }
        match self.lines(rest, at_end)? {
            Consumed::InCsvCore => {}
            Consumed::UpTo(used) => {
                let unfinished = &rest[used..];
                if unfinished.len() > MAX_RECORD_BYTES {
                    return Err(self.too_long());
                }
                self.carry.extend_from_slice(unfinished);
            }
        }
        Ok(())
    }

    /// Reads the complete lines of `buffer` (and its last, unterminated line when
    /// `at_end`). A record csv-core starts and does not finish within `buffer` leaves it
    /// waiting for more input (`in_csv_core`).
    fn lines(&mut self, buffer: &[u8], at_end: bool) -> Result<Consumed, LoadError> {
        let mut pos = 0;
        while pos < buffer.len() {
            let rest = &buffer[pos..];
            let (line_len, terminated) = match memchr::memchr(b'\n', rest) {
                Some(at) => (at, true),
                None if at_end => (rest.len(), false),
                None => return Ok(Consumed::UpTo(pos)),
            };
            let mut line = &rest[..line_len];
            if let [head @ .., b'\r'] = line {
                line = head;
            }
            if memchr::memchr2(b'"', b'\r', line).is_some() {
                // Quoted fields (which may span lines), or CRs inside the line: csv-core
                // reads records from here until it has passed the end of this line, so
                // a line of many CR-ended records is searched for its end only once.
                let line_end = pos + line_len + usize::from(terminated);
                self.splitter.restart(self.breaks);
                while pos < line_end {
                    self.in_csv_core = true;
                    self.csv_core_records(buffer, &mut pos, at_end, 1)?;
                    if self.in_csv_core {
                        debug_assert_eq!(pos, buffer.len());
                        return Ok(Consumed::InCsvCore);
                    }
                }
                continue;
            }
            let number = self.breaks + 1;
            self.breaks += u64::from(terminated);
            pos += line_len + usize::from(terminated);
            if line.is_empty() {
                continue; // csv-core skips empty lines without a record
            }
            self.ends.clear();
            let mut count = 1;
            // memchr's vector scan: a byte-by-byte loop paid a mispredicted branch per
            // field (a field is about ten bytes).
            for i in memchr::memchr_iter(self.delimiter, line) {
                if self.ends.len() < self.header_len {
                    self.ends.push(i);
                }
                count += 1;
            }
            if count > MAX_RECORD_FIELDS {
                return Err(too_many_fields(number));
            }
            if self.ends.len() < self.header_len {
                self.ends.push(line.len());
            }
            let record = LineRecord {
                line,
                ends: &self.ends,
                count,
                delimiter: self.delimiter,
            };
            Self::take(
                &mut self.builder,
                &mut self.skip,
                self.header_len,
                number,
                &record,
            );
        }
        Ok(Consumed::UpTo(pos))
    }

    /// How many leading bytes of `rest` (input that starts a line, nothing carried or
    /// pending in csv-core) to read on several threads: its complete lines, when there
    /// are at least `parallel_min` bytes of them and they hold no quote. Without quotes
    /// every line feed ends a record, so any line start is a safe place to split; a run
    /// with a quote (which may hide a line feed inside a field) is read on this thread.
    fn parallel_run(&self, rest: &[u8]) -> Option<usize> {
        if (self.threads < 2 && !self.outsource)
            || self.csv_core_only
            || self.in_csv_core
            || self.skip > 0
            || !self.carry.is_empty()
            || rest.len() < self.parallel_min
        {
            return None;
        }
        let complete = memchr::memrchr(b'\n', rest)? + 1;
        (complete >= self.parallel_min && memchr::memchr(b'"', &rest[..complete]).is_none())
            .then_some(complete)
    }

    /// Hands `run` (complete lines) out to other workers, after reading here the runs
    /// still out when [`MAX_RUNS_HANDED_OUT`] are. The unfinished line after it is only
    /// carried (not read), so no record after the run is staged before it.
    fn hand_out(&mut self, run: Vec<u8>, unfinished: &[u8]) -> Result<(), LoadError> {
        if unfinished.len() > MAX_RECORD_BYTES {
            return Err(self.too_long());
        }
        if self.outsourced.len() >= MAX_RUNS_HANDED_OUT {
            self.settle()?;
        }
        self.outsourced.push_back(run);
        self.fresh = true;
        self.carry.extend_from_slice(unfinished);
        Ok(())
    }

    /// How many leading bytes of `input` end a run to hand out, read after the carried
    /// start of a line: the complete lines of carry and input together, when they are
    /// at least `parallel_min` bytes and hold no quote. Only where nothing is pending in
    /// csv-core or to skip, so the carry is a plain line start (perhaps none).
    fn run_after_carry(&self, input: &[u8]) -> Option<usize> {
        if self.csv_core_only || self.in_csv_core || self.skip > 0 {
            return None;
        }
        let complete = memchr::memrchr(b'\n', input)? + 1;
        (self.carry.len() + complete >= self.parallel_min
            && memchr::memchr(b'"', &self.carry).is_none()
            && memchr::memchr(b'"', &input[..complete]).is_none())
        .then_some(complete)
    }

    /// Reads `run` (complete, quote-free lines) in `threads` pieces split at line starts:
    /// the first on this thread into this body's builder, each other into a
    /// [`TableBuilder::fork`] on a thread of its own, absorbed in file order with its
    /// line numbers shifted by the lines before it. The result is what reading `run`
    /// here would give, row for row (tests below); on any error the pieces are dropped
    /// and `run` is read here, so the error and its line are the same too.
    #[cfg(not(target_arch = "wasm32"))]
    fn lines_in_parallel(&mut self, run: &[u8]) -> Result<(), LoadError> {
        let pieces = split_at_line_starts(run, self.threads);
        let (first, others) = pieces.split_first().expect("at least one piece");
        let (delimiter, header_len) = (self.delimiter, self.header_len);
        let forks: Vec<TableBuilder> = others.iter().map(|_| self.builder.fork()).collect();
        let (first_result, read) = std::thread::scope(|scope| {
            let handles: Vec<_> = others
                .iter()
                .zip(forks)
                .map(|(piece, fork)| {
                    scope.spawn(move || {
                        let mut body = Body::new(delimiter, false, false, fork, header_len, 0);
                        body.lines(piece, true).map(|_| (body.builder, body.breaks))
                    })
                })
                .collect();
            let first_result = self.lines(first, true);
            let read: Vec<_> = handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect();
            (first_result, read)
        });
        match (
            first_result,
            read.into_iter().collect::<Result<Vec<_>, _>>(),
        ) {
            (Ok(_), Ok(read)) => {
                for (fork, breaks) in read {
                    self.builder.absorb(fork, self.breaks);
                    self.breaks += breaks;
                }
                Ok(())
            }
            (first_result, _) => {
                // The first piece's error stands as it is; a later piece's is found again
                // by reading the rest here, so it names the line the whole file would.
                first_result?;
                self.lines(&run[first.len()..], true).map(|_| ())
            }
        }
    }

    /// The run the last push handed out, split into one piece per worker at line
    /// starts, and what a worker needs to read a piece ([`parse_piece`]).
    fn work(&self) -> Option<Work<'_>> {
        if !self.fresh {
            return None;
        }
        let run = self.outsourced.back()?;
        let number = self.runs_outsourced + self.outsourced.len() as u64 - 1;
        let mut w = Writer::default();
        w.u64(number);
        w.u8(self.delimiter);
        w.count(self.header_len);
        wire::write_fork_spec(&self.builder, &mut w);
        Some(Work {
            run: number,
            spec: w.into_bytes(),
            pieces: split_at_line_starts(run, self.threads),
        })
    }

    /// Takes the workers' answers for run `number`, one per piece in order, as
    /// [`Body::lines_in_parallel`] takes its threads'. Runs handed out before it and
    /// still waiting are read here first (their answers never came); answers for a run
    /// already settled are ignored. When any answer is an error or not a fork of this
    /// builder, the run is read here instead, so the rows, the rejections and an
    /// error's line are those of one worker. `true` when the answers were used.
    fn absorb_work(&mut self, number: u64, answers: &[&[u8]]) -> Result<bool, LoadError> {
        let waiting = self.outsourced.len() as u64;
        if number < self.runs_outsourced || number >= self.runs_outsourced + waiting {
            return Ok(false);
        }
        while self.runs_outsourced < number {
            self.settle_oldest()?;
        }
        let Some(run) = self.outsourced.pop_front() else {
            return Ok(false);
        };
        let this_run = self.runs_outsourced;
        self.runs_outsourced += 1;
        self.fresh &= !self.outsourced.is_empty();
        let pieces = split_at_line_starts(&run, self.threads);
        let forks: Option<Vec<(TableBuilder, u64)>> = (answers.len() == pieces.len())
            .then(|| {
                answers
                    .iter()
                    .zip(&pieces)
                    .enumerate()
                    .map(|(index, (answer, piece))| {
                        let mut r = WireReader::new(answer);
                        if !r.flag().ok()? {
                            return None; // the piece failed: found again below
                        }
                        // The answer is for this run's piece `index`: not another run's,
                        // and not given back out of order.
                        let run = r.u64().ok()?;
                        let (at, len) = (r.count().ok()?, r.count().ok()?);
                        if (run, at, len) != (this_run, index, piece.len()) {
                            return None;
                        }
                        let breaks = r.u64().ok()?;
                        let fork = wire::read_fork(&self.builder, &mut r).ok()?;
                        r.end().ok()?;
                        Some((fork, breaks))
                    })
                    .collect()
            })
            .flatten();
        match forks {
            Some(forks) => {
                for (fork, breaks) in forks {
                    self.builder.absorb(fork, self.breaks);
                    self.breaks += breaks;
                }
                self.bytes_absorbed += run.len() as u64;
                Ok(true)
            }
            None => self.lines(&run, true).map(|_| false),
        }
    }

    /// Reads the oldest run still handed out here (its answers never came).
    fn settle_oldest(&mut self) -> Result<(), LoadError> {
        if let Some(run) = self.outsourced.pop_front() {
            self.runs_outsourced += 1;
            self.fresh &= !self.outsourced.is_empty();
            self.lines(&run, true)?;
        }
        Ok(())
    }

    /// Reads every run still handed out here, oldest first (nobody answered before
    /// bytes came that must be read here, or the file ended).
    fn settle(&mut self) -> Result<(), LoadError> {
        while !self.outsourced.is_empty() {
            self.settle_oldest()?;
        }
        Ok(())
    }

    /// wasm32 has no threads: the page reads in parallel with workers instead.
    #[cfg(target_arch = "wasm32")]
    fn lines_in_parallel(&mut self, run: &[u8]) -> Result<(), LoadError> {
        self.lines(run, true).map(|_| ())
    }

    /// Reads records with csv-core from `input[*pos..]`, at most `limit` of them; when
    /// the input runs out inside a record, `in_csv_core` stays set.
    fn csv_core_records(
        &mut self,
        input: &[u8],
        pos: &mut usize,
        at_end: bool,
        limit: usize,
    ) -> Result<(), LoadError> {
        let mut read = 0;
        while read < limit {
            match self.splitter.next(input, pos, at_end) {
                Next::Record { line } => {
                    let record = self.splitter.record();
                    Self::take(
                        &mut self.builder,
                        &mut self.skip,
                        self.header_len,
                        line,
                        &record,
                    );
                    self.splitter.clear_record();
                    read += 1;
                }
                Next::NeedInput => return Ok(()),
                Next::End => break,
                Next::TooManyFields => return Err(too_many_fields(self.record_start_line())),
                Next::TooLong => return Err(self.too_long()),
            }
        }
        self.in_csv_core = false;
        if !self.csv_core_only {
            self.breaks = self.splitter.breaks();
        }
        Ok(())
    }

    fn record_start_line(&self) -> u64 {
        if self.csv_core_only || self.in_csv_core {
            self.splitter.breaks() + 1
        } else {
            self.breaks + 1
        }
    }

    fn too_long(&self) -> LoadError {
        LoadError::Limit(format!(
            "a record starting near line {} is longer than {} MB, the largest accepted",
            self.record_start_line(),
            MAX_RECORD_BYTES >> 20
        ))
    }
}

/// The error for a record of more than [`MAX_RECORD_FIELDS`] fields starting at `line`.
fn too_many_fields(line: u64) -> LoadError {
    LoadError::Limit(format!(
        "a record starting near line {line} has more than {MAX_RECORD_FIELDS} fields, \
         the most accepted",
    ))
}

/// `run` (complete lines) cut into at most `pieces` pieces of about equal size, each
/// ending with a line feed.
fn split_at_line_starts(run: &[u8], pieces: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(pieces);
    let mut start = 0;
    for i in 1..pieces {
        let target = (run.len() * i / pieces).max(start);
        let Some(at) = memchr::memchr(b'\n', &run[target..]) else {
            break;
        };
        let end = target + at + 1;
        if end >= run.len() {
            break;
        }
        out.push(&run[start..end]);
        start = end;
    }
    out.push(&run[start..]);
    out
}

enum Phase {
    /// Buffering the first lines to find the delimiter and header.
    Sniffing {
        buffer: Vec<u8>,
        lines: LineCounter,
    },
    Body(Box<Body>),
    Failed(LoadError),
}

/// A push parser for one delimited file's (UTF-8 or single-byte) bytes.
pub struct DelimitedReader {
    phase: Phase,
    /// Threads for long runs of quote-free lines, and the least bytes of a run worth
    /// splitting (see [`DelimitedReader::with_threads`]).
    threads: usize,
    parallel_min: usize,
    /// Read every record with csv-core, without the line path (to test the two agree).
    csv_core_only: bool,
    /// Hand long runs out rather than read them on threads.
    outsource: bool,
}

/// A run of lines handed out for other workers to read: what they need to know about
/// the file (`spec`) and one piece each, in file order. See
/// [`DelimitedReader::with_outsourcing`].
#[derive(Debug)]
pub struct Work<'a> {
    /// The run's number, to give back with its answers.
    pub run: u64,
    pub spec: Vec<u8>,
    pub pieces: Vec<&'a [u8]>,
}

/// Reads piece `index` of [`Work`] (complete lines of the file, none of them quoted) and
/// returns the answer for [`DelimitedReader::absorb_work`]: the rows staged, or that the
/// piece failed (the engine then reads the run itself, so an error is reported with the
/// line the whole file gives it). Runs on a worker that knows nothing else of the file.
pub fn parse_piece(spec: &[u8], index: usize, piece: &[u8]) -> Vec<u8> {
    let mut r = WireReader::new(spec);
    let body = (|| {
        let run = r.u64()?;
        let delimiter = r.u8()?;
        let header_len = r.count()?;
        let mut fork = wire::read_fork_spec(&mut r)?;
        r.end()?;
        // A piece is whole lines: its line feeds count its rows (at most).
        fork.reserve_rows(memchr::memchr_iter(b'\n', piece).count());
        let body = Body::new(delimiter, false, false, fork, header_len, 0);
        Ok::<_, wire::WireError>((run, body))
    })();
    // An answer is about the piece's size (1.1x for the generator's campaigns), room
    // made once rather than by doubling as each column is written.
    let mut w = Writer::with_capacity(piece.len() + piece.len() / 4);
    match body {
        Ok((run, mut body)) => match body.lines(piece, true) {
            Ok(_) => {
                w.flag(true);
                w.u64(run);
                w.count(index);
                w.count(piece.len());
                w.u64(body.breaks);
                wire::write_fork(&body.builder, &mut w);
            }
            Err(_) => w.flag(false),
        },
        Err(_) => w.flag(false),
    }
    w.into_bytes()
}

impl Default for DelimitedReader {
    fn default() -> Self {
        Self::new()
    }
}

impl DelimitedReader {
    /// A reader waiting for its first bytes.
    pub fn new() -> Self {
        DelimitedReader {
            phase: Phase::Sniffing {
                buffer: Vec::new(),
                lines: LineCounter::default(),
            },
            csv_core_only: false,
            threads: 1,
            parallel_min: PARALLEL_MIN_BYTES,
            outsource: false,
        }
    }

    /// Reads runs of at least `min_run_bytes` of quote-free lines with `threads`
    /// threads (natively; wasm32 has none). The staged rows, rejections, line numbers and
    /// errors are those of one thread; a run with a quote is read on one thread.
    ///
    /// `min_run_bytes` is the least bytes of lines worth splitting
    /// ([`PARALLEL_MIN_BYTES`] is the measured default; tests use a few bytes, so that
    /// small files are split too).
    pub fn with_threads(mut self, threads: usize, min_run_bytes: usize) -> Self {
        self.threads = threads.max(1);
        self.parallel_min = min_run_bytes.max(1);
        self
    }

    /// Hands long runs of quote-free lines out instead of reading them: after a `push`,
    /// [`work`](DelimitedReader::work) gives the run cut into at most `pieces` pieces at
    /// line starts; each is read by [`parse_piece`] (on another worker, with its own
    /// memory) and the answers are given back, in order, to
    /// [`absorb_work`](DelimitedReader::absorb_work) with the run's number. Answers may
    /// come after later pushes: while runs wait, a push whose bytes make another run
    /// hands it out too (at most [`MAX_RUNS_HANDED_OUT`] wait), so the workers read
    /// the next run while this side absorbs and commits the last. What is staged,
    /// rejected and reported is what one thread would: a run still waiting when bytes
    /// come that must be read here (a quote, the file's end), or answered wrongly, is
    /// read here. This is how the page reads with every core without shared memory.
    /// One piece per run is allowed: the workers then read while this side commits.
    pub fn with_outsourcing(mut self, pieces: usize, min_run_bytes: usize) -> Self {
        self = self.with_threads(pieces, min_run_bytes);
        self.outsource = true;
        self
    }

    /// The run handed out by the last `push`, if any (see
    /// [`with_outsourcing`](DelimitedReader::with_outsourcing)).
    pub fn work(&self) -> Option<Work<'_>> {
        match &self.phase {
            Phase::Body(body) => body.work(),
            _ => None,
        }
    }

    /// Takes the answers of [`parse_piece`] for the pieces of run `run` of
    /// [`work`](Self::work), in order. `true` when they were used; `false` when the run
    /// was read here instead (an answer was an error, or not for this run), or it was
    /// not waiting (settled already, or never handed out). Earlier runs still waiting
    /// are read here first.
    pub fn absorb_work(&mut self, run: u64, answers: &[&[u8]]) -> bool {
        let Phase::Body(body) = &mut self.phase else {
            return false;
        };
        match body.absorb_work(run, answers) {
            Ok(used) => used,
            Err(e) => {
                self.phase = Phase::Failed(e);
                false
            }
        }
    }

    /// Bytes of lines that other workers read and this reader absorbed.
    pub fn bytes_absorbed(&self) -> u64 {
        match &self.phase {
            Phase::Body(body) => body.bytes_absorbed,
            _ => 0,
        }
    }

    /// Bytes taken but not read into rows yet: the line cut by the end of the last chunk,
    /// and a run handed out to other workers (or the header search's buffer).
    pub fn bytes_waiting(&self) -> u64 {
        match &self.phase {
            Phase::Sniffing { buffer, .. } => buffer.len() as u64,
            Phase::Body(body) => {
                (body.carry.len() + body.outsourced.iter().map(Vec::len).sum::<usize>()) as u64
            }
            Phase::Failed(_) => 0,
        }
    }

    /// A reader that leaves every record to csv-core: the reference the line path is
    /// tested against.
    #[cfg(test)]
    fn csv_core_only() -> Self {
        DelimitedReader {
            csv_core_only: true,
            ..Self::new()
        }
    }

    /// Takes the next chunk of the file.
    pub fn push(&mut self, chunk: &[u8]) {
        match &mut self.phase {
            Phase::Sniffing { buffer, lines } => {
                // Buffer only up to the end of line 21 (or the byte cap), so the header
                // search sees the same bytes however the file is cut into chunks, and a
                // whole file handed over at once is not copied.
                let mut take = chunk.len().min(HEADER_SEARCH_BYTES - buffer.len());
                let mut last = 0;
                for at in memchr::memchr2_iter(b'\n', b'\r', &chunk[..take]) {
                    lines.count(&chunk[last..=at]);
                    last = at + 1;
                    if lines.breaks() > HEADER_SEARCH_LINES {
                        take = at + 1;
                        break;
                    }
                }
                lines.count(&chunk[last..take]);
                buffer.extend_from_slice(&chunk[..take]);
                if lines.breaks() > HEADER_SEARCH_LINES || buffer.len() >= HEADER_SEARCH_BYTES {
                    self.start_body(false);
                    if take < chunk.len() {
                        self.push(&chunk[take..]);
                    }
                }
            }
            Phase::Body(body) => {
                if let Err(e) = body.feed(chunk, false) {
                    self.phase = Phase::Failed(e);
                }
            }
            Phase::Failed(_) => {}
        }
    }

    fn start_body(&mut self, at_end: bool) {
        let Phase::Sniffing { buffer, .. } = &mut self.phase else {
            return;
        };
        let buffer = std::mem::take(buffer);
        self.phase = match find_header(&buffer, at_end) {
            Ok(choice) => {
                let mut builder = TableBuilder::new(choice.matched.table);
                let format = NumberFormat {
                    decimal_comma: choice.delimiter == b';',
                };
                builder.begin_section(&choice.matched, None, format, false);
                let _ = choice.line;
                let mut body = Box::new(Body::new(
                    choice.delimiter,
                    choice.lone_cr,
                    self.csv_core_only,
                    builder,
                    choice.matched.targets.len(),
                    choice.records_before + 1,
                ));
                (body.threads, body.parallel_min) = (self.threads, self.parallel_min);
                body.outsource = self.outsource;
                match body.feed(&buffer, false) {
                    Ok(()) => Phase::Body(body),
                    Err(e) => Phase::Failed(e),
                }
            }
            Err(e) => Phase::Failed(e),
        };
    }

    /// The rows read since the last part, as a staged table in `encoding` to commit
    /// before the file ends ([`TableBuilder::cut`]): `None` before the header is found,
    /// with fewer than `min_rows` rows, when `ascii_only` and their text is not all
    /// ASCII, or when they cannot be settled yet.
    pub fn cut(
        &mut self,
        min_rows: u64,
        ascii_only: bool,
        encoding: TextEncoding,
    ) -> Option<StagedTable> {
        let Phase::Body(body) = &mut self.phase else {
            return None;
        };
        let builder = &mut body.builder;
        if builder.part_rows() < min_rows || (ascii_only && !builder.text_is_ascii()) {
            return None;
        }
        let mut part = builder.cut()?;
        part.encoding = encoding;
        Some(part)
    }

    /// Rows seen so far (for progress reports).
    pub fn rows_read(&self) -> u64 {
        match &self.phase {
            Phase::Body(body) => body.builder.rows_read(),
            _ => 0,
        }
    }

    /// Ends the file: flushes the last record and hands over the staged table.
    pub fn finish(mut self, encoding: TextEncoding) -> Result<StagedTable, LoadError> {
        if matches!(self.phase, Phase::Sniffing { .. }) {
            self.start_body(true);
        }
        match self.phase {
            Phase::Body(mut body) => {
                body.settle()?;
                body.feed(&[], true)?;
                let mut staged = body.builder.finish();
                staged.encoding = encoding;
                Ok(staged)
            }
            Phase::Failed(e) => Err(e),
            Phase::Sniffing { .. } => unreachable!("start_body leaves the sniffing phase"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schema::{Column, TableKind};
    use crate::transform::stage::StagedValues;

    const HEADER: &str =
        "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue";

    fn read(bytes: &[u8], chunk: usize) -> Result<StagedTable, LoadError> {
        let mut reader = DelimitedReader::new();
        for piece in bytes.chunks(chunk.max(1)) {
            reader.push(piece);
        }
        reader.finish(TextEncoding::Utf8)
    }

    fn lines(staged: &StagedTable) -> Vec<u64> {
        staged.rows.iter().map(|r| r.line).collect()
    }

    fn names(staged: &StagedTable) -> Vec<String> {
        let decoded = staged.decoded_text();
        match staged.column(Column::CampaignName) {
            StagedValues::Text(keys) => keys.iter().map(|&k| decoded.get(k).to_string()).collect(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn line_counter_handles_every_line_ending_across_splits() {
        let text = b"a\r\nb\rc\nd\r\n\r\ne";
        for size in 1..text.len() {
            let mut counter = LineCounter::default();
            for chunk in text.chunks(size) {
                counter.count(chunk);
            }
            assert_eq!(counter.breaks(), 5, "chunk {size}");
        }
    }

    #[test]
    fn quoted_fields_hold_delimiters_quotes_and_newlines() {
        let file = format!(
            "{HEADER}\nt1,c1,\"Spring, \"\"big\"\" - Search\",2024-11-01,100,10,1,1.00,2.00\n\
             t1,c2,\"two\nlines - Email\",2024-11-01,100,10,1,1.00,2.00\nt1,c3,plain - Video,2024-11-01,100,10,1,1.00,2.00\n"
        );
        for chunk in [1, 2, 5, 17, 4096] {
            let staged = read(file.as_bytes(), chunk).unwrap();
            assert_eq!(staged.table, TableKind::Campaigns);
            assert_eq!(
                names(&staged),
                vec![
                    "Spring, \"big\" - Search",
                    "two\nlines - Email",
                    "plain - Video"
                ]
            );
            assert_eq!(lines(&staged), vec![2, 3, 5], "chunk {chunk}");
        }
    }

    #[test]
    fn crlf_and_cr_only_files_number_lines_alike() {
        let body = format!("{HEADER}\nt1,c1,a,2024-11-01,100,10,1,1.00,2.00\n\nt1,c2,\"x\ny\",2024-11-01,100,10,1,1.00,2.00\nt1,c3,b,2024-11-01,100,10,1,1.00,2.00");
        for ending in ["\n", "\r\n", "\r"] {
            let file = body.replace('\n', ending);
            for chunk in [1, 3, 4096] {
                let staged = read(file.as_bytes(), chunk).unwrap();
                assert_eq!(
                    lines(&staged),
                    vec![2, 4, 6],
                    "ending {ending:?} chunk {chunk}"
                );
            }
        }
    }

    #[test]
    fn title_lines_above_the_header_are_skipped_and_not_counted() {
        let file = format!("Campaign report\nExported 2024-12-01,,\n\n{HEADER}\nt1,c1,a,2024-11-01,100,10,1,1.00,2.00\n");
        let staged = read(file.as_bytes(), 7).unwrap();
        assert_eq!(staged.rows_read, 1);
        assert_eq!(lines(&staged), vec![5]);
    }

    #[test]
    fn header_beyond_line_20_is_not_found() {
        let titles = "title\n".repeat(20);
        let file = format!("{titles}{HEADER}\nt1,c1,a,2024-11-01,100,10,1,1.00,2.00\n");
        assert!(matches!(
            read(file.as_bytes(), 4096),
            Err(LoadError::NoTableMatches { .. })
        ));
        let titles = "title\n".repeat(19);
        let file = format!("{titles}{HEADER}\nt1,c1,a,2024-11-01,100,10,1,1.00,2.00\n");
        assert_eq!(lines(&read(file.as_bytes(), 3).unwrap()), vec![21]);
    }

    #[test]
    fn sniffs_each_delimiter() {
        for delimiter in [";", "\t", "|"] {
            let file = format!(
                "{}\nt1{d}c1{d}a{d}2024-11-01{d}100{d}10{d}1{d}1{d}2\n",
                HEADER.replace(',', delimiter),
                d = delimiter
            );
            let staged = read(file.as_bytes(), 5).unwrap();
            assert_eq!(staged.loaded_rows(), 1, "{delimiter:?}");
        }
    }

    #[test]
    fn semicolon_files_use_decimal_commas() {
        let file = format!(
            "{}\nt1;c1;a;2024-11-01;24.505;10;1;1.234,50;2,5\n",
            HEADER.replace(',', ";")
        );
        let staged = read(file.as_bytes(), 4096).unwrap();
        let StagedValues::Count(impressions) = staged.column(Column::Impressions) else {
            unreachable!()
        };
        let StagedValues::Money(spend) = staged.column(Column::Spend) else {
            unreachable!()
        };
        assert_eq!(impressions, &[24505]);
        assert_eq!(spend, &[1_234_500_000]);
    }

    #[test]
    fn blank_rows_skipped_long_rows_rejected_short_rows_padded() {
        let file = format!(
            "{HEADER},region\nt1,c1,a,2024-11-01,100,10,1,1.00,2.00,North\n,,,,,,,,,\n   \n\
             t1,c2,a,2024-11-01,100,10,1,1.00,2.00,North,extra\nt1,c3,a,2024-11-01,100,10,1,1.00,2.00\n"
        );
        let staged = read(file.as_bytes(), 4096).unwrap();
        assert_eq!(staged.rows_read, 3);
        assert_eq!(lines(&staged), vec![2, 6]);
        assert_eq!(staged.rejected.len(), 1);
        assert_eq!(staged.rejected[0].line, 5);
        assert_eq!(
            staged.rejected[0].reason,
            "the row has 11 fields but the header has 10"
        );
    }

    #[test]
    fn a_file_matching_nothing_names_the_closest_tables_missing_columns() {
        let err = read(
            b"tenant_id,campaign_id,date,impressions,clicks,revenue\nt1,c1,2024-11-01,5,1,2\n",
            4096,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "no table matches this file: the closest is fact_campaigns (header on line 1), which also needs the \
             columns conversions, spend (the header must be within the first 20 lines or rows)"
        );
    }

    fn staged_debug(bytes: &[u8], cuts: &[usize], mut reader: DelimitedReader) -> String {
        let mut start = 0;
        for &cut in cuts {
            let cut = cut.clamp(start, bytes.len());
            reader.push(&bytes[start..cut]);
            start = cut;
        }
        reader.push(&bytes[start..]);
        format!("{:?}", reader.finish(TextEncoding::Utf8))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The line path and csv-core alone read the same records from any text of
        /// fields, quotes, delimiters and line endings, however it is cut into chunks.
        #[test]
        fn the_line_path_reads_what_csv_core_reads(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "t1", "c1", "Spring - Search", "2024-11-01", "11/30/2024", "100", "10",
                    "1,000", "1.50", "", " ", "\"", "\"\"", "\"q,u\"\"o\nte\"", "a\"b",
                    ",", ",", ",", ";", "\t", "\n", "\n", "\r\n", "\r", "\u{a0}", "x\r\ny",
                ]),
                0..120,
            ),
            delimiter in proptest::sample::select(vec![",", ";", "\t"]),
            ending in proptest::sample::select(vec!["\n", "\r\n"]),
            cuts in proptest::collection::vec(0usize..2000, 0..6),
        ) {
            let header = HEADER.replace(',', delimiter);
            let file = format!("{header}{ending}{}", pieces.concat());
            let mut cuts = cuts;
            cuts.sort_unstable();
            let bytes = file.as_bytes();
            let reference = staged_debug(bytes, &[], DelimitedReader::csv_core_only());
            proptest::prop_assert_eq!(
                staged_debug(bytes, &cuts, DelimitedReader::new()),
                reference
            );
        }
    }

    /// A line of many CR-ended records in a file whose first lines end in LF: each record
    /// is read once, not the rest of the line searched again after each.
    #[test]
    fn a_long_line_of_lone_cr_records_is_read_in_linear_time() {
        let mut file = format!("{HEADER}\n");
        for i in 0..25 {
            file.push_str(&format!("t1,c{i},a,2024-11-01,100,10,1,1.00,2.00\n"));
        }
        for i in 0..100_000 {
            file.push_str(&format!("t1,d{i},a,2024-11-01,100,10,1,1.00,2.00\r"));
        }
        file.push('\n');
        // Searching the rest of the line again after each record would read about
        // 600 GB here: the test would not finish.
        let staged = read(file.as_bytes(), 1 << 20).unwrap();
        assert_eq!(staged.loaded_rows(), 100_025);
        assert_eq!(staged.rows.last().map(|r| r.line), Some(27));
    }

    #[test]
    fn a_file_without_a_final_newline_keeps_its_last_row() {
        let file = format!("{HEADER}\nt1,c1,a,2024-11-01,100,10,1,1.00,2.00");
        for chunk in 1..8 {
            assert_eq!(lines(&read(file.as_bytes(), chunk).unwrap()), vec![2]);
        }
    }
}

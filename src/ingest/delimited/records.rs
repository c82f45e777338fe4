//! Records out of bytes: the line counter, and csv-core with the buffers of the record
//! being read, whose fields the body stages.

use crate::ingest::delimited::{HEADER_SEARCH_BYTES, HEADER_SEARCH_LINES};
use crate::ingest::delimited::{MAX_RECORD_BYTES, MAX_RECORD_FIELDS};
use crate::transform::stage::{Cell, RowCells};
use crate::transform::value::trim;
use csv_core::{ReadRecordResult, Reader, ReaderBuilder};

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
pub(super) fn has_lone_cr(buffer: &[u8]) -> bool {
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
pub(super) trait Fields: RowCells {
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
pub(super) struct Record<'a> {
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
pub(super) struct LineRecord<'a> {
    pub(super) line: &'a [u8],
    pub(super) ends: &'a [usize],
    pub(super) count: usize,
    pub(super) delimiter: u8,
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
pub(super) struct RecordSplitter {
    reader: Reader,
    data: Vec<u8>,
    data_len: usize,
    ends: Vec<usize>,
    ends_len: usize,
    /// `Some` when lone CRs end lines.
    cr_lines: Option<LineCounter>,
}

/// What [`RecordSplitter::next`] found.
pub(super) enum Next {
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
    pub(super) fn new(delimiter: u8, lone_cr: bool) -> Self {
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
    pub(super) fn breaks(&self) -> u64 {
        match &self.cr_lines {
            Some(counter) => counter.breaks(),
            None => self.reader.line() - 1,
        }
    }

    /// Reads from `input[*pos..]`; an empty `input` with `at_end` means end of file.
    pub(super) fn next(&mut self, input: &[u8], pos: &mut usize, at_end: bool) -> Next {
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

    pub(super) fn record(&self) -> Record<'_> {
        Record {
            data: &self.data[..self.data_len],
            ends: &self.ends[..self.ends_len],
        }
    }

    pub(super) fn clear_record(&mut self) {
        self.data_len = 0;
        self.ends_len = 0;
    }

    /// Makes csv-core start a record afresh after `breaks` line feeds were read without it
    /// (by the line fast path). Only used when line feeds end lines (no lone CRs).
    pub(super) fn restart(&mut self, breaks: u64) {
        debug_assert!(self.cr_lines.is_none());
        self.reader.reset();
        self.reader.set_line(breaks + 1);
        self.clear_record();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

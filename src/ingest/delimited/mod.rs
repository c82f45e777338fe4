//! Delimited text (CSV, TSV, `;` and `|` files) as a push parser (SPEC §3).
//!
//! Bytes arrive in chunks of any size ([`DelimitedReader::push`]), are parsed by
//! `csv-core` (which does no I/O and keeps its state between chunks) and go straight
//! into a [`TableBuilder`](crate::transform::stage::TableBuilder); nothing but the
//! current record is buffered, so a file of several GB streams through in constant
//! memory. The first lines are buffered until the delimiter and the header are known:
//! the header is the first line, within the first 20, that matches a table, and the
//! delimiter (`,` `;` tab `|`) is the one under which a line matches best. The result
//! never depends on where the chunks split: csv-core's state machine and the
//! [`LineCounter`] both carry their state across chunks.
//!
//! The files of this folder: `records` splits bytes into records (csv-core, and the
//! line counter), `header` sniffs the delimiter and finds the header, `body` reads the
//! records after it (the quote-free line path and csv-core), `parallel` hands long runs
//! of lines to threads or to other workers, and `reader` is the push parser over them.

mod body;
mod header;
mod parallel;
mod reader;
mod records;

pub use parallel::{parse_piece, Work};
pub use reader::DelimitedReader;
pub use records::LineCounter;

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

/// The small files the tests read, and what they look at in the staged table.
#[cfg(test)]
mod tests {
    use crate::error::LoadError;
    use crate::ingest::delimited::DelimitedReader;
    use crate::model::schema::Column;
    use crate::transform::stage::{StagedTable, StagedValues, TextEncoding};

    pub(super) const HEADER: &str =
        "tenant_id,campaign_id,campaign_name,date,impressions,clicks,conversions,spend,revenue";

    pub(super) fn read(bytes: &[u8], chunk: usize) -> Result<StagedTable, LoadError> {
        let mut reader = DelimitedReader::new();
        for piece in bytes.chunks(chunk.max(1)) {
            reader.push(piece);
        }
        reader.finish(TextEncoding::Utf8)
    }

    pub(super) fn lines(staged: &StagedTable) -> Vec<u64> {
        staged.rows.iter().map(|r| r.line).collect()
    }

    pub(super) fn names(staged: &StagedTable) -> Vec<String> {
        let decoded = staged.decoded_text();
        match staged.column(Column::CampaignName) {
            StagedValues::Text(keys) => keys.iter().map(|&k| decoded.get(k).to_string()).collect(),
            _ => unreachable!(),
        }
    }
}

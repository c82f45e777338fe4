//! Long runs of quote-free lines read in pieces: on threads natively, or handed out as
//! [`Work`] to other workers ([`parse_piece`]) and their answers absorbed in file order.

use crate::error::LoadError;
use crate::ingest::delimited::body::Body;
use crate::ingest::delimited::{MAX_RECORD_BYTES, MAX_RUNS_HANDED_OUT};
use crate::ingest::wire::{self, Reader as WireReader, Writer};
use crate::transform::stage::TableBuilder;

impl Body {
    /// How many leading bytes of `rest` (input that starts a line, nothing carried or
    /// pending in csv-core) to read on several threads: its complete lines, when there
    /// are at least `parallel_min` bytes of them and they hold no quote. Without quotes
    /// every line feed ends a record, so any line start is a safe place to split; a run
    /// with a quote (which may hide a line feed inside a field) is read on this thread.
    pub(super) fn parallel_run(&self, rest: &[u8]) -> Option<usize> {
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
    pub(super) fn hand_out(&mut self, run: Vec<u8>, unfinished: &[u8]) -> Result<(), LoadError> {
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
    pub(super) fn run_after_carry(&self, input: &[u8]) -> Option<usize> {
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
    pub(super) fn lines_in_parallel(&mut self, run: &[u8]) -> Result<(), LoadError> {
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
    pub(super) fn work(&self) -> Option<Work<'_>> {
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
    pub(super) fn absorb_work(
        &mut self,
        number: u64,
        answers: &[&[u8]],
    ) -> Result<bool, LoadError> {
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
    pub(super) fn settle(&mut self) -> Result<(), LoadError> {
        while !self.outsourced.is_empty() {
            self.settle_oldest()?;
        }
        Ok(())
    }

    /// wasm32 has no threads: the page reads in parallel with workers instead.
    #[cfg(target_arch = "wasm32")]
    pub(super) fn lines_in_parallel(&mut self, run: &[u8]) -> Result<(), LoadError> {
        self.lines(run, true).map(|_| ())
    }
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

/// A run of lines handed out for other workers to read: what they need to know about
/// the file (`spec`) and one piece each, in file order. See
/// [`DelimitedReader::with_outsourcing`](super::DelimitedReader::with_outsourcing).
#[derive(Debug)]
pub struct Work<'a> {
    /// The run's number, to give back with its answers.
    pub run: u64,
    pub spec: Vec<u8>,
    pub pieces: Vec<&'a [u8]>,
}

/// Reads piece `index` of [`Work`] (complete lines of the file, none of them quoted) and
/// returns the answer for
/// [`DelimitedReader::absorb_work`](super::DelimitedReader::absorb_work): the rows
/// staged, or that the piece failed (the engine then reads the run itself, so an error
/// is reported with the line the whole file gives it). Runs on a worker that knows
/// nothing else of the file.
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

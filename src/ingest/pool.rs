//! The page's parsing pipeline on native threads: runs of plain lines handed out by a
//! delimited file's reader ([`DelimitedReader::with_outsourcing`]) are read by
//! [`parse_piece`] on threads of their own while the caller commits the rows of the
//! runs before them, as the page's parsing workers do (`www/parse-pool.js`).
//!
//! The threads parse, the caller's thread absorbs the answers in the order the runs
//! were handed out, so what is staged, rejected and reported is what one thread gives
//! (the same protocol, and the same tests, as the page's). Reading a part on threads
//! and then committing it on one (the scoped threads of
//! [`DelimitedReader::with_threads`]) left the threads idle during every commit; here
//! they read the next runs meanwhile.
//!
//! [`DelimitedReader::with_outsourcing`]: super::delimited::DelimitedReader::with_outsourcing
//! [`DelimitedReader::with_threads`]: super::delimited::DelimitedReader::with_threads

use super::delimited::{parse_piece, Work};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;

/// One piece of a run for a thread: what [`parse_piece`] needs, and where to answer.
struct Job {
    spec: Arc<[u8]>,
    index: usize,
    piece: Vec<u8>,
    answer: mpsc::Sender<(usize, Vec<u8>)>,
}

/// A run handed out and not yet absorbed.
struct Pending {
    run: u64,
    pieces: usize,
    answers: mpsc::Receiver<(usize, Vec<u8>)>,
}

/// Threads reading the pieces of the runs handed to them, oldest first.
pub(crate) struct ParseThreads {
    jobs: Vec<mpsc::Sender<Job>>,
    /// Set when dropped: the pieces still queued are not worth reading.
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    out: VecDeque<Pending>,
}

impl ParseThreads {
    /// `count` threads (at least one), started now.
    pub(crate) fn new(count: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (jobs, threads) = (0..count.max(1))
            .map(|i| {
                let (send, receive) = mpsc::channel::<Job>();
                let stop = Arc::clone(&stop);
                let thread = std::thread::Builder::new()
                    .name(format!("parse-{i}"))
                    .spawn(move || {
                        while let Ok(job) = receive.recv() {
                            if stop.load(Ordering::Relaxed) {
                                break;
                            }
                            let answer = parse_piece(&job.spec, job.index, &job.piece);
                            // The stream may have been dropped meanwhile (cancelled).
                            let _ = job.answer.send((job.index, answer));
                        }
                    })
                    .expect("starting a parsing thread");
                (send, thread)
            })
            .unzip();
        ParseThreads {
            jobs,
            stop,
            threads,
            out: VecDeque::new(),
        }
    }

    /// Hands `work`'s pieces to the threads, in turn.
    pub(crate) fn hand_out(&mut self, work: &Work<'_>) {
        let (answer, answers) = mpsc::channel();
        let spec: Arc<[u8]> = work.spec.as_slice().into();
        for (index, piece) in work.pieces.iter().enumerate() {
            let job = Job {
                spec: Arc::clone(&spec),
                index,
                piece: piece.to_vec(),
                answer: answer.clone(),
            };
            // A thread that stopped (it panicked) drops the job, and with it the
            // answer's sender: `next` then finds the run unanswered.
            let _ = self.jobs[index % self.jobs.len()].send(job);
        }
        self.out.push_back(Pending {
            run: work.run,
            pieces: work.pieces.len(),
            answers,
        });
    }

    /// Runs handed out and not yet taken by [`next`](ParseThreads::next).
    pub(crate) fn waiting(&self) -> usize {
        self.out.len()
    }

    /// The oldest run's number and its answers in piece order, once all have come;
    /// no answers when a thread stopped before answering (the reader then reads the
    /// run itself).
    pub(crate) fn next(&mut self) -> Option<(u64, Vec<Vec<u8>>)> {
        let pending = self.out.pop_front()?;
        let mut answers = vec![Vec::new(); pending.pieces];
        for _ in 0..pending.pieces {
            match pending.answers.recv() {
                Ok((index, answer)) => answers[index] = answer,
                Err(_) => return Some((pending.run, Vec::new())),
            }
        }
        Some((pending.run, answers))
    }
}

impl Drop for ParseThreads {
    /// Closes the threads' queues and waits for each to finish the piece in hand.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.jobs.clear();
        self.out.clear();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for ParseThreads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParseThreads")
            .field("threads", &self.threads.len())
            .field("waiting", &self.out.len())
            .finish()
    }
}

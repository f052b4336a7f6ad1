//! The threads of a report: readers fetch, decompress and frame the inputs into chunks of
//! whole records; workers each own a partial [`Aggregator`] fed from those chunks; the
//! partials are merged at the end, so the result does not depend on the threads.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use std::sync::Arc;

use journey_attribution_report::lift::LiftOptions;
use journey_attribution_report::lift::exposures::Exposures;
use journey_attribution_report::{Aggregator, ReportOptions, TouchOptions};

use super::InputError;
use super::framing::{self, Framed, Framer, Limits};
use super::progress::Progress;
use super::sources::{Inputs, Source};

/// Lift: the exposure logs, read once and shared by the workers, and its options.
pub type Lift = (Arc<Exposures>, LiftOptions);

/// What to compute and how: the settings of one report run.
#[derive(Debug, Clone)]
pub struct Job {
    pub options: ReportOptions,
    /// Touch reconstruction, when asked for.
    pub touch: Option<TouchOptions>,
    /// Lift, with the exposure logs read, when asked for.
    pub lift: Option<Lift>,
    /// Worker threads.
    pub threads: usize,
    /// Stop at the first skipped record.
    pub strict: bool,
    pub limits: Limits,
    /// S3 objects fetched at once.
    pub s3_concurrency: usize,
}

impl Job {
    fn aggregator(&self) -> Aggregator {
        let agg = match &self.touch {
            Some(t) => Aggregator::with_touches(self.options.clone(), t.clone()),
            None => Aggregator::new(self.options.clone()),
        };
        match &self.lift {
            Some((exposures, lift)) => agg.with_lift(exposures.clone(), lift.clone()),
            None => agg,
        }
    }

    /// Reader threads: S3 objects `s3_concurrency` at a time (the network bounds them, not
    /// the CPU), local gzip one per core, plain local files (and standard input) one.
    fn readers(&self, sources: &[Source]) -> usize {
        let n = if sources.iter().any(Source::is_s3) {
            self.s3_concurrency
        } else if sources.iter().any(Source::is_gzip) {
            self.threads
        } else {
            1
        };
        n.min(sources.len()).max(1)
    }
}

/// A record skipped, where it is and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SkippedRecord {
    input: usize,
    /// The chunk of the input, while `record` is relative to it.
    chunk: u64,
    record: u64,
    name: String,
    reason: String,
}

impl fmt::Display for SkippedRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.name, self.record, self.reason)
    }
}

#[derive(Debug)]
pub struct Outcome {
    pub aggregator: Aggregator,
    /// The first skipped records in input order (at most a few).
    pub skips: Vec<SkippedRecord>,
}

const KEPT_SKIPS: usize = 16;

/// Keeps the `KEPT_SKIPS` earliest skips.
fn keep_skip(skips: &mut Vec<SkippedRecord>, skip: SkippedRecord) {
    skips.push(skip);
    if skips.len() > 4 * KEPT_SKIPS {
        skips.sort();
        skips.truncate(KEPT_SKIPS);
    }
}

struct Chunk {
    input: usize,
    /// Position of the chunk in its input.
    seq: u64,
    framed: Framed,
}

/// What a worker hands back: its aggregate, its skips, and the records of each chunk it
/// read (by input and chunk), which turn chunk-relative record numbers into input ones.
struct Partial {
    aggregator: Aggregator,
    skips: Vec<SkippedRecord>,
    counts: Vec<((usize, u64), u64)>,
}

/// What the threads share.
struct Pool<'a> {
    job: &'a Job,
    inputs: &'a Inputs,
    names: Vec<String>,
    next_input: AtomicUsize,
    stop: AtomicBool,
    /// Buffers the workers are done with, for the readers to fill again.
    free: Mutex<mpsc::Receiver<Vec<u8>>>,
    progress: Progress,
}

/// Aggregates every input of `inputs` on `job.threads` workers.
pub fn aggregate(job: &Job, inputs: &Inputs) -> Result<Outcome, InputError> {
    let sources = &inputs.sources;
    let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
    let pool = Pool {
        job,
        inputs,
        names: sources.iter().map(Source::name).collect(),
        next_input: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        free: Mutex::new(free_rx),
        progress: Progress::new(sources.iter().map(Source::size).sum(), sources.len()),
    };
    let (work_tx, work_rx) = mpsc::sync_channel::<Chunk>(job.threads * 2);
    let work_rx = Mutex::new(work_rx);
    let result = std::thread::scope(|s| {
        let pool = &pool;
        let readers: Vec<_> = (0..job.readers(sources))
            .map(|_| {
                let work_tx = work_tx.clone();
                s.spawn(move || pool.read(&work_tx))
            })
            .collect();
        drop(work_tx);
        let workers: Vec<_> = (0..job.threads)
            .map(|_| {
                let (work_rx, free_tx) = (&work_rx, free_tx.clone());
                s.spawn(move || pool.work(work_rx, &free_tx))
            })
            .collect();
        let mut first_error = None;
        for reader in readers {
            let result = reader.join().unwrap_or(Err(InputError::Panicked("reader")));
            if let Err(e) = result {
                first_error.get_or_insert(e);
            }
        }
        let mut partials = Vec::new();
        for worker in workers {
            match worker.join() {
                Ok(partial) => partials.push(partial),
                Err(_) => {
                    first_error.get_or_insert(InputError::Panicked("worker"));
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(pool.merge(partials)),
        }
    });
    pool.progress.finish();
    result
}

impl Pool<'_> {
    /// A reader thread: takes the next input until none is left.
    fn read(&self, work: &mpsc::SyncSender<Chunk>) -> Result<(), InputError> {
        loop {
            let input = self.next_input.fetch_add(1, Ordering::Relaxed);
            if input >= self.inputs.sources.len() || self.stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            self.read_input(input, work)?;
            self.progress.input_done();
        }
    }

    /// Frames input `input` into chunks for the workers.
    fn read_input(&self, input: usize, work: &mpsc::SyncSender<Chunk>) -> Result<(), InputError> {
        let source = &self.inputs.sources[input];
        let io_error = |e| InputError::Io {
            name: self.names[input].clone(),
            source: e,
        };
        let raw = source.open(self.inputs.s3.as_ref())?;
        let mut reader = source.decode(self.progress.wrap(raw)).map_err(io_error)?;
        let mut framer = Framer::new(self.job.limits);
        let mut seq = 0;
        while !self.stop.load(Ordering::Relaxed) {
            let buf = self
                .free
                .lock()
                .ok()
                .and_then(|rx| rx.try_recv().ok())
                .unwrap_or_default();
            let Some(framed) = framer.next_chunk(&mut reader, buf).map_err(io_error)? else {
                break;
            };
            if work.send(Chunk { input, seq, framed }).is_err() {
                break;
            }
            seq += 1;
        }
        Ok(())
    }

    /// A worker thread: aggregates chunks until the readers are done.
    fn work(&self, chunks: &Mutex<mpsc::Receiver<Chunk>>, free: &mpsc::Sender<Vec<u8>>) -> Partial {
        let mut partial = Partial {
            aggregator: self.job.aggregator(),
            skips: Vec::new(),
            counts: Vec::new(),
        };
        loop {
            let next = chunks.lock().map(|rx| rx.recv());
            let Ok(Ok(chunk)) = next else { break };
            if !self.stop.load(Ordering::Relaxed) {
                let before = partial.skips.len();
                let records = self.push_chunk(&mut partial, &chunk);
                partial.counts.push(((chunk.input, chunk.seq), records));
                self.progress.records(records);
                if self.job.strict && partial.skips.len() > before {
                    self.stop.store(true, Ordering::Relaxed);
                }
            }
            let _ = free.send(chunk.framed.data);
        }
        partial
    }

    /// Aggregates the records of `chunk`; returns how many it holds.
    fn push_chunk(&self, partial: &mut Partial, chunk: &Chunk) -> u64 {
        let max = self.job.limits.max_record_bytes;
        let Partial {
            aggregator, skips, ..
        } = partial;
        let mut skip = |record: u64, reason: String| {
            keep_skip(
                skips,
                SkippedRecord {
                    input: chunk.input,
                    chunk: chunk.seq,
                    record,
                    name: self.names[chunk.input].clone(),
                    reason,
                },
            );
        };
        let too_long = |bytes: u64| {
            format!("record of {bytes} bytes, longer than --max-line-bytes ({max}): skipped")
        };
        for &(record, bytes) in &chunk.framed.oversized {
            aggregator.skip_line();
            skip(record, too_long(bytes));
        }
        let data = &chunk.framed.data;
        // One check of the whole chunk; record by record only when it fails.
        let text = std::str::from_utf8(data).ok();
        let mut n = 0;
        for range in framing::records(data) {
            n += 1;
            if range.len() > max {
                aggregator.skip_line();
                skip(n, too_long(range.len() as u64));
                continue;
            }
            let record = match text.and_then(|t| t.get(range.clone())) {
                Some(record) => Ok(record),
                None => std::str::from_utf8(&data[range]),
            };
            match record {
                Ok(record) => {
                    if let Err(e) = aggregator.push_line(record) {
                        skip(n, e.reason);
                    }
                }
                Err(e) => {
                    aggregator.skip_line();
                    skip(n, format!("not UTF-8 ({e})"));
                }
            }
        }
        n
    }

    /// The workers' partials as one outcome, skips numbered within their input.
    fn merge(&self, partials: Vec<Partial>) -> Outcome {
        let mut aggregator = self.job.aggregator();
        let mut skips = Vec::new();
        let mut counts = Vec::new();
        for p in partials {
            aggregator.merge(p.aggregator);
            skips.extend(p.skips);
            counts.extend(p.counts);
        }
        skips.sort();
        skips.truncate(KEPT_SKIPS);
        for skip in &mut skips {
            let before: u64 = counts
                .iter()
                .filter(|((input, seq), _)| *input == skip.input && *seq < skip.chunk)
                .map(|(_, n)| n)
                .sum();
            skip.record += before;
        }
        Outcome { aggregator, skips }
    }
}

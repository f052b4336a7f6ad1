//! Finding the export files and aggregating them on every core.
//!
//! Reader threads cut the (decompressed) bytes into chunks of whole lines; worker threads
//! each own a partial [`Aggregator`] and the partials are merged at the end.

use std::error::Error;
use std::fmt;
use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

use flate2::read::MultiGzDecoder;
use indicatif::{ProgressBar, ProgressStyle};
use journey_attribution_report::lift::LiftOptions;
use journey_attribution_report::lift::exposures::Exposures;
use journey_attribution_report::{Aggregator, ReportOptions, TouchOptions};

use super::s3::{Hours, Object, S3, S3Url};

const CHUNK_BYTES: usize = 4 << 20;
/// `--max-line-bytes`' default: a Firehose record is at most 1,000 KiB, a Pinpoint event far
/// less, so a longer line is not an event.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// One input of the report: a local file, or an S3 object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    S3(Object),
}

impl Source {
    /// How skip reasons and errors name it: the path, or `s3://bucket/key`.
    pub fn name(&self) -> String {
        match self {
            Self::File(p) => p.display().to_string(),
            Self::S3(o) => format!("s3://{}/{}", o.bucket, o.key),
        }
    }

    fn size(&self) -> u64 {
        match self {
            Self::File(p) => std::fs::metadata(p).map_or(0, |m| m.len()),
            Self::S3(o) => o.size,
        }
    }

    fn is_gzip(&self) -> bool {
        let name = match self {
            Self::File(p) => p.to_string_lossy().into_owned(),
            Self::S3(o) => o.key.clone(),
        };
        name.len() > 3 && name[name.len() - 3..].eq_ignore_ascii_case(".gz")
    }
}

/// The inputs under `paths`: files as given, directories recursively (sorted, hidden
/// entries skipped), `s3://bucket/prefix` as the objects listed under it (within `hours`
/// of Firehose's `YYYY/MM/DD/HH/` layout when given); `s3` is the client those need.
pub fn discover(
    paths: &[PathBuf],
    s3: Option<&S3>,
    hours: Option<Hours>,
) -> Result<Vec<Source>, Box<dyn Error>> {
    let mut sources = Vec::new();
    for path in paths {
        if let Some(url) = path.to_str().and_then(S3Url::parse) {
            let url = url?;
            let s3 = s3.ok_or("internal: no S3 client for an s3:// input")?;
            sources.extend(s3.list(&url, hours)?.into_iter().map(Source::S3));
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut files = Vec::new();
        if meta.is_dir() {
            walk(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
        sources.extend(files.into_iter().map(Source::File));
    }
    Ok(sources)
}

/// Whether any of `paths` is an `s3://` URL.
pub fn needs_s3(paths: &[PathBuf]) -> bool {
    paths
        .iter()
        .any(|p| p.to_str().is_some_and(|s| S3Url::parse(s).is_some()))
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), Box<dyn Error>> {
    let mut entries = std::fs::read_dir(dir)
        .and_then(|rd| rd.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let meta = std::fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.is_dir() {
            walk(&path, files)?;
        } else if meta.is_file() {
            files.push(path);
        }
    }
    Ok(())
}

/// A malformed line, where it is and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct MalformedLine {
    file_index: usize,
    /// The chunk of the file, while the line number is relative to it.
    chunk: u64,
    line: u64,
    file: String,
    reason: String,
}

impl fmt::Display for MalformedLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}

#[derive(Debug)]
pub struct Outcome {
    pub aggregator: Aggregator,
    /// The first malformed lines in input order (at most a few).
    pub skips: Vec<MalformedLine>,
}

struct Chunk {
    file_index: usize,
    /// Position of the chunk in its file.
    seq: u64,
    data: Vec<u8>,
    /// Lines longer than the limit, cut out of `data` (each left as an empty line, so the
    /// line numbers hold): (1-based line in the chunk, its length in bytes).
    oversized: Vec<(u64, u64)>,
}

const KEPT_SKIPS: usize = 16;

/// Keeps the `KEPT_SKIPS` earliest skips.
fn keep_skip(skips: &mut Vec<MalformedLine>, skip: MalformedLine) {
    skips.push(skip);
    if skips.len() > 4 * KEPT_SKIPS {
        skips.sort();
        skips.truncate(KEPT_SKIPS);
    }
}

#[cfg(test)]
pub fn aggregate(
    files: &[PathBuf],
    options: ReportOptions,
    threads: usize,
    strict: bool,
) -> Result<Outcome, Box<dyn Error>> {
    let files: Vec<Source> = files.iter().cloned().map(Source::File).collect();
    aggregate_with(
        &files,
        options,
        Analyses::default(),
        threads,
        strict,
        MAX_LINE_BYTES,
        &Reading::local(),
    )
}

/// What the report measures besides the attributed rows: touch reconstruction, lift.
#[derive(Debug, Clone, Default)]
pub struct Analyses {
    pub touch: Option<TouchOptions>,
    pub lift: Option<(std::sync::Arc<Exposures>, LiftOptions)>,
}

impl Analyses {
    fn aggregator(&self, options: ReportOptions) -> Aggregator {
        let agg = match &self.touch {
            Some(t) => Aggregator::with_touches(options, t.clone()),
            None => Aggregator::new(options),
        };
        match &self.lift {
            Some((exposures, lift)) => agg.with_lift(exposures.clone(), lift.clone()),
            None => agg,
        }
    }
}

/// Where and how the inputs are read: the S3 client for `s3://` sources, and how many
/// objects are fetched at once.
#[derive(Debug)]
pub struct Reading<'a> {
    pub s3: Option<&'a S3>,
    pub s3_concurrency: usize,
}

impl Reading<'_> {
    #[cfg(test)]
    pub fn local() -> Self {
        Reading {
            s3: None,
            s3_concurrency: 1,
        }
    }
}

/// Aggregates `files`, with touch reconstruction when `touch` is given. A line longer than
/// `max_line_bytes` is skipped (counted, with its reason) without being held in memory, so
/// memory stays bounded by the chunk size whatever the input, a gzip bomb included.
#[allow(clippy::too_many_arguments)]
pub fn aggregate_with(
    files: &[Source],
    options: ReportOptions,
    analyses: Analyses,
    threads: usize,
    strict: bool,
    max_line_bytes: usize,
    reading: &Reading<'_>,
) -> Result<Outcome, Box<dyn Error>> {
    let limits = Limits {
        chunk_bytes: CHUNK_BYTES,
        max_line_bytes,
    };
    aggregate_chunks_with(files, options, analyses, threads, strict, limits, reading)
}

#[cfg(test)]
fn aggregate_in_chunks(
    files: &[PathBuf],
    options: ReportOptions,
    threads: usize,
    strict: bool,
    chunk_bytes: usize,
) -> Result<Outcome, Box<dyn Error>> {
    let limits = Limits {
        chunk_bytes,
        max_line_bytes: MAX_LINE_BYTES,
    };
    let files: Vec<Source> = files.iter().cloned().map(Source::File).collect();
    aggregate_chunks_with(
        &files,
        options,
        Analyses::default(),
        threads,
        strict,
        limits,
        &Reading::local(),
    )
}

#[derive(Debug, Clone, Copy)]
struct Limits {
    chunk_bytes: usize,
    max_line_bytes: usize,
}

fn aggregate_chunks_with(
    files: &[Source],
    options: ReportOptions,
    analyses: Analyses,
    threads: usize,
    strict: bool,
    limits: Limits,
    reading: &Reading<'_>,
) -> Result<Outcome, Box<dyn Error>> {
    let new_aggregator = |options: ReportOptions| analyses.aggregator(options);
    let total_bytes: u64 = files.iter().map(Source::size).sum();
    let progress = if io::stderr().is_terminal() {
        let bar = ProgressBar::new(total_bytes);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta} {msg}",
            )
            .map_err(|e| e.to_string())?,
        );
        bar
    } else {
        ProgressBar::hidden()
    };

    let gzip = files.iter().any(Source::is_gzip);
    let remote = files.iter().any(|f| matches!(f, Source::S3(_)));
    // S3 objects are fetched `s3_concurrency` at a time (the network, not the CPU, bounds
    // them); local gzip files one per core; plain local files by one reader.
    let readers = if remote {
        reading.s3_concurrency.min(files.len())
    } else if gzip {
        threads.min(files.len())
    } else {
        1
    }
    .max(1);
    let objects_done = AtomicUsize::new(0);
    let records = std::sync::atomic::AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let next_file = AtomicUsize::new(0);
    let (work_tx, work_rx) = mpsc::sync_channel::<Chunk>(threads * 2);
    let work_rx = Mutex::new(work_rx);
    let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
    let free_rx = Mutex::new(free_rx);
    let names: Vec<String> = files.iter().map(Source::name).collect();

    let result = std::thread::scope(|s| {
        let mut reader_handles = Vec::new();
        for _ in 0..readers {
            let work_tx = work_tx.clone();
            let (next_file, stop, free_rx, progress) = (&next_file, &stop, &free_rx, &progress);
            let (objects_done, names) = (&objects_done, &names);
            reader_handles.push(s.spawn(move || -> Result<(), String> {
                loop {
                    let i = next_file.fetch_add(1, Ordering::Relaxed);
                    let Some(source) = files.get(i) else {
                        return Ok(());
                    };
                    let reader = open(source, reading).map_err(|e| e.to_string())?;
                    read_file(i, reader, source, limits, &work_tx, free_rx, progress, stop)
                        .map_err(|e| format!("{}: {e}", names[i]))?;
                    objects_done.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        drop(work_tx);

        let mut worker_handles = Vec::new();
        for _ in 0..threads {
            let (work_rx, free_tx, stop, names) = (&work_rx, free_tx.clone(), &stop, &names);
            let (records, objects_done, progress) = (&records, &objects_done, &progress);
            let agg = new_aggregator(options.clone());
            worker_handles.push(s.spawn(move || {
                let mut agg = agg;
                let mut skips = Vec::new();
                let mut line_counts = Vec::new();
                loop {
                    let next = work_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok(chunk)) = next else { break };
                    if !stop.load(Ordering::Relaxed) {
                        let before = skips.len();
                        let lines = process(
                            &mut agg,
                            &chunk,
                            &names[chunk.file_index],
                            limits.max_line_bytes,
                            &mut skips,
                        );
                        line_counts.push(((chunk.file_index, chunk.seq), lines));
                        let seen = records.fetch_add(lines, Ordering::Relaxed) + lines;
                        progress.set_message(format!(
                            "{}/{} inputs, {seen} lines",
                            objects_done.load(Ordering::Relaxed),
                            files.len()
                        ));
                        if strict && skips.len() > before {
                            stop.store(true, Ordering::Relaxed);
                        }
                    }
                    let _ = free_tx.send(chunk.data);
                }
                (agg, skips, line_counts)
            }));
        }

        let mut errors = Vec::new();
        for h in reader_handles {
            match h.join() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => errors.push(e),
                Err(_) => errors.push("a reader thread panicked".to_owned()),
            }
        }
        let mut total = new_aggregator(options.clone());
        let mut skips = Vec::new();
        let mut line_counts = Vec::new();
        for h in worker_handles {
            match h.join() {
                Ok((agg, s, counts)) => {
                    total.merge(agg);
                    skips.extend(s);
                    line_counts.extend(counts);
                }
                Err(_) => errors.push("a worker thread panicked".to_owned()),
            }
        }
        if let Some(e) = errors.into_iter().next() {
            return Err(e);
        }
        skips.sort();
        skips.truncate(KEPT_SKIPS);
        // Chunk-relative line numbers to file line numbers: lines in earlier chunks.
        line_counts.sort_unstable();
        for skip in &mut skips {
            let before: u64 = line_counts
                .iter()
                .filter(|((file, seq), _)| *file == skip.file_index && *seq < skip.chunk)
                .map(|(_, n)| n)
                .sum();
            skip.line += before;
        }
        Ok(Outcome {
            aggregator: total,
            skips,
        })
    });
    progress.finish_and_clear();
    Ok(result?)
}

/// The bytes of `source`, decompressed when it is gzip (`.gz`).
pub fn open_decoded(
    source: &Source,
    reading: &Reading<'_>,
) -> Result<Box<dyn Read>, Box<dyn Error>> {
    let raw = io::BufReader::with_capacity(1 << 16, open(source, reading)?);
    Ok(if source.is_gzip() {
        Box::new(MultiGzDecoder::new(raw))
    } else {
        Box::new(raw)
    })
}

/// The bytes of `source` as stored (compressed or not).
fn open(source: &Source, reading: &Reading<'_>) -> Result<Box<dyn Read>, Box<dyn Error>> {
    Ok(match source {
        Source::File(path) => {
            Box::new(File::open(path).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        Source::S3(object) => {
            let s3 = reading
                .s3
                .ok_or("internal: no S3 client for an s3:// input")?;
            Box::new(s3.open(object)?)
        }
    })
}

#[allow(clippy::too_many_arguments)]
fn read_file(
    file_index: usize,
    raw: Box<dyn Read>,
    source: &Source,
    limits: Limits,
    work: &mpsc::SyncSender<Chunk>,
    free: &Mutex<mpsc::Receiver<Vec<u8>>>,
    progress: &ProgressBar,
    stop: &AtomicBool,
) -> io::Result<()> {
    let Limits {
        chunk_bytes,
        max_line_bytes,
    } = limits;
    let file = progress.wrap_read(raw);
    let decoded: Box<dyn Read> = if source.is_gzip() {
        Box::new(MultiGzDecoder::new(io::BufReader::with_capacity(
            1 << 16,
            file,
        )))
    } else {
        Box::new(file)
    };
    // Firehose writes records back to back unless `AppendDelimiterToRecord` is set: an S3
    // object is then one "line" of any size; each record gets its own line instead.
    let mut reader: Box<dyn Read> = match source {
        Source::S3(_) => Box::new(RecordLines::new(decoded)),
        Source::File(_) => decoded,
    };
    let mut seq = 0u64;
    let mut carry: Vec<u8> = Vec::new();
    // The bytes so far of an over-long line being skipped: none of it is kept.
    let mut skipping: Option<u64> = None;
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        let mut buf = free
            .lock()
            .ok()
            .and_then(|rx| rx.try_recv().ok())
            .unwrap_or_default();
        buf.clear();
        buf.reserve(chunk_bytes + carry.len());
        buf.append(&mut carry);
        let eof = fill(&mut reader, &mut buf, chunk_bytes)?;
        let mut oversized = Vec::new();
        if let Some(so_far) = skipping {
            match buf.iter().position(|&b| b == b'\n') {
                None if !eof => {
                    skipping = Some(so_far + buf.len() as u64);
                    continue;
                }
                // The long line ends here: it becomes line 1, empty, of this chunk.
                None => {
                    oversized.push((1, so_far + buf.len() as u64));
                    buf.clear();
                }
                Some(newline) => {
                    oversized.push((1, so_far + newline as u64));
                    buf.drain(..newline);
                }
            }
            skipping = None;
        }
        if buf.is_empty() && oversized.is_empty() {
            return Ok(());
        }
        if !eof {
            match buf.iter().rposition(|&b| b == b'\n') {
                Some(end) => carry.extend_from_slice(&buf[end + 1..]),
                // One line longer than a chunk: keep reading it, up to the limit.
                None if buf.len() > max_line_bytes => {
                    skipping = Some(buf.len() as u64);
                    continue;
                }
                None => {
                    carry = buf;
                    continue;
                }
            }
            let end = buf.len() - carry.len();
            buf.truncate(end);
            if carry.len() > max_line_bytes {
                skipping = Some(carry.len() as u64);
                carry.clear();
            }
        }
        cut_long_lines(&mut buf, max_line_bytes, &mut oversized);
        let chunk = Chunk {
            file_index,
            seq,
            data: buf,
            oversized,
        };
        seq += 1;
        if work.send(chunk).is_err() {
            return Ok(());
        }
        if eof {
            return Ok(());
        }
    }
}

/// Puts a newline between JSON objects written back to back (`}{`, or `} {`), tracking
/// strings and nesting byte by byte, so that every record of an S3 object is a line and
/// memory stays a chunk whatever the object's size. A newline resets the state, so a
/// malformed record cannot swallow the lines after it; input that already has one record
/// a line passes through unchanged.
struct RecordLines<R> {
    inner: R,
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// A top-level object just closed: a newline goes before what follows unless it is one.
    closed: bool,
    buf: Vec<u8>,
    pos: usize,
}

impl<R: Read> RecordLines<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            depth: 0,
            in_string: false,
            escaped: false,
            closed: false,
            buf: Vec::new(),
            pos: 0,
        }
    }

    fn split(&mut self, input: &[u8]) {
        self.buf.clear();
        self.pos = 0;
        for &b in input {
            if self.closed && b != b'\n' && b != b'\r' {
                self.buf.push(b'\n');
            }
            self.closed = false;
            self.buf.push(b);
            if b == b'\n' {
                (self.depth, self.in_string, self.escaped) = (0, false, false);
            } else if self.in_string {
                match (self.escaped, b) {
                    (true, _) => self.escaped = false,
                    (false, b'\\') => self.escaped = true,
                    (false, b'"') => self.in_string = false,
                    _ => {}
                }
            } else {
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth = self.depth.saturating_sub(1);
                        self.closed = self.depth == 0 && b == b'}';
                    }
                    _ => {}
                }
            }
        }
    }
}

impl<R: Read> Read for RecordLines<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() {
            let mut input = [0u8; 1 << 16];
            let n = self.inner.read(&mut input)?;
            if n == 0 {
                return Ok(0);
            }
            self.split(&input[..n]);
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Empties the lines of `buf` longer than `max` bytes (their newline stays, so line numbers
/// hold), noting each in `oversized`. A rare path: nothing is copied when none is.
fn cut_long_lines(buf: &mut Vec<u8>, max: usize, oversized: &mut Vec<(u64, u64)>) {
    let too_long = |line: &&[u8]| line.len() > max;
    if !buf.split(|&b| b == b'\n').any(|l| too_long(&l)) {
        return;
    }
    let mut kept = Vec::with_capacity(buf.len());
    let lines = buf.split(|&b| b == b'\n').collect::<Vec<_>>();
    let last = lines.len() - 1;
    for (i, line) in lines.into_iter().enumerate() {
        if too_long(&line) {
            oversized.push((i as u64 + 1, line.len() as u64));
        } else {
            kept.extend_from_slice(line);
        }
        if i < last {
            kept.push(b'\n');
        }
    }
    oversized.sort_unstable();
    oversized.dedup();
    *buf = kept;
}

/// Reads until `buf` grew by `want` bytes or the input ended; `true` at the end.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    let read = reader.take(want as u64).read_to_end(buf)?;
    Ok(read < want)
}

/// Aggregates `chunk`; returns its number of lines.
fn process(
    agg: &mut Aggregator,
    chunk: &Chunk,
    file: &str,
    max_line_bytes: usize,
    skips: &mut Vec<MalformedLine>,
) -> u64 {
    let mut skip = |n: u64, reason: String| {
        keep_skip(
            skips,
            MalformedLine {
                file_index: chunk.file_index,
                chunk: chunk.seq,
                line: n,
                file: file.to_owned(),
                reason,
            },
        )
    };
    for &(n, bytes) in &chunk.oversized {
        agg.skip_line();
        skip(
            n,
            format!(
                "line of {bytes} bytes, longer than --max-line-bytes ({max_line_bytes}): skipped to the next newline"
            ),
        );
    }
    match std::str::from_utf8(&chunk.data) {
        Ok(text) => agg.push_text(text, |n, e| skip(n, e.reason)),
        Err(_) => {
            // Rare: decode line by line so one bad line does not cost the chunk.
            let mut lines = chunk.data.split(|&b| b == b'\n').peekable();
            let mut n = 0;
            while let Some(bytes) = lines.next() {
                if bytes.is_empty() && lines.peek().is_none() {
                    break;
                }
                n += 1;
                match std::str::from_utf8(bytes) {
                    Ok(line) => {
                        if let Err(e) = agg.push_line(line) {
                            skip(n, e.reason);
                        }
                    }
                    Err(e) => {
                        agg.skip_line();
                        skip(n, format!("not UTF-8 ({e})"));
                    }
                }
            }
            n
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::io::Write as _;

    use journey_attribution_report::Report;

    use super::*;

    const STREAM: &str = include_str!("../../../tests/fixtures/report/stream.jsonl");

    fn report(outcome: Outcome) -> Report {
        outcome.aggregator.finish(&[]).unwrap()
    }

    /// Over-long lines, whether inside a chunk, across chunks or at the end of the file,
    /// are skipped with their reason and line number; the others count as if they were
    /// not there, whatever the chunk size, plain or gzip.
    #[test]
    fn lines_longer_than_the_limit_are_skipped_with_their_reason() {
        let lines: Vec<&str> = STREAM.lines().collect();
        let (a, b) = (lines[1], lines[2]);
        let long = "x".repeat(5_000);
        let text = format!("{a}\n{long}\n{b}\n{long}{{\"tail\":1}}\n{a}\n{long}");
        let expected_text = format!("{a}\n{b}\n{a}\n");
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("long.jsonl");
        std::fs::write(&plain, &text).unwrap();
        let gz = dir.path().join("long.jsonl.gz");
        let mut enc =
            flate2::write::GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::fast());
        enc.write_all(text.as_bytes()).unwrap();
        enc.finish().unwrap();
        let clean = dir.path().join("clean.jsonl");
        std::fs::write(&clean, expected_text).unwrap();
        let options = ReportOptions::default();
        let expected = report(aggregate(&[clean], options.clone(), 1, false).unwrap());
        for chunk_bytes in [64, 1000, 4096, 1 << 20] {
            for file in [&plain, &gz] {
                let limits = Limits {
                    chunk_bytes,
                    max_line_bytes: 2_000,
                };
                let out = aggregate_chunks_with(
                    &[Source::File(file.clone())],
                    options.clone(),
                    Analyses::default(),
                    2,
                    false,
                    limits,
                    &Reading::local(),
                )
                .unwrap();
                let found: Vec<(u64, &str)> = out
                    .skips
                    .iter()
                    .map(|s| (s.line, s.reason.as_str()))
                    .collect();
                assert_eq!(
                    found.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
                    [2, 4, 6],
                    "chunk {chunk_bytes} {file:?}: {found:?}"
                );
                assert!(
                    found[1]
                        .1
                        .starts_with("line of 5010 bytes, longer than --max-line-bytes (2000)"),
                    "{found:?}"
                );
                let got = report(out);
                assert_eq!(got.skipped_lines, 3);
                assert_eq!(got.lines, expected.lines + 3);
                assert_eq!(got.campaigns, expected.campaigns, "chunk {chunk_bytes}");
                assert_eq!(got.events, expected.events);
            }
        }
    }

    /// Tiny chunks (smaller than a line), several threads and gzip give the same report
    /// and the same line numbers as reading the file whole.
    #[test]
    fn chunking_threads_and_gzip_do_not_change_the_report() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.jsonl");
        std::fs::write(&plain, STREAM.repeat(3)).unwrap();
        let gz = dir.path().join("b.jsonl.gz");
        let mut enc =
            flate2::write::GzEncoder::new(File::create(&gz).unwrap(), flate2::Compression::fast());
        enc.write_all(STREAM.repeat(3).as_bytes()).unwrap();
        enc.finish().unwrap();
        let options = ReportOptions {
            goals: vec!["purchase".into()],
            revenue_metric: Some("revenue".into()),
        };

        let whole = aggregate_in_chunks(
            std::slice::from_ref(&plain),
            options.clone(),
            1,
            false,
            1 << 20,
        )
        .unwrap();
        let lines: Vec<u64> = whole.skips.iter().map(|s| s.line).collect();
        assert_eq!(lines, [11, 26, 41]);
        let whole = report(whole);
        for (threads, chunk) in [(1, 7), (3, 300), (4, 1000)] {
            for file in [&plain, &gz] {
                let got = aggregate_in_chunks(
                    std::slice::from_ref(file),
                    options.clone(),
                    threads,
                    false,
                    chunk,
                )
                .unwrap();
                let lines: Vec<u64> = got.skips.iter().map(|s| s.line).collect();
                assert_eq!(
                    lines,
                    [11, 26, 41],
                    "threads {threads}, chunk {chunk}, {file:?}"
                );
                assert_eq!(
                    report(got),
                    whole,
                    "threads {threads}, chunk {chunk}, {file:?}"
                );
            }
        }
        let both = report(aggregate_in_chunks(&[plain, gz], options, 2, false, 500).unwrap());
        assert_eq!(both.events, 2 * whole.events);
        assert_eq!(
            both.campaigns[0].attributed_events,
            2 * whole.campaigns[0].attributed_events
        );
        assert_eq!(
            both.campaigns[0].converted_users,
            whole.campaigns[0].converted_users
        );
    }

    #[test]
    fn invalid_utf8_costs_one_line_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.jsonl");
        let mut bytes = STREAM.as_bytes().to_vec();
        bytes.extend_from_slice(b"{\"event_type\":\"\xff\"}\n");
        bytes.extend_from_slice(STREAM.as_bytes());
        std::fs::write(&path, bytes).unwrap();
        let got = aggregate(&[path], ReportOptions::default(), 2, false).unwrap();
        let lines: Vec<(u64, bool)> = got
            .skips
            .iter()
            .map(|s| (s.line, s.reason.starts_with("not UTF-8")))
            .collect();
        assert_eq!(lines, [(11, false), (16, true), (27, false)]);
        let r = report(got);
        assert_eq!((r.lines, r.skipped_lines, r.events), (29, 3, 26));
    }

    #[test]
    fn directories_are_read_recursively_skipping_hidden_entries() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("2024/05/01")).unwrap();
        std::fs::create_dir_all(dir.path().join(".cache")).unwrap();
        for f in [
            "2024/05/01/b",
            "2024/05/01/a.gz",
            "top.jsonl",
            ".cache/x",
            ".hidden",
        ] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        let files = discover(&[dir.path().to_path_buf()], None, None).unwrap();
        let rel: Vec<String> = files
            .iter()
            .map(|f| match f {
                Source::File(f) => f.strip_prefix(dir.path()).unwrap().display().to_string(),
                Source::S3(o) => panic!("{o:?}"),
            })
            .collect();
        assert_eq!(rel, ["2024/05/01/a.gz", "2024/05/01/b", "top.jsonl"]);
        assert!(discover(&[dir.path().join("missing")], None, None).is_err());
    }

    #[test]
    fn back_to_back_records_get_a_line_each_and_lines_pass_unchanged() {
        let split = |input: &str| {
            let mut out = String::new();
            RecordLines::new(input.as_bytes())
                .read_to_string(&mut out)
                .unwrap();
            out
        };
        assert_eq!(
            split(r#"{"a":1}{"b":"}{"} {"c":[{}]}"#),
            "{\"a\":1}\n{\"b\":\"}{\"}\n {\"c\":[{}]}"
        );
        let lines = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n";
        assert_eq!(split(lines), lines);
        // An escaped quote does not end the string; a broken line does not swallow the next.
        assert_eq!(
            split(r#"{"a":"\"}{"}{"b":1}"#),
            "{\"a\":\"\\\"}{\"}\n{\"b\":1}"
        );
        assert_eq!(
            split("{\"a\":\n{\"b\":1}{\"c\":2}"),
            "{\"a\":\n{\"b\":1}\n{\"c\":2}"
        );
        // Across reads of any size, the same.
        let big: String = (0..5000)
            .map(|i| format!("{{\"n\":{i},\"s\":\"x}}{{\"}}"))
            .collect();
        let out = split(&big);
        assert_eq!(out.lines().count(), 5000);
        assert_eq!(out.replace('\n', ""), big);
    }
}

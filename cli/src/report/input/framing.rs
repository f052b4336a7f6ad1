//! One framing for every input: the bytes of a file, a decompressed `.gz`, an S3 object or
//! standard input become records, each a line, or one of several JSON objects written back
//! to back on a line (`{...}{...}`: Firehose without `AppendDelimiterToRecord`).
//!
//! A record ends at a newline, or where a top-level object closes and another opens on
//! the same line (`}{`, or with blank space between). Strings and nesting are tracked byte by byte; a newline
//! resets them, so a malformed record cannot swallow the lines after it. Records are
//! numbered from 1 in each input, so record n of newline-delimited input is its line n.
//!
//! The reader side ([`Framer`]) cuts a stream into chunks that end between records, keeping
//! no more than a chunk and one record (up to `--max-line-bytes`) in memory whatever the
//! input's size; a longer record is counted, its bytes dropped as they stream past. The
//! worker side ([`records`]) splits a chunk into its records.

use std::io::{self, Read};
use std::ops::Range;

/// How much a reader holds at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes read per chunk handed to a worker.
    pub chunk_bytes: usize,
    /// A longer record is skipped (`--max-line-bytes`).
    pub max_record_bytes: usize,
}

/// Where the state of the scan left a record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Scan {
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// A top-level object just closed: the record ends before the next non-blank byte.
    closed: bool,
}

/// How a record ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// At the newline at this index (not part of the record).
    Newline(usize),
    /// At this index, where the next record of the same line starts.
    Next(usize),
}

impl Scan {
    /// The end of the current record in `bytes`; `None` when it runs past them (the state
    /// then carries over to the bytes that follow).
    fn find_end(&mut self, bytes: &[u8]) -> Option<End> {
        let mut i = 0;
        while i < bytes.len() {
            if self.in_string {
                if self.escaped {
                    if bytes[i] == b'\n' {
                        *self = Scan::default();
                        return Some(End::Newline(i));
                    }
                    self.escaped = false;
                    i += 1;
                    continue;
                }
                // Most of a record's bytes are in strings: jump to what can end one.
                let k = i + memchr::memchr3(b'"', b'\\', b'\n', &bytes[i..])?;
                match bytes[k] {
                    b'"' => self.in_string = false,
                    b'\\' => self.escaped = true,
                    _ => {
                        *self = Scan::default();
                        return Some(End::Newline(k));
                    }
                }
                i = k + 1;
                continue;
            }
            let b = bytes[i];
            if self.closed {
                match b {
                    b' ' | b'\t' | b'\r' => {
                        i += 1;
                        continue;
                    }
                    b'{' => {
                        *self = Scan::default();
                        return Some(End::Next(i));
                    }
                    _ => self.closed = false,
                }
            }
            match b {
                b'\n' => {
                    *self = Scan::default();
                    return Some(End::Newline(i));
                }
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' => {
                    self.depth = self.depth.saturating_sub(1);
                    self.closed = self.depth == 0;
                }
                b']' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
            i += 1;
        }
        None
    }
}

/// The records of `chunk` (which starts where a record starts, and ends where one ends or
/// at the end of the input), as ranges without their newline; a blank line is an empty
/// record.
pub fn records(chunk: &[u8]) -> Records<'_> {
    Records {
        chunk,
        pos: 0,
        line: None,
    }
}

#[derive(Debug)]
pub struct Records<'a> {
    chunk: &'a [u8],
    pos: usize,
    /// The line `pos` is in: where it ends (its newline, or the chunk's end) and whether it
    /// may hold several records. Found once per line: searched again for each record, a
    /// line of records back to back would cost the square of its records (BENCHMARKS.md, "A
    /// line of records back to back").
    line: Option<(usize, bool)>,
}

impl Iterator for Records<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let rest = self.chunk.get(self.pos..).filter(|r| !r.is_empty())?;
        let start = self.pos;
        let (end, several) = match self.line {
            Some((end, several)) if start <= end => (end, several),
            _ => {
                let line = memchr::memchr(b'\n', rest).map_or(rest, |n| &rest[..n]);
                let line = (start + line.len(), may_hold_two(line));
                self.line = Some(line);
                line
            }
        };
        if !several {
            self.pos = end + 1;
            return Some(start..end);
        }
        let (len, newline) = match Scan::default().find_end(rest) {
            Some(End::Newline(k)) => (k, 1),
            Some(End::Next(k)) => (k, 0),
            None => (rest.len(), 0),
        };
        self.pos = start + len + newline;
        Some(start..start + len)
    }
}

/// Whether `line` may hold a record's end before its own: an object closing right before
/// another opens (`}{`, or with blank space between). Most lines hold one record, and this
/// check runs at memory speed where the scan does not.
fn may_hold_two(line: &[u8]) -> bool {
    memchr::memmem::find(line, b"}{").is_some()
        || memchr::memchr3_iter(b' ', b'\t', b'\r', line).any(|i| i > 0 && line[i - 1] == b'}')
}

/// Where a chunk may end in `buf` (which starts where a record starts): after its last
/// newline, else where its last record of a line starts; `Err` with the state at the end of
/// `buf` when it is all one record.
fn last_boundary(buf: &[u8]) -> Result<usize, Scan> {
    if let Some(newline) = memchr::memrchr(b'\n', buf) {
        return Ok(newline + 1);
    }
    let mut scan = Scan::default();
    let (mut at, mut last) = (0, None);
    // No newline: every end the scan finds starts the next record of the line.
    while let Some(End::Next(k)) = scan.find_end(&buf[at..]) {
        at += k;
        last = Some(at);
    }
    last.ok_or(scan)
}

/// A chunk of whole records, for a worker.
#[derive(Debug, Default)]
pub struct Framed {
    pub data: Vec<u8>,
    /// Records longer than the limit, dropped while reading: (1-based record in the chunk,
    /// its length in bytes). Each is left as an empty record, so the numbers hold.
    pub oversized: Vec<(u64, u64)>,
}

/// Cuts a stream into [`Framed`] chunks.
#[derive(Debug)]
pub struct Framer {
    limits: Limits,
    carry: Vec<u8>,
    /// An over-long record being dropped: its bytes so far and the scan's state.
    skipping: Option<(u64, Scan)>,
    done: bool,
}

impl Framer {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            carry: Vec::new(),
            skipping: None,
            done: false,
        }
    }

    /// The next chunk of `reader`, in `buf` (a recycled buffer); `None` at the end.
    pub fn next_chunk(
        &mut self,
        reader: &mut dyn Read,
        mut buf: Vec<u8>,
    ) -> io::Result<Option<Framed>> {
        let Limits {
            chunk_bytes,
            max_record_bytes,
        } = self.limits;
        while !self.done {
            buf.clear();
            buf.reserve(chunk_bytes + self.carry.len());
            buf.append(&mut self.carry);
            self.done = fill(reader, &mut buf, chunk_bytes)?;
            let mut oversized = Vec::new();
            if let Some((so_far, mut scan)) = self.skipping.take() {
                let end = scan.find_end(&buf);
                let dropped = match end {
                    None if !self.done => {
                        self.skipping = Some((so_far + buf.len() as u64, scan));
                        continue;
                    }
                    None => buf.len(),
                    Some(End::Newline(k) | End::Next(k)) => k,
                };
                oversized.push((1, so_far + dropped as u64));
                buf.drain(..dropped);
                // The dropped record stays as an empty one; its line goes on with the next.
                if matches!(end, Some(End::Next(_))) {
                    buf.insert(0, b'\n');
                }
            }
            if buf.is_empty() && oversized.is_empty() {
                break;
            }
            if !self.done {
                match last_boundary(&buf) {
                    Ok(end) => {
                        self.carry.extend_from_slice(&buf[end..]);
                        buf.truncate(end);
                    }
                    // One record longer than a chunk: keep reading it, up to the limit.
                    Err(scan) if buf.len() > max_record_bytes => {
                        self.skipping = Some((buf.len() as u64, scan));
                        continue;
                    }
                    Err(_) => {
                        self.carry = std::mem::take(&mut buf);
                        continue;
                    }
                }
            }
            return Ok(Some(Framed {
                data: buf,
                oversized,
            }));
        }
        Ok(None)
    }
}

/// Reads until `buf` grew by `want` bytes or the input ended; `true` at the end.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    let read = reader.take(want as u64).read_to_end(buf)?;
    Ok(read < want)
}

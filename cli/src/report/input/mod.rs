//! The report's inputs: where they are and which are the same object ([`sources`]), how
//! their bytes become records ([`framing`]), and the threads that read and aggregate them
//! ([`pool`], [`progress`]). The rules a user relies on are in the README's report section.

mod framing;
mod pool;
mod progress;
mod sources;

use std::io;

pub use framing::Limits;
pub use pool::{Job, Lift, aggregate};
pub use sources::{Source, discover};

use super::s3::S3Error;

/// Bytes a reader hands to a worker at a time.
pub const CHUNK_BYTES: usize = 4 << 20;
/// `--max-line-bytes`' default: a Firehose record is at most 1,000 KiB, a Pinpoint event far
/// less, so a longer record is not an event.
pub const MAX_LINE_BYTES: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A local input (or standard input) that cannot be listed, opened or read.
    #[error("{name}: {source}")]
    Io { name: String, source: io::Error },
    #[error(transparent)]
    S3(#[from] S3Error),
    #[error("internal: no S3 client for an s3:// input")]
    NoS3Client,
    #[error("a {0} thread panicked")]
    Panicked(&'static str),
}

#[cfg(test)]
mod tests;

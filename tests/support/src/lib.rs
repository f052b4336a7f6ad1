//! What the crates' tests share, so none keeps its own copy: the AWS payload fixtures
//! (`tests/fixtures/`, also the fuzz targets' seeds), the bad-input generator, and the
//! tables as the SAM template creates them.
#![allow(clippy::unwrap_used)]

pub mod bad;
pub mod fixtures;
#[cfg(feature = "dynamodb")]
pub mod tables;

//! The `tagging` and `sync` Lambda functions (filled in by the Lambda issue).
pub use journey_attribution_core as core;

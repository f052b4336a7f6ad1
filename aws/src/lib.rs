//! The AWS layer the Lambdas and the CLI share.
//!
//! - [`ports`]: the capabilities the handlers and `reconcile` need (the attribution table,
//!   the touch ledger, user attributes, the failure queue), as small traits with their
//!   errors classified for [`retry`]. The in-memory adapters live with the handlers
//!   (`journey_attribution_lambda::memory`).
//! - With the default feature `sdk`: their AWS adapters ([`dynamodb`], [`cognito`],
//!   [`sqs`]), the SDK's configuration ([`config`]) and what a failed call says ([`error`]),
//!   which the CLI's S3, Athena and Glue clients use too. SDK types stop here.
//!
//! Without `sdk` nothing here builds the AWS SDK: the demo runs the handlers on the
//! in-memory adapters with this crate's ports alone.

pub mod limits;
pub mod ports;
pub mod retry;

#[cfg(feature = "sdk")]
pub mod cognito;
#[cfg(feature = "sdk")]
pub mod config;
#[cfg(feature = "sdk")]
pub mod dynamodb;
#[cfg(feature = "sdk")]
pub mod error;
#[cfg(feature = "sdk")]
pub mod sqs;

pub use limits::{DEFAULT_SDK_LIMITS, SdkLimits};

/// The wall clock in epoch milliseconds: the `now` callers pass to core.
pub fn now_ms() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

//! The Lambda functions of journey-attribution: the touch sources ([`tagging`] for
//! Pinpoint, [`connect`], [`ses`]), the attribute projection ([`sync`]) and the token
//! projection ([`claims`]).
//!
//! Layout (hexagonal): the handlers take the event and the ports
//! ([`ports`]); [`aws`] holds the DynamoDB and Cognito adapters, [`memory`] the in-memory
//! ones (unit tests, the local demo). Every rule comes from `journey_attribution_core`.
//! Each function's module holds its `Settings::from_env`, its `handle` and its
//! `lambda_handler`; [`pipeline`] is the touch sources' shared write step, [`runtime`] what
//! every function reads or sets up at start. The binaries in `src/bin/` only wire these.

pub use journey_attribution_core as core;
pub use journey_attribution_table as table;

pub mod aws;
pub mod claims;
pub mod connect;
pub mod memory;
pub mod metrics;
pub mod pipeline;
pub mod ports;
pub mod retry;
pub mod runtime;
pub mod ses;
pub mod sync;
pub mod tagging;
#[cfg(test)]
mod test_logs;

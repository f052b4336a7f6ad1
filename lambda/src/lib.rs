//! The Lambda functions of journey-attribution: the touch sources ([`pinpoint`], [`connect`],
//! [`ses`]), the attribute projection ([`sync`]) and the token projection ([`claims`]).
//!
//! Layout (hexagonal): the handlers take the event and the ports
//! (`journey_attribution_aws::ports`); the AWS adapters are in `journey_attribution_aws`,
//! [`memory`] holds the in-memory ones (unit tests, the local demo). Every rule comes from
//! `journey_attribution_core`. Each function's module holds its `Settings::from_env`, its
//! `handle` and its `lambda_handler`; [`pipeline`] is the touch sources' shared write step,
//! [`config`] what every function reads or sets up at start. The binaries in `src/bin/`
//! (feature `aws`) only wire these to the AWS adapters.

pub use journey_attribution_core as core;
pub use journey_attribution_table as table;

pub mod claims;
pub mod config;
pub mod connect;
pub mod memory;
pub mod metrics;
pub mod pinpoint;
pub mod pipeline;
pub mod ses;
pub mod sync;
#[cfg(test)]
mod test_logs;

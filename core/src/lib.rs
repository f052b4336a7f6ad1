//! The attribution rules of journey-attribution, once, with no I/O.
//!
//! Everything here is compiled both into the Lambdas (`journey-attribution-lambda`) and into
//! the WebAssembly package (`journey-attribution-wasm`), so a rule can never drift between
//! the server that tags users and the browser that stamps their events.
//!
//! Times are plain integers: `*_ms` are epoch milliseconds, `*_s` epoch seconds (DynamoDB's
//! TTL unit). The caller passes "now"; nothing here reads a clock.
//!
//! Without the `std` feature (on by default) the crate is `no_std` + `alloc` and holds only
//! what stamping needs: the stamping `.wasm` is built so (see `wasm/stamp/src/lib.rs`).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

/// What the `no_std` modules use from `alloc` (std's prelude has it all).
#[allow(unused_imports)]
mod prelude {
    pub(crate) use alloc::borrow::ToOwned;
    pub(crate) use alloc::boxed::Box;
    pub(crate) use alloc::format;
    pub(crate) use alloc::string::{String, ToString};
    pub(crate) use alloc::vec;
    pub(crate) use alloc::vec::Vec;
}

pub mod attribution;
pub mod event;
#[cfg(feature = "holdout")]
pub mod holdout;
pub mod landing;
pub mod stamp;
pub mod token;
pub mod touch;
pub mod window;

#[cfg(feature = "std")]
pub mod claims;
#[cfg(feature = "std")]
pub mod connect;
#[cfg(feature = "std")]
pub mod pinpoint;
#[cfg(feature = "std")]
pub mod plan;
#[cfg(feature = "std")]
pub mod rfc3339;
#[cfg(feature = "std")]
pub mod ses;
#[cfg(feature = "std")]
pub mod sync;
#[cfg(feature = "std")]
pub mod username;

pub use attribution::{Attribution, Campaign, WriteDecision};
pub use event::{AnalyticsEvent, Violation, validate_event};
pub use stamp::{StampOutcome, StampStatus, stamp_event};
#[cfg(feature = "std")]
pub use sync::{ChangeKind, StreamChange, SyncAction, should_clear};
pub use token::{Token, TokenError};
pub use touch::{Touch, TouchSource};
#[cfg(feature = "std")]
pub use username::UsernameRule;
pub use window::{LookbackWindow, LookbackWindows, WindowError};

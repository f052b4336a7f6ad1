//! The attribution rules of journey-attribution, once, with no I/O.
//!
//! Everything here is compiled both into the Lambdas (`journey-attribution-lambda`) and into
//! the WebAssembly package (`journey-attribution-wasm`), so a rule can never drift between
//! the server that tags users and the browser that stamps their events.
//!
//! Times are plain integers: `*_ms` are epoch milliseconds, `*_s` epoch seconds (DynamoDB's
//! TTL unit). The caller passes "now"; nothing here reads a clock.

pub mod attribution;
pub mod claims;
pub mod connect;
pub mod event;
pub mod item;
pub mod pinpoint;
pub mod report;
pub mod rfc3339;
pub mod ses;
pub mod stamp;
pub mod stream;
pub mod sync;
pub mod token;
pub mod touch;
pub mod username;
pub mod window;

pub use attribution::{Attribution, Campaign, WriteDecision};
pub use event::{AnalyticsEvent, Violation, validate_event};
pub use stamp::{StampOutcome, StampStatus, stamp_event};
pub use sync::{ChangeKind, StreamChange, SyncAction, should_clear};
pub use token::{Token, TokenError};
pub use touch::{Touch, TouchSource};
pub use username::UsernameRule;
pub use window::{LookbackWindow, LookbackWindows, WindowError};

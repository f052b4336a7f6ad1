//! Attempts and timeouts of the SDK's calls: plain values, so a function's settings can hold
//! them without the SDK ([`crate::config::sdk_config_with`] applies them).

use std::time::Duration;

/// Attempts and timeouts of every SDK call a client makes.
#[derive(Debug, Clone, Copy)]
pub struct SdkLimits {
    pub max_attempts: u32,
    pub connect: Duration,
    pub attempt: Duration,
    pub operation: Duration,
}

impl SdkLimits {
    /// Limits inside a time budget: two attempts of two fifths of it each, so the SDK's own
    /// error (named in the warning) usually comes before the budget's timeout. For
    /// `claims`' 500 ms: connect 150 ms, attempt 200 ms, operation 450 ms.
    pub const fn within(budget: Duration) -> Self {
        let ms = budget.as_millis() as u64;
        Self {
            max_attempts: 2,
            connect: Duration::from_millis(ms * 3 / 10),
            attempt: Duration::from_millis(ms * 2 / 5),
            operation: Duration::from_millis(ms * 9 / 10),
        }
    }
}

/// The touch sources' and `sync`'s limits (their callers allow seconds), and the operator
/// commands'.
pub const DEFAULT_SDK_LIMITS: SdkLimits = SdkLimits {
    max_attempts: 2,
    connect: Duration::from_secs(1),
    attempt: Duration::from_millis(1500),
    operation: Duration::from_secs(3),
};

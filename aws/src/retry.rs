//! Exponential backoff with jitter for transient errors.

use std::future::Future;
use std::time::Duration;

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Total attempts, the first included (at least 1).
    pub attempts: u32,
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    pub const fn new(attempts: u32, base: Duration, max: Duration) -> Self {
        Self {
            attempts,
            base,
            max,
        }
    }

    /// No waiting: for tests.
    pub const fn immediate(attempts: u32) -> Self {
        Self::new(attempts, Duration::ZERO, Duration::ZERO)
    }

    /// The delay before retry `n` (1-based): "equal jitter", between half and all of
    /// `min(max, base * 2^(n-1))`.
    pub fn delay(&self, n: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << n.saturating_sub(1).min(16))
            .min(self.max);
        let half = exp / 2;
        half + half.mul_f64(jitter())
    }

    /// Runs `op` until it succeeds, fails with an error `retryable` rejects, or the attempts
    /// are spent. Returns the last result and the number of attempts made.
    pub async fn run<T, E, F, Fut>(
        &self,
        retryable: impl Fn(&E) -> bool,
        mut op: F,
    ) -> (Result<T, E>, u32)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut attempt = 1;
        loop {
            match op().await {
                Err(e) if attempt < self.attempts.max(1) && retryable(&e) => {
                    tokio::time::sleep(self.delay(attempt)).await;
                    attempt += 1;
                }
                result => return (result, attempt),
            }
        }
    }
}

/// A number in [0, 1) from the clock's nanoseconds: enough to spread concurrent retries.
fn jitter() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    f64::from(nanos.wrapping_mul(2_654_435_761) % 1_000_000) / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn delays_grow_and_are_capped() {
        let b = Backoff::new(5, Duration::from_millis(100), Duration::from_millis(300));
        assert!(
            b.delay(1) >= Duration::from_millis(50) && b.delay(1) <= Duration::from_millis(100)
        );
        assert!(b.delay(2) >= Duration::from_millis(100));
        assert!(b.delay(10) <= Duration::from_millis(300));
    }

    #[tokio::test]
    async fn retries_only_what_is_retryable_and_stops_after_the_attempts() {
        let calls = Cell::new(0);
        let (r, n) = Backoff::immediate(3)
            .run(
                |e: &&str| *e == "busy",
                || {
                    calls.set(calls.get() + 1);
                    async { Err::<(), _>("busy") }
                },
            )
            .await;
        assert_eq!((r, n, calls.get()), (Err("busy"), 3, 3));
        let (r, n) = Backoff::immediate(3)
            .run(|e: &&str| *e == "busy", || async { Err::<(), _>("fatal") })
            .await;
        assert_eq!((r, n), (Err("fatal"), 1));
        let calls = Cell::new(0);
        let (r, n) = Backoff::immediate(3)
            .run(
                |_: &&str| true,
                || {
                    calls.set(calls.get() + 1);
                    let c = calls.get();
                    async move { if c < 2 { Err("busy") } else { Ok(c) } }
                },
            )
            .await;
        assert_eq!((r, n), (Ok(2), 2));
    }
}

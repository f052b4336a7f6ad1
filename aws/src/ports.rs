//! The capabilities the handlers (and `reconcile`) need, as small traits. Their AWS
//! adapters are this crate's `dynamodb`, `cognito` and `sqs` (feature `sdk`); the in-memory
//! ones, for unit tests and the demo, are `journey_attribution_lambda::memory`.

use std::future::Future;

use journey_attribution_core::{Attribution, WriteDecision};

/// Errors of the attribution store, classified for the retry policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Throttling, a timeout, a 5xx: worth retrying.
    #[error("transient store error: {0}")]
    Transient(String),
    /// Anything else (validation, access denied, an unreadable stored item).
    #[error("store error: {0}")]
    Permanent(String),
}

impl StoreError {
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient(_))
    }
}

/// The attribution table: one attribution per user, newest wins.
pub trait AttributionStore {
    /// Writes `attribution` iff it takes precedence over the stored one (core's
    /// [`journey_attribution_core::Campaign::precedence`]), atomically. Returns what happened.
    fn put_if_newer(
        &self,
        attribution: &Attribution,
    ) -> impl Future<Output = Result<WriteDecision, StoreError>> + Send;
}

/// One user's stored attribution, read on its own (the token projection, `claims`).
pub trait AttributionReader {
    /// The user's item; `None` when there is none. An item that does not decode is a
    /// [`StoreError::Permanent`] naming the attribute.
    fn get(
        &self,
        username: &str,
    ) -> impl Future<Output = Result<Option<Attribution>, StoreError>> + Send;
}

/// Errors of the user directory, classified: throttling and transient errors are retried,
/// an unknown user is permanent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    #[error("user not found: {0}")]
    NotFound(String),
    #[error("throttled: {0}")]
    Throttled(String),
    #[error("transient user directory error: {0}")]
    Transient(String),
    #[error("user directory error: {0}")]
    Permanent(String),
}

impl UserError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Throttled(_) | Self::Transient(_))
    }
}

/// A user's attributes (Cognito): read, set and clear one attribute.
pub trait UserAttributes {
    /// The attribute's value; `None` when the user has no such attribute.
    fn get_attribute(
        &self,
        username: &str,
        attribute: &str,
    ) -> impl Future<Output = Result<Option<String>, UserError>> + Send;

    fn set_attribute(
        &self,
        username: &str,
        attribute: &str,
        value: &str,
    ) -> impl Future<Output = Result<(), UserError>> + Send;

    /// Clears the attribute (Cognito deletes an attribute set to a blank value).
    fn clear_attribute(
        &self,
        username: &str,
        attribute: &str,
    ) -> impl Future<Output = Result<(), UserError>> + Send;
}

/// Pins a touch's time to its first delivery, for sources whose payload carries no send
/// time (Amazon Connect): a retried invocation then yields the same touch, never a newer one.
pub trait TouchLedger {
    /// Records `touched_at_ms` under `key` unless the key is already known, and returns the
    /// time recorded first. The entry may be forgotten after `expires_at_s` (a TTL).
    fn first_seen(
        &self,
        key: &str,
        touched_at_ms: i64,
        expires_at_s: i64,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;
}

/// The queue a record goes to when it can never be applied (a malformed record, a value
/// the attribute cannot hold): kept for an operator, not retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failure queue: {0}")]
pub struct QueueError(pub String);

pub trait FailureQueue {
    /// Sends one message (a JSON document) to the queue.
    fn park(
        &self,
        message: &serde_json::Value,
    ) -> impl Future<Output = Result<(), QueueError>> + Send;
}

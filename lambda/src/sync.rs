//! `sync`: the attribution table's DynamoDB stream in, Cognito's campaign attribute kept
//! in step, a partial batch response out.

use std::collections::HashSet;
use std::time::Duration;

use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use journey_attribution_core::sync::{self as rules, SyncAction, SyncError};
use journey_attribution_table::stream::{self, RecordError};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::{Value, json};
use tokio::time::Instant;
use tracing::{debug, error, info, warn};

use crate::config::{self, ConfigError, Env};
use crate::metrics::Metrics;
use journey_attribution_aws::ports::{FailureQueue, QueueError, UserAttributes, UserError};
use journey_attribution_aws::retry::Backoff;

/// What is kept back from the invocation's deadline to answer: a response Lambda never
/// receives fails the whole batch, which is then bisected and replayed.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// `custom:campaign` by default.
    pub campaign_attribute: String,
    pub backoff: Backoff,
    /// Keys the user's hash in `info` logs (`LOG_USER_KEY`).
    pub log_key: config::UserTag,
}

/// Errors that fail the whole batch (Lambda retries it all).
#[derive(Debug, thiserror::Error)]
pub enum SyncBatchError {
    #[error("Records: {0}")]
    Envelope(String),
    /// A record without a sequence number cannot be reported as a batch item failure.
    #[error("Records[{index}]: {source}")]
    Unreportable { index: usize, source: RecordError },
}

impl SyncBatchError {
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Envelope(_) => "InvalidEvent",
            Self::Unreportable { .. } => "UnreportableRecord",
        }
    }
}

/// Why one record was not applied.
#[derive(Debug, thiserror::Error)]
enum RecordFailure {
    #[error("malformed record: {0}")]
    Malformed(#[from] RecordError),
    #[error("{0}")]
    Rule(#[from] SyncError),
    #[error("{0}")]
    User(#[from] UserError),
    #[error("an earlier record of this user failed in this batch")]
    Blocked,
    #[error("not applied before the invocation's deadline")]
    Deadline,
}

impl RecordFailure {
    /// A retry cannot change the outcome: the record itself cannot be applied.
    fn is_permanent(&self) -> bool {
        match self {
            Self::Malformed(_) | Self::Rule(_) => true,
            Self::User(e) => !e.is_retryable(),
            Self::Blocked | Self::Deadline => false,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Malformed(_)
            | Self::Rule(SyncError::MissingImage { .. } | SyncError::Item { .. }) => {
                "malformed_record"
            }
            Self::Rule(SyncError::Token { .. }) => "token_too_long",
            Self::User(_) => "cognito_rejected",
            Self::Blocked => "blocked",
            Self::Deadline => "deadline",
        }
    }
}

/// Applies the records in order, before `deadline`.
///
/// A record that fails transiently (Cognito still throttling after the retries) is
/// reported by its sequence number, and the same user's later records are not applied (and
/// reported too), so that Lambda's retry, from the lowest failed sequence number, replays
/// them in order. A record that can never be applied (malformed, a token the attribute
/// cannot hold, a value Cognito refuses) is logged at error, counted (`parked`) and sent
/// to the failure queue with its reason: retrying it would only replay it, and every later
/// record of the batch, up to Lambda's retry limit against Cognito's quota. Only if the
/// queue refuses it is it reported instead. The records not yet applied when the deadline
/// comes near are reported, so the response always reaches Lambda.
pub async fn handle<U: UserAttributes + Sync, Q: FailureQueue + Sync>(
    event: Value,
    users: &U,
    queue: &Q,
    config: &SyncConfig,
    deadline: Instant,
    metrics: &mut Metrics,
) -> Result<DynamoDbEventResponse, SyncBatchError> {
    let records = match event.get("Records") {
        Some(Value::Array(records)) => records,
        Some(_) => return Err(SyncBatchError::Envelope("not an array".into())),
        None => return Err(SyncBatchError::Envelope("missing".into())),
    };
    let mut response = DynamoDbEventResponse::default();
    let mut failed_users: HashSet<String> = HashSet::new();
    for (index, record) in records.iter().enumerate() {
        let Some(sequence) = stream::sequence_number(record) else {
            let source = stream::decode_record(record)
                .err()
                .unwrap_or_else(|| RecordError {
                    field: "dynamodb.SequenceNumber".into(),
                    reason: "missing".into(),
                });
            return Err(SyncBatchError::Unreportable { index, source });
        };
        let user = stream::record_username(record);
        let left = time_left(deadline);
        let outcome = if user.is_some_and(|u| failed_users.contains(u)) {
            Err(RecordFailure::Blocked)
        } else if left.is_zero() {
            Err(RecordFailure::Deadline)
        } else {
            tokio::time::timeout(left, apply(record, users, config, metrics))
                .await
                .unwrap_or(Err(RecordFailure::Deadline))
        };
        let Err(failure) = outcome else { continue };
        let user_tag = user.map(|u| config.log_key.tag(u)).unwrap_or_default();
        debug!(sequence, user = user.unwrap_or(""), %user_tag, "record failed for user");
        if failure.is_permanent() {
            // Parking is bounded by the deadline too; a park that cannot finish in time
            // leaves the record to Lambda's retry, like any unfinished record.
            let left = time_left(deadline);
            let message = parked(record, sequence, &failure);
            let sent = tokio::time::timeout(left, queue.park(&message))
                .await
                .unwrap_or_else(|_| Err(QueueError("not sent before the deadline".into())));
            match sent {
                Ok(()) => {
                    metrics.incr("parked");
                    metrics.incr(format!("parked.{}", failure.kind()));
                    error!(sequence, %user_tag, error = %failure,
                        "record cannot be applied: sent to the failure queue");
                    continue;
                }
                Err(e) => {
                    error!(sequence, %user_tag, error = %failure, queue_error = %e,
                        "record cannot be applied, and the failure queue refused it");
                }
            }
        }
        metrics.incr("failures");
        if matches!(failure, RecordFailure::Deadline) {
            metrics.incr("deadline");
            warn!(
                sequence,
                %user_tag,
                "deadline near: record left for Lambda's retry"
            );
        } else {
            error!(sequence, %user_tag, error = %failure, "record failed");
        }
        if let Some(u) = user {
            failed_users.insert(u.to_owned());
        }
        let mut item = DynamoDbBatchItemFailure::default();
        item.item_identifier = Some(sequence.to_owned());
        response.batch_item_failures.push(item);
    }
    Ok(response)
}

/// What is left for work before `deadline`, its margin kept back.
fn time_left(deadline: Instant) -> Duration {
    deadline
        .saturating_duration_since(Instant::now())
        .saturating_sub(DEADLINE_MARGIN)
}

/// The failure-queue message: why, and what a retry needs to find the record and the item
/// again (the stream position, the event, the item's key), not the record's images: the
/// table holds the attribution, `reconcile` (or a replay from the sequence number) rebuilds
/// the projection from it, and the queue keeps its messages for 14 days.
fn parked(record: &Value, sequence: &str, failure: &RecordFailure) -> Value {
    json!({
        "source": "journey-attribution sync",
        "reason": failure.kind(),
        "error": failure.to_string(),
        "sequenceNumber": sequence,
        "eventID": record.get("eventID"),
        "eventName": record.get("eventName"),
        "eventSourceARN": record.get("eventSourceARN"),
        // The item's key: from Keys, else from an image (a malformed record may lack Keys).
        "username": stream::record_username(record),
    })
}

async fn apply<U: UserAttributes + Sync>(
    record: &Value,
    users: &U,
    config: &SyncConfig,
    metrics: &mut Metrics,
) -> Result<(), RecordFailure> {
    let decoded = stream::decode_record(record)?;
    let sequence = decoded.sequence_number.as_str();
    let attr = config.campaign_attribute.as_str();
    let retry = |metrics: &mut Metrics, attempts: u32| {
        if attempts > 1 {
            metrics.add("retries", u64::from(attempts - 1));
        }
    };
    let result = match rules::decide(&decoded.change)? {
        SyncAction::Set { username, token } => {
            let (r, attempts) = config
                .backoff
                .run(UserError::is_retryable, || {
                    users.set_attribute(&username, attr, &token)
                })
                .await;
            retry(metrics, attempts);
            r.map(|()| {
                metrics.incr("set");
                debug!(sequence, user = %username, "campaign attribute set for user");
                info!(sequence, user_tag = %config.log_key.tag(&username), "campaign attribute set");
            })
        }
        SyncAction::ClearIf { username, expected } => {
            let (current, attempts) = config
                .backoff
                .run(UserError::is_retryable, || {
                    users.get_attribute(&username, attr)
                })
                .await;
            retry(metrics, attempts);
            match current {
                Ok(current) if rules::should_clear(current.as_deref(), &expected) => {
                    let (r, attempts) = config
                        .backoff
                        .run(UserError::is_retryable, || {
                            users.clear_attribute(&username, attr)
                        })
                        .await;
                    retry(metrics, attempts);
                    r.map(|()| {
                        metrics.incr("cleared");
                        debug!(sequence, user = %username, "campaign attribute cleared for user");
                        info!(sequence, user_tag = %config.log_key.tag(&username), journey = %expected.journey_id, "campaign attribute cleared");
                    })
                }
                Ok(_) => {
                    metrics.incr("kept_newer");
                    info!(sequence, user_tag = %config.log_key.tag(&username), journey = %expected.journey_id,
                        "expiry ignored: the user holds another attribution");
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        SyncAction::Ignore(reason) => {
            metrics.incr(format!("ignored.{}", reason.as_str()));
            info!(sequence, reason = reason.as_str(), "record ignored");
            Ok(())
        }
    };
    match result {
        // Permanent: retrying cannot create the user. Logged and counted, not reported.
        Err(UserError::NotFound(detail)) => {
            metrics.incr("user_not_found");
            warn!(sequence, error = %detail, "user not found: record dropped");
            Ok(())
        }
        other => other.map_err(RecordFailure::from),
    }
}

/// `sync`'s configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub user_pool_id: String,
    /// Must match the pool: the table's keys are usernames in this canonical form.
    pub usernames: journey_attribution_core::UsernameRule,
    /// Where records that can never be applied go (the stream's on-failure queue).
    pub failure_queue_url: String,
    pub handler: SyncConfig,
}

impl Settings {
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            user_pool_id: env.required("USER_POOL_ID")?,
            usernames: config::usernames(env)?,
            failure_queue_url: env.required("FAILURE_QUEUE_URL")?,
            handler: SyncConfig {
                campaign_attribute: config::campaign_attribute(env),
                // Cognito: 25 attribute updates per second per account.
                backoff: Backoff::new(5, Duration::from_millis(200), Duration::from_secs(3)),
                log_key: config::UserTag::from_env(env),
            },
        })
    }
}

/// `sync`'s Lambda handler: returns the partial batch response before the invocation's
/// deadline.
pub async fn lambda_handler<U: UserAttributes + Sync, Q: FailureQueue + Sync>(
    event: LambdaEvent<Value>,
    users: &U,
    queue: &Q,
    config: &SyncConfig,
) -> Result<Value, Diagnostic> {
    let mut metrics = Metrics::default();
    let left = u64::try_from(journey_attribution_aws::now_ms())
        .map_or(0, |now| event.context.deadline.saturating_sub(now));
    let deadline = tokio::time::Instant::now() + Duration::from_millis(left);
    let result = handle(event.payload, users, queue, config, deadline, &mut metrics).await;
    metrics.emit("sync", journey_attribution_aws::now_ms());
    match result {
        Ok(response) => serde_json::to_value(response)
            .map_err(|e| config::diagnostic("SerializationError", e.to_string())),
        Err(e) => {
            error!(error = %e, "batch failed");
            Err(config::diagnostic(e.error_type(), e.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::vars as env;
    use crate::memory::{MemoryQueue, MemoryStore, MemoryUserPool};
    use journey_attribution_aws::ports::AttributionStore;
    use journey_attribution_core::token::Token;
    use journey_attribution_core::{Attribution, Campaign};
    use serde_json::json;

    const ATTR: &str = "custom:campaign";

    fn config() -> SyncConfig {
        SyncConfig {
            campaign_attribute: ATTR.into(),
            backoff: Backoff::immediate(3),
            log_key: Default::default(),
        }
    }

    fn attribution(user: &str, journey: &str, at: i64) -> Attribution {
        Attribution {
            username: user.into(),
            campaign: Campaign {
                application_id: "app".into(),
                journey_id: journey.into(),
                label: format!("label {journey}"),
                touched_at_ms: at,
                expires_at_s: at / 1000 + 60,
            },
        }
    }

    fn held(pool: &MemoryUserPool, user: &str) -> Option<String> {
        pool.attribute(user, ATTR).map(|t| {
            Token::decode(&t)
                .unwrap()
                .unwrap()
                .journey_id()
                .unwrap()
                .to_owned()
        })
    }

    /// `handle` with a failure queue that keeps its messages and no deadline in sight.
    async fn run(
        event: Value,
        pool: &MemoryUserPool,
        config: &SyncConfig,
        m: &mut Metrics,
    ) -> Result<DynamoDbEventResponse, SyncBatchError> {
        let far = Instant::now() + Duration::from_secs(3600);
        handle(event, pool, &MemoryQueue::default(), config, far, m).await
    }

    /// The records' sequence numbers, in order.
    fn sequences(event: &Value) -> Vec<String> {
        event["Records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["dynamodb"]["SequenceNumber"].as_str().unwrap().to_owned())
            .collect()
    }

    fn failures(r: &DynamoDbEventResponse) -> Vec<String> {
        r.batch_item_failures
            .iter()
            .filter_map(|f| f.item_identifier.clone())
            .collect()
    }

    #[tokio::test]
    async fn inserts_and_modifies_set_and_a_ttl_remove_clears_the_same_attribution() {
        let store = MemoryStore::default();
        let pool = MemoryUserPool::with_users(["alice", "bob"]);
        let mut m = Metrics::default();
        store
            .put_if_newer(&attribution("alice", "j1", 1_000))
            .await
            .unwrap();
        store
            .put_if_newer(&attribution("bob", "j1", 1_000))
            .await
            .unwrap();
        store
            .put_if_newer(&attribution("alice", "j2", 2_000))
            .await
            .unwrap();
        let r = run(store.take_stream_event(), &pool, &config(), &mut m)
            .await
            .unwrap();
        assert!(failures(&r).is_empty());
        assert_eq!(held(&pool, "alice").as_deref(), Some("j2"));
        assert_eq!(m.get("set"), 3);
        store.expire(i64::MAX);
        run(store.take_stream_event(), &pool, &config(), &mut m)
            .await
            .unwrap();
        assert_eq!(pool.attribute("alice", ATTR), None);
        assert_eq!(pool.attribute("bob", ATTR), None);
        assert_eq!(m.get("cleared"), 2);
    }

    #[tokio::test]
    async fn an_older_expiry_never_blanks_a_newer_attribution() {
        let pool = MemoryUserPool::with_users(["alice"]);
        let mut m = Metrics::default();
        let newer = attribution("alice", "j2", 2_000);
        let old = attribution("alice", "j1", 1_000);
        let store = MemoryStore::default();
        store.put_if_newer(&newer).await.unwrap();
        run(store.take_stream_event(), &pool, &config(), &mut m)
            .await
            .unwrap();
        // The older item's TTL deletion arrives late.
        let ttl = crate::memory::stream_record(
            &journey_attribution_core::StreamChange {
                kind: journey_attribution_core::ChangeKind::Remove,
                ttl_delete: true,
                old_image: Some(Ok(old.clone())),
                new_image: None,
            },
            "9",
        );
        let r = run(json!({"Records": [ttl]}), &pool, &config(), &mut m)
            .await
            .unwrap();
        assert!(failures(&r).is_empty());
        assert_eq!(held(&pool, "alice").as_deref(), Some("j2"));
        assert_eq!(m.get("kept_newer"), 1);
    }

    #[tokio::test]
    async fn unknown_users_are_dropped_and_failures_block_the_users_later_records() {
        let store = MemoryStore::default();
        let pool = MemoryUserPool::with_users(["alice", "bob"]);
        let mut m = Metrics::default();
        store
            .put_if_newer(&attribution("ghost", "j1", 1_000))
            .await
            .unwrap();
        store
            .put_if_newer(&attribution("alice", "j1", 1_000))
            .await
            .unwrap();
        store
            .put_if_newer(&attribution("bob", "j1", 1_000))
            .await
            .unwrap();
        store
            .put_if_newer(&attribution("alice", "j2", 2_000))
            .await
            .unwrap();
        let mut event = store.take_stream_event();
        let seqs = sequences(&event);
        event["Records"]
            .as_array_mut()
            .unwrap()
            .push(json!({"eventName": "INSERT", "dynamodb": {"SequenceNumber": "99"}}));
        pool.throttle_user("alice");
        let queue = MemoryQueue::default();
        let far = Instant::now() + Duration::from_secs(3600);
        let r = handle(event, &pool, &queue, &config(), far, &mut m)
            .await
            .unwrap();
        assert_eq!(
            failures(&r),
            vec![seqs[1].clone(), seqs[3].clone()],
            "alice's records; ghost and bob are not failures, the malformed one is parked"
        );
        assert_eq!(queue.messages().len(), 1);
        assert_eq!(queue.messages()[0]["sequenceNumber"], "99");
        assert_eq!(pool.attribute("alice", ATTR), None);
        assert_eq!(held(&pool, "bob").as_deref(), Some("j1"));
        assert_eq!(m.get("user_not_found"), 1);
        assert_eq!(m.get("set"), 1);
        // ghost 1 call, alice 3 attempts, bob 1; alice's later record is never applied.
        assert_eq!(pool.calls(), 5);
    }

    #[tokio::test]
    async fn throttling_is_retried_and_manual_deletes_are_ignored() {
        let store = MemoryStore::default();
        let pool = MemoryUserPool::with_users(["alice"]);
        let mut m = Metrics::default();
        store
            .put_if_newer(&attribution("alice", "j1", 1_000))
            .await
            .unwrap();
        pool.throttle_next(2);
        let r = run(store.take_stream_event(), &pool, &config(), &mut m)
            .await
            .unwrap();
        assert!(failures(&r).is_empty());
        assert_eq!(held(&pool, "alice").as_deref(), Some("j1"));
        assert_eq!(m.get("retries"), 2);
        let manual = crate::memory::stream_record(
            &journey_attribution_core::StreamChange {
                kind: journey_attribution_core::ChangeKind::Remove,
                ttl_delete: false,
                old_image: Some(Ok(attribution("alice", "j1", 1_000))),
                new_image: None,
            },
            "5",
        );
        run(json!({"Records": [manual]}), &pool, &config(), &mut m)
            .await
            .unwrap();
        assert_eq!(held(&pool, "alice").as_deref(), Some("j1"));
        assert_eq!(m.get("ignored.not_ttl_remove"), 1);
    }

    /// A record that can never be applied is parked, with its reason, and neither reported
    /// (Lambda would replay it and the whole rest of the batch up to 10 times) nor allowed
    /// to hold back the same user's later records.
    #[tokio::test]
    async fn permanent_errors_go_to_the_failure_queue_not_to_the_retries() {
        let store = MemoryStore::default();
        let pool = MemoryUserPool::with_users(["alice", "bob"]);
        let mut m = Metrics::default();
        let mut long = attribution("bob", "j1", 1_000);
        long.campaign.label = "L".repeat(300);
        store.put_if_newer(&long).await.unwrap();
        store
            .put_if_newer(&attribution("alice", "j1", 1_000))
            .await
            .unwrap();
        let mut event = store.take_stream_event();
        let records = event["Records"].as_array_mut().unwrap();
        let bob_seq = records[0]["dynamodb"]["SequenceNumber"].clone();
        // A malformed image, then a later record of the same user that is fine.
        let mut malformed = records[1].clone();
        malformed["dynamodb"]["SequenceNumber"] = json!("150");
        malformed["dynamodb"]["NewImage"]["expires_at"] = json!({"S": "soon"});
        records.insert(1, malformed);
        pool.set_max_length(256);
        let queue = MemoryQueue::default();
        let far = Instant::now() + Duration::from_secs(3600);
        let r = handle(event, &pool, &queue, &config(), far, &mut m)
            .await
            .unwrap();
        assert!(failures(&r).is_empty(), "{:?}", failures(&r));
        assert_eq!(held(&pool, "alice").as_deref(), Some("j1"), "not blocked");
        let parked = queue.messages();
        let reasons: Vec<(&str, &str)> = parked
            .iter()
            .map(|p| {
                (
                    p["reason"].as_str().unwrap(),
                    p["sequenceNumber"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            reasons,
            [
                ("cognito_rejected", bob_seq.as_str().unwrap()),
                ("malformed_record", "150")
            ]
        );
        assert!(
            parked[1]["error"].as_str().unwrap().contains("expires_at"),
            "{}",
            parked[1]
        );
        // What a retry needs (the position and the item's key), not the record's images.
        let mut keys: Vec<&str> = parked[1]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "error",
                "eventID",
                "eventName",
                "eventSourceARN",
                "reason",
                "sequenceNumber",
                "source",
                "username"
            ]
        );
        assert_eq!(parked[1]["username"], "alice");
        assert!(
            !parked[1].to_string().contains("label j1"),
            "no image: {}",
            parked[1]
        );
        assert_eq!((m.get("parked"), m.get("failures")), (2, 0));
        // Bob's over-long token was tried once: a permanent error is not retried.
        assert_eq!(pool.calls(), 2);

        // If the queue refuses, the record is reported instead: never lost.
        queue.refuse(true);
        let bad =
            json!({"Records": [{"eventName": "INSERT", "dynamodb": {"SequenceNumber": "7"}}]});
        let r = handle(bad, &pool, &queue, &config(), far, &mut m)
            .await
            .unwrap();
        assert_eq!(failures(&r), ["7"]);
    }

    /// At `info` and above a record names its user by a keyed hash, the raw name (often an
    /// e-mail address) only at `debug`: set, clear and a record that fails for good.
    #[tokio::test]
    async fn logs_name_users_by_a_keyed_hash_above_debug() {
        let name = "alice@example.com";
        let cfg = SyncConfig {
            log_key: config::UserTag::new(b"stack"),
            ..config()
        };
        let tag = cfg.log_key.tag(name);
        for (level, raw) in [("info", false), ("debug", true)] {
            let (logs, _guard) = crate::test_logs::capture(level);
            let store = MemoryStore::default();
            let pool = MemoryUserPool::with_users([name]);
            let mut m = Metrics::default();
            store
                .put_if_newer(&attribution(name, "j1", 1_000))
                .await
                .unwrap();
            run(store.take_stream_event(), &pool, &cfg, &mut m)
                .await
                .unwrap();
            store.expire(100);
            run(store.take_stream_event(), &pool, &cfg, &mut m)
                .await
                .unwrap();
            let mut long = attribution(name, "j2", 9_000);
            long.campaign.label = "L".repeat(300);
            store.put_if_newer(&long).await.unwrap();
            pool.set_max_length(256);
            run(store.take_stream_event(), &pool, &cfg, &mut m)
                .await
                .unwrap();
            assert_eq!((m.get("set"), m.get("cleared"), m.get("parked")), (1, 1, 1));
            let text = logs.text();
            for line in [
                "campaign attribute set",
                "campaign attribute cleared",
                "sent to the failure queue",
            ] {
                assert!(text.contains(line), "{line}: {text}");
            }
            assert!(text.contains(&tag), "{text}");
            assert_eq!(text.contains("alice"), raw, "{level}: {text}");
        }
    }

    /// A user pool whose every call takes `delay` (Cognito under throttling and backoff).
    struct Slow(MemoryUserPool, Duration);

    impl UserAttributes for Slow {
        async fn get_attribute(&self, u: &str, a: &str) -> Result<Option<String>, UserError> {
            tokio::time::sleep(self.1).await;
            self.0.get_attribute(u, a).await
        }
        async fn set_attribute(&self, u: &str, a: &str, v: &str) -> Result<(), UserError> {
            tokio::time::sleep(self.1).await;
            self.0.set_attribute(u, a, v).await
        }
        async fn clear_attribute(&self, u: &str, a: &str) -> Result<(), UserError> {
            tokio::time::sleep(self.1).await;
            self.0.clear_attribute(u, a).await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn records_not_applied_before_the_deadline_are_reported_in_time() {
        let store = MemoryStore::default();
        let users = ["u1", "u2", "u3", "u4"];
        for u in users {
            store
                .put_if_newer(&attribution(u, "j1", 1_000))
                .await
                .unwrap();
        }
        let event = store.take_stream_event();
        let seqs = sequences(&event);
        let pool = Slow(
            MemoryUserPool::with_users(users),
            Duration::from_millis(400),
        );
        let start = Instant::now();
        let deadline = start + DEADLINE_MARGIN + Duration::from_millis(700);
        let mut m = Metrics::default();
        let r = handle(
            event,
            &pool,
            &MemoryQueue::default(),
            &config(),
            deadline,
            &mut m,
        )
        .await
        .unwrap();
        assert!(Instant::now() < deadline, "answered before the deadline");
        assert_eq!(
            failures(&r),
            seqs[1..].to_vec(),
            "u1 applied, the rest left"
        );
        assert_eq!(held(&pool.0, "u1").as_deref(), Some("j1"));
        assert_eq!(m.get("deadline"), 3);
    }

    #[tokio::test]
    async fn a_record_without_sequence_number_fails_the_batch() {
        let err = run(
            json!({"Records": [{"eventName": "INSERT"}]}),
            &MemoryUserPool::default(),
            &config(),
            &mut Metrics::default(),
        )
        .await
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Records[0]: dynamodb.SequenceNumber: missing or not a string"
        );
    }

    #[test]
    fn sync_settings_need_the_pool() {
        let err = Settings::from_env(&env(&[("ATTRIBUTION_TABLE", "t")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable USER_POOL_ID is required"
        );
        let err = Settings::from_env(&env(&[("USER_POOL_ID", "p")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable FAILURE_QUEUE_URL is required"
        );
        let s =
            Settings::from_env(&env(&[("USER_POOL_ID", "p"), ("FAILURE_QUEUE_URL", "q")])).unwrap();
        assert_eq!(s.handler.campaign_attribute, "custom:campaign");
    }
}

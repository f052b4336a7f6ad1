//! `sync`: the attribution table's DynamoDB stream in, Cognito's campaign attribute kept
//! in step, a partial batch response out.

use std::collections::HashSet;

use aws_lambda_events::event::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use journey_attribution_core::stream::{self, RecordError};
use journey_attribution_core::sync::{self as rules, SyncAction, SyncError};
use serde_json::Value;
use tracing::{error, info, warn};

use crate::metrics::Metrics;
use crate::ports::{UserAttributes, UserError};
use crate::retry::Backoff;

#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// `custom:campaign` by default.
    pub campaign_attribute: String,
    pub backoff: Backoff,
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
}

/// Applies the records in order. A failed record is reported by its sequence number, and
/// the same user's later records are not applied (and reported too), so that Lambda's
/// retry, from the lowest failed sequence number, replays them in order.
pub async fn handle<U: UserAttributes + Sync>(
    event: Value,
    users: &U,
    config: &SyncConfig,
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
        let outcome = if user.is_some_and(|u| failed_users.contains(u)) {
            Err(RecordFailure::Blocked)
        } else {
            apply(record, users, config, metrics).await
        };
        if let Err(failure) = outcome {
            metrics.incr("failures");
            error!(sequence, user = user.unwrap_or(""), error = %failure, "record failed");
            if let Some(u) = user {
                failed_users.insert(u.to_owned());
            }
            let mut item = DynamoDbBatchItemFailure::default();
            item.item_identifier = Some(sequence.to_owned());
            response.batch_item_failures.push(item);
        }
    }
    Ok(response)
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
                info!(sequence, user = %username, "campaign attribute set");
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
                        info!(sequence, user = %username, journey = %expected.journey_id, "campaign attribute cleared");
                    })
                }
                Ok(_) => {
                    metrics.incr("kept_newer");
                    info!(sequence, user = %username, journey = %expected.journey_id,
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::memory::{MemoryStore, MemoryUserPool};
    use crate::ports::AttributionStore;
    use journey_attribution_core::token::Token;
    use journey_attribution_core::{Attribution, Campaign};
    use serde_json::json;

    const ATTR: &str = "custom:campaign";

    fn config() -> SyncConfig {
        SyncConfig {
            campaign_attribute: ATTR.into(),
            backoff: Backoff::immediate(3),
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
        let r = handle(store.take_stream_event(), &pool, &config(), &mut m)
            .await
            .unwrap();
        assert!(failures(&r).is_empty());
        assert_eq!(held(&pool, "alice").as_deref(), Some("j2"));
        assert_eq!(m.get("set"), 3);
        store.expire(i64::MAX);
        handle(store.take_stream_event(), &pool, &config(), &mut m)
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
        handle(store.take_stream_event(), &pool, &config(), &mut m)
            .await
            .unwrap();
        // The older item's TTL deletion arrives late.
        let ttl = crate::memory::stream_record(
            &journey_attribution_core::StreamChange {
                kind: journey_attribution_core::ChangeKind::Remove,
                ttl_delete: true,
                old_image: Some(journey_attribution_core::item::to_item(&old)),
                new_image: None,
            },
            "9",
        );
        let r = handle(json!({"Records": [ttl]}), &pool, &config(), &mut m)
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
        let seqs: Vec<String> = event["Records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["dynamodb"]["SequenceNumber"].as_str().unwrap().to_owned())
            .collect();
        event["Records"]
            .as_array_mut()
            .unwrap()
            .push(json!({"eventName": "INSERT", "dynamodb": {"SequenceNumber": "99"}}));
        pool.throttle_user("alice");
        let r = handle(event, &pool, &config(), &mut m).await.unwrap();
        assert_eq!(
            failures(&r),
            vec![seqs[1].clone(), seqs[3].clone(), "99".to_string()],
            "alice's records and the malformed one; ghost and bob are not failures"
        );
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
        let r = handle(store.take_stream_event(), &pool, &config(), &mut m)
            .await
            .unwrap();
        assert!(failures(&r).is_empty());
        assert_eq!(held(&pool, "alice").as_deref(), Some("j1"));
        assert_eq!(m.get("retries"), 2);
        let manual = crate::memory::stream_record(
            &journey_attribution_core::StreamChange {
                kind: journey_attribution_core::ChangeKind::Remove,
                ttl_delete: false,
                old_image: Some(journey_attribution_core::item::to_item(&attribution(
                    "alice", "j1", 1_000,
                ))),
                new_image: None,
            },
            "5",
        );
        handle(json!({"Records": [manual]}), &pool, &config(), &mut m)
            .await
            .unwrap();
        assert_eq!(held(&pool, "alice").as_deref(), Some("j1"));
        assert_eq!(m.get("ignored.not_ttl_remove"), 1);
    }

    #[tokio::test]
    async fn a_record_without_sequence_number_fails_the_batch() {
        let err = handle(
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
}

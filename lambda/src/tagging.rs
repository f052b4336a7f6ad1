//! `tagging`: a Pinpoint journey custom-channel invocation in, one conditional write per
//! user, Pinpoint's per-endpoint response out.

use futures::StreamExt;
use journey_attribution_core::pinpoint::{self, InvocationError};
use journey_attribution_core::touch::{Skip, TouchOutcome};
use journey_attribution_core::{Attribution, LookbackWindows, WriteDecision};
use serde_json::Value;
use tracing::{info, warn};

use crate::metrics::Metrics;
use crate::ports::{AttributionStore, StoreError};
use crate::retry::Backoff;

/// What the handler needs besides the event, read once at start-up.
#[derive(Debug, Clone)]
pub struct TaggingConfig {
    pub username_attribute: String,
    /// How the pool compares usernames (`USERNAME_CASE_SENSITIVE`).
    pub usernames: journey_attribution_core::UsernameRule,
    pub windows: LookbackWindows,
    /// Writes in flight at once.
    pub concurrency: usize,
    pub backoff: Backoff,
}

#[derive(Debug, thiserror::Error)]
pub enum TaggingError {
    /// The invocation itself is unusable (no endpoints to answer for).
    #[error("invalid invocation: {0}")]
    Invocation(#[from] InvocationError),
    /// Every endpoint was processed, but some writes failed even after retries: the error
    /// makes Pinpoint retry the invocation, which is idempotent.
    #[error("{failed} of {writes} attribution writes failed after retries; first: {first}")]
    WritesFailed {
        failed: usize,
        writes: usize,
        first: StoreError,
        /// The response that would have been returned (for the logs).
        response: Value,
    },
}

impl TaggingError {
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Invocation(_) => "InvalidInvocation",
            Self::WritesFailed { .. } => "WritesFailed",
        }
    }
}

/// Processes every endpoint. `now_ms` is the receive time (used when the invocation has
/// no `ScheduledTime`). Counters go to `metrics`, in the error case too.
pub async fn handle<S: AttributionStore + Sync>(
    event: Value,
    store: &S,
    config: &TaggingConfig,
    now_ms: i64,
    metrics: &mut Metrics,
) -> Result<Value, TaggingError> {
    let event = pinpoint::parse_invocation(event)?;
    let plan = event.plan_with(&config.username_attribute, now_ms, config.usernames)?;
    let window = config.windows.for_application(&event.application_id);
    let attributions: Vec<Attribution> = plan
        .touches
        .iter()
        .map(|t| Attribution::from_touch(t, window))
        .collect();
    let writes = write_all(
        &attributions,
        store,
        config.concurrency,
        config.backoff,
        metrics,
    )
    .await;

    let results = outcomes(plan.endpoints, &writes.results, metrics);
    let label = plan.touches.first().map(|t| t.label.as_str());
    let response = pinpoint::response(results.iter().map(|(id, r)| (id.as_str(), r)), label);
    writes.into_result(response)
}

/// Each item of a batch (in order: its id and its touch's index into `writes`, or why it
/// has none) to its outcome; skips are logged (malformed ones as warnings) and counted.
pub fn outcomes<S: Skip>(
    items: Vec<(String, Result<usize, S>)>,
    writes: &[Result<WriteDecision, StoreError>],
    metrics: &mut Metrics,
) -> Vec<(String, TouchOutcome<S>)> {
    items
        .into_iter()
        .map(|(id, item)| {
            let outcome = match item {
                Ok(i) => match &writes[i] {
                    Ok(d) => {
                        metrics.incr("tagged");
                        TouchOutcome::Tagged(*d)
                    }
                    Err(e) => TouchOutcome::Failed(e.to_string()),
                },
                Err(reason) => {
                    if reason.is_error() {
                        warn!(item = %id, reason = reason.code(), detail = %reason, "item rejected");
                    } else {
                        info!(item = %id, reason = reason.code(), detail = %reason, "item skipped");
                    }
                    metrics.incr("skipped");
                    metrics.incr(format!("skipped.{}", reason.code()));
                    TouchOutcome::Skipped(reason)
                }
            };
            (id, outcome)
        })
        .collect()
}

/// Attributions for these touches, each with its application's lookback window.
pub fn attributions(
    touches: &[journey_attribution_core::Touch],
    windows: &LookbackWindows,
) -> Vec<Attribution> {
    touches
        .iter()
        .map(|t| Attribution::from_touch(t, windows.for_application(&t.application_id)))
        .collect()
}

/// The outcome of writing a batch of attributions, one result per attribution.
#[derive(Debug)]
pub struct Writes {
    pub results: Vec<Result<WriteDecision, StoreError>>,
}

impl Writes {
    /// `Ok(response)` when every write went through; else the error that makes the
    /// caller's service retry the (idempotent) invocation.
    pub fn into_result(self, response: Value) -> Result<Value, TaggingError> {
        let writes = self.results.len();
        let failed = self.results.iter().filter(|r| r.is_err()).count();
        match self.results.into_iter().find_map(Result::err) {
            None => Ok(response),
            Some(first) => Err(TaggingError::WritesFailed {
                failed,
                writes,
                first,
                response,
            }),
        }
    }
}

/// Writes every attribution (newest wins, transient errors retried), `concurrency` at a
/// time, whatever source the touches came from. Counts decisions and failures in `metrics`.
pub async fn write_all<S: AttributionStore + Sync>(
    attributions: &[Attribution],
    store: &S,
    concurrency: usize,
    backoff: Backoff,
    metrics: &mut Metrics,
) -> Writes {
    let mut writes: Vec<(usize, Result<WriteDecision, StoreError>)> =
        futures::stream::iter(attributions.iter().enumerate())
            .map(|(i, a)| async move {
                let (result, attempts) = backoff
                    .run(StoreError::is_transient, || store.put_if_newer(a))
                    .await;
                match &result {
                    Ok(d) => info!(user = %a.username, journey = %a.campaign.journey_id,
                        expires_at = a.campaign.expires_at_s, decision = d.as_str(), attempts, "attribution"),
                    Err(e) => warn!(user = %a.username, journey = %a.campaign.journey_id,
                        attempts, error = %e, "attribution write failed"),
                }
                (i, result)
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
    writes.sort_by_key(|(i, _)| *i);
    for (_, w) in &writes {
        match w {
            Ok(d) => metrics.incr(d.as_str()),
            Err(_) => metrics.incr("failures"),
        }
    }
    Writes {
        results: writes.into_iter().map(|(_, r)| r).collect(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::memory::MemoryStore;
    use serde_json::json;

    fn config() -> TaggingConfig {
        TaggingConfig {
            username_attribute: "username".into(),
            usernames: Default::default(),
            windows: LookbackWindows::parse(Some("1d"), Some("app2=1h")).unwrap(),
            concurrency: 4,
            backoff: Backoff::immediate(3),
        }
    }

    fn user(name: &str) -> Value {
        json!({"ChannelType": "CUSTOM", "Address": "x", "User": {"UserId": name, "UserAttributes": {"username": [name]}}})
    }

    fn invocation(journey: &str, time: &str, endpoints: Value) -> Value {
        json!({"ApplicationId": "app", "JourneyId": journey, "ActivityId": "a1",
            "Data": "Spring", "ScheduledTime": time, "Endpoints": endpoints})
    }

    #[tokio::test]
    async fn every_endpoint_is_answered_and_each_user_written_once() {
        let store = MemoryStore::default();
        let mut m = Metrics::default();
        let ev = invocation(
            "j1",
            "2026-01-01T00:00:00Z",
            json!({"e1": user("alice"), "e2": {"ChannelType": "EMAIL"}, "e3": user("alice"), "e4": user("Zoë")}),
        );
        let r = handle(ev, &store, &config(), 0, &mut m).await.unwrap();
        assert_eq!(r["e1"]["EventAttributes"]["attribution"], "tagged");
        assert_eq!(r["e1"]["EventAttributes"]["campaign"], "Spring");
        assert_eq!(r["e2"]["EventAttributes"]["reason"], "no_user");
        assert_eq!(r["e3"]["EventAttributes"]["attribution"], "tagged");
        assert_eq!(r["e4"]["EventAttributes"]["attribution"], "tagged");
        assert_eq!(store.get("alice").unwrap().campaign.journey_id, "j1");
        assert_eq!(
            store.get("Zoë").unwrap().campaign.expires_at_s,
            1_767_225_600 + 86_400
        );
        assert_eq!(store.changes().len(), 2, "one write per user");
        assert_eq!(
            (m.get("tagged"), m.get("skipped.no_user"), m.get("written")),
            (3, 1, 2)
        );
    }

    #[tokio::test]
    async fn a_replayed_older_invocation_keeps_the_newer_attribution() {
        let store = MemoryStore::default();
        let mut m = Metrics::default();
        let newer = invocation("j2", "2026-01-02T00:00:00Z", json!({"e1": user("alice")}));
        let older = invocation("j1", "2026-01-01T00:00:00Z", json!({"e1": user("alice")}));
        handle(newer.clone(), &store, &config(), 0, &mut m)
            .await
            .unwrap();
        let r = handle(older, &store, &config(), 0, &mut m).await.unwrap();
        assert_eq!(r["e1"]["EventAttributes"]["reason"], "kept_newer");
        let r = handle(newer, &store, &config(), 0, &mut m).await.unwrap();
        assert_eq!(r["e1"]["EventAttributes"]["reason"], "unchanged");
        assert_eq!(store.get("alice").unwrap().campaign.journey_id, "j2");
    }

    #[tokio::test]
    async fn transient_failures_are_retried_and_persistent_ones_fail_after_the_rest() {
        let store = MemoryStore::default();
        let mut m = Metrics::default();
        store.fail_next_writes(2);
        let ev = invocation("j1", "2026-01-01T00:00:00Z", json!({"e1": user("a")}));
        let cfg = TaggingConfig {
            concurrency: 1,
            ..config()
        };
        handle(ev, &store, &cfg, 0, &mut m).await.unwrap();
        assert!(store.get("a").is_some());

        store.fail_next_writes(3);
        let ev = invocation(
            "j2",
            "2026-01-02T00:00:00Z",
            json!({"e1": user("a"), "e2": user("b")}),
        );
        let err = handle(ev, &store, &cfg, 0, &mut m).await.unwrap_err();
        let TaggingError::WritesFailed {
            failed,
            writes,
            response,
            ..
        } = err
        else {
            panic!("{err}")
        };
        assert_eq!((failed, writes), (1, 2));
        assert_eq!(response["e1"]["EventAttributes"]["attribution"], "failed");
        assert_eq!(response["e2"]["EventAttributes"]["attribution"], "tagged");
        assert_eq!(store.get("b").unwrap().campaign.journey_id, "j2");
        assert_eq!(m.get("failures"), 1);
    }

    #[tokio::test]
    async fn an_invalid_invocation_names_the_field() {
        let err = handle(
            json!({"ApplicationId": "a", "Endpoints": {}}),
            &MemoryStore::default(),
            &config(),
            0,
            &mut Metrics::default(),
        )
        .await
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid invocation: JourneyId: missing (neither JourneyId nor CampaignId is set)"
        );
    }
}

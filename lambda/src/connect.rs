//! `connect-tagging`: an Amazon Connect outbound campaign's custom action in, one
//! conditional write per user, Connect's per-profile response out.

use futures::StreamExt;
use journey_attribution_core::connect::{self, ConnectConfig};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;
use tracing::{debug, info, warn};

use crate::config::{self, ConfigError, Env};
use crate::metrics::Metrics;
use crate::pipeline::{WriteError, Writing, write_plan};
use journey_attribution_aws::ports::{AttributionStore, StoreError, TouchLedger};

#[derive(Debug, Clone)]
pub struct ConnectTaggingConfig {
    pub source: ConnectConfig,
    pub writing: Writing,
}

/// Processes every profile. `now_ms` is the receive time: the touch time of a first
/// delivery; a retried delivery gets the first one's time back from the `ledger`.
pub async fn handle<S, L>(
    event: Value,
    store: &S,
    ledger: &L,
    config: &ConnectTaggingConfig,
    now_ms: i64,
    metrics: &mut Metrics,
) -> Result<Value, WriteError>
where
    S: AttributionStore + Sync,
    L: TouchLedger + Sync,
{
    let invocation = connect::parse_invocation(event)?;
    let connect::ConnectPlan {
        mut plan,
        idempotency_keys,
    } = invocation.plan(&config.source, now_ms)?;
    let window = config
        .writing
        .windows
        .for_application(&config.source.application_id);
    let backoff = config.writing.backoff;

    // Pin each touch to its first delivery (several in flight, as the writes): the time to
    // write it with, the earliest any of its user's profiles recorded, so a retry that
    // groups the profiles otherwise still finds it. A touch whose ledger entries cannot be
    // read is not written (its time is unknown) and fails like a failed write.
    let log_key = &config.writing.log_key;
    let mut pins: Vec<(usize, Result<i64, StoreError>)> =
        futures::stream::iter(plan.touches.iter().zip(&idempotency_keys).enumerate())
            .map(|(i, (touch, keys))| async move {
                let expires_at_s = window.expires_at_s(touch.touched_at_ms);
                let mut first = Ok(touch.touched_at_ms);
                for key in keys {
                    let (seen, attempts) = backoff
                        .run(StoreError::is_transient, || {
                            ledger.first_seen(key, touch.touched_at_ms, expires_at_s)
                        })
                        .await;
                    match seen {
                        Err(e) => {
                            warn!(user_tag = %log_key.tag(&touch.username), key = %key, attempts, error = %e,
                                "touch ledger failed: touch not written");
                            first = Err(e);
                            break;
                        }
                        Ok(ms) => first = first.map(|f: i64| f.min(ms)),
                    }
                }
                if let Ok(first_ms) = first
                    && first_ms != touch.touched_at_ms
                {
                    debug!(user = %touch.username, "redelivered touch");
                    info!(user_tag = %log_key.tag(&touch.username), first_seen_ms = first_ms,
                        "redelivered touch keeps its first time");
                }
                (i, first)
            })
            .buffer_unordered(config.writing.concurrency.max(1))
            .collect()
            .await;
    pins.sort_by_key(|(i, _)| *i);
    let mut blocked = Vec::with_capacity(pins.len());
    for ((_, pin), touch) in pins.into_iter().zip(plan.touches.iter_mut()) {
        match pin {
            Ok(first_ms) => {
                if first_ms != touch.touched_at_ms {
                    metrics.incr("redelivered");
                    touch.touched_at_ms = first_ms;
                }
                blocked.push(None);
            }
            Err(e) => {
                metrics.incr("failures");
                blocked.push(Some(e));
            }
        }
    }
    let answered = write_plan(plan, blocked, store, &config.writing, metrics).await;
    let response = connect::response(answered.outcomes(), Some(invocation.label()));
    answered.into_result(response)
}

/// `connect-tagging`'s configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub table: String,
    pub ledger_table: String,
    pub handler: ConnectTaggingConfig,
}

impl Settings {
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let defaults = ConnectConfig::default();
        Ok(Self {
            table: env.required("ATTRIBUTION_TABLE")?,
            ledger_table: env.required("TOUCH_LEDGER_TABLE")?,
            handler: ConnectTaggingConfig {
                source: ConnectConfig {
                    username_field: env
                        .optional("CONNECT_USERNAME_FIELD")
                        .unwrap_or(defaults.username_field),
                    application_id: env
                        .optional("CONNECT_APPLICATION_ID")
                        .unwrap_or(defaults.application_id),
                    usernames: config::usernames(env)?,
                },
                writing: Writing::from_env(env)?,
            },
        })
    }
}

/// `connect-tagging`'s Lambda handler.
pub async fn lambda_handler<S: AttributionStore + Sync, L: TouchLedger + Sync>(
    event: LambdaEvent<Value>,
    store: &S,
    ledger: &L,
    config: &ConnectTaggingConfig,
) -> Result<Value, Diagnostic> {
    let now = journey_attribution_aws::now_ms();
    let mut metrics = Metrics::default();
    let result = handle(event.payload, store, ledger, config, now, &mut metrics).await;
    metrics.emit("connect-tagging", now);
    result.map_err(Diagnostic::from)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::vars as env;
    use crate::memory::{MemoryLedger, MemoryStore};
    use journey_attribution_aws::retry::Backoff;
    use journey_attribution_core::LookbackWindows;
    use serde_json::json;

    fn config() -> ConnectTaggingConfig {
        ConnectTaggingConfig {
            source: ConnectConfig::default(),
            writing: Writing {
                windows: LookbackWindows::parse(Some("1d"), Some("connect=2d")).unwrap(),
                concurrency: 4,
                backoff: Backoff::immediate(3),
                log_key: Default::default(),
            },
        }
    }

    fn profile(id: &str, user: &str, token: &str) -> Value {
        json!({"ProfileId": id, "IdempotencyToken": token,
            "CustomerData": json!({"attributes": {"username": user}}).to_string()})
    }

    fn invocation(campaign: &str, profiles: Value) -> Value {
        json!({"InvocationMetadata": {"CampaignContext": {"CampaignId": campaign, "RunId": "r1",
            "ActionId": "a1", "CampaignName": format!("{campaign} name")}},
            "Items": {"CustomerProfiles": profiles}})
    }

    #[tokio::test]
    async fn every_profile_is_answered_and_the_window_is_the_applications() {
        let (store, ledger, mut m) = (
            MemoryStore::default(),
            MemoryLedger::default(),
            Metrics::default(),
        );
        let ev = invocation(
            "c1",
            json!([profile("p1", "alice", "t1"), {"ProfileId": "p2", "CustomerData": "{}"}]),
        );
        let r = handle(ev, &store, &ledger, &config(), 1_000_000, &mut m)
            .await
            .unwrap();
        assert_eq!(
            r,
            json!({"Items": {"CustomerProfiles": [
                {"Id": "p1", "ResultData": {"attribution": "tagged", "reason": "written", "campaign": "c1 name"}},
                {"Id": "p2", "ResultData": {"attribution": "skipped", "reason": "CustomerData.attributes.username: missing"}},
            ]}})
        );
        let a = store.get("alice").unwrap();
        assert_eq!(
            (
                a.campaign.journey_id.as_str(),
                a.campaign.touched_at_ms,
                a.campaign.expires_at_s
            ),
            ("c1", 1_000_000, 1_000 + 2 * 86_400)
        );
        assert_eq!(ledger.len(), 1);
    }

    #[tokio::test]
    async fn a_retried_invocation_keeps_the_first_time_even_after_a_newer_touch() {
        let (store, ledger, mut m) = (
            MemoryStore::default(),
            MemoryLedger::default(),
            Metrics::default(),
        );
        let first = invocation("c1", json!([profile("p1", "alice", "t1")]));
        handle(first.clone(), &store, &ledger, &config(), 1_000, &mut m)
            .await
            .unwrap();
        let retry = handle(first.clone(), &store, &ledger, &config(), 5_000, &mut m)
            .await
            .unwrap();
        assert_eq!(
            retry["Items"]["CustomerProfiles"][0]["ResultData"]["reason"],
            "unchanged"
        );
        let newer = invocation("c2", json!([profile("p1", "alice", "t2")]));
        handle(newer, &store, &ledger, &config(), 3_000, &mut m)
            .await
            .unwrap();
        // Delivered again after the newer touch: still the time of its first delivery.
        let late = handle(first, &store, &ledger, &config(), 9_000, &mut m)
            .await
            .unwrap();
        assert_eq!(
            late["Items"]["CustomerProfiles"][0]["ResultData"]["reason"],
            "kept_newer"
        );
        assert_eq!(store.get("alice").unwrap().campaign.journey_id, "c2");
        assert_eq!((m.get("redelivered"), m.get("written")), (2, 2));
    }

    /// Connect retries with its own grouping: the user's profiles in another order, or one
    /// left out. Whichever profile comes first, the first delivery's time stands.
    #[tokio::test]
    async fn a_retry_grouping_a_users_profiles_otherwise_keeps_the_first_time() {
        for retried in [
            json!([profile("p2", "alice", "t2"), profile("p1", "alice", "t1")]),
            json!([profile("p2", "alice", "t2")]),
            json!([profile("p3", "bob", "t3"), profile("p2", "alice", "t2")]),
        ] {
            let (store, ledger, mut m) = (
                MemoryStore::default(),
                MemoryLedger::default(),
                Metrics::default(),
            );
            let first = invocation(
                "c1",
                json!([profile("p1", "alice", "t1"), profile("p2", "alice", "t2")]),
            );
            handle(first, &store, &ledger, &config(), 1_000, &mut m)
                .await
                .unwrap();
            let r = handle(
                invocation("c1", retried.clone()),
                &store,
                &ledger,
                &config(),
                5_000,
                &mut m,
            )
            .await
            .unwrap();
            let alice = r["Items"]["CustomerProfiles"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["Id"] == "p2")
                .unwrap();
            assert_eq!(alice["ResultData"]["reason"], "unchanged", "{retried}");
            assert_eq!(
                store.get("alice").unwrap().campaign.touched_at_ms,
                1_000,
                "{retried}"
            );
        }
    }

    #[tokio::test]
    async fn failed_writes_fail_the_invocation_after_answering_the_rest() {
        let (store, ledger, mut m) = (
            MemoryStore::default(),
            MemoryLedger::default(),
            Metrics::default(),
        );
        store.fail_next_writes(3);
        let mut cfg = config();
        cfg.writing.concurrency = 1;
        let ev = invocation(
            "c1",
            json!([profile("p1", "a", "t1"), profile("p2", "b", "t2")]),
        );
        let err = handle(ev, &store, &ledger, &cfg, 0, &mut m)
            .await
            .unwrap_err();
        let WriteError::WritesFailed {
            failed,
            writes,
            response,
            ..
        } = err
        else {
            panic!("{err}")
        };
        assert_eq!((failed, writes), (1, 2));
        assert_eq!(
            response["Items"]["CustomerProfiles"][0]["ResultData"]["attribution"],
            "failed"
        );
        assert_eq!(
            response["Items"]["CustomerProfiles"][1]["ResultData"]["attribution"],
            "tagged"
        );
    }

    #[tokio::test]
    async fn an_unusable_invocation_names_the_field() {
        let err = handle(
            json!({"Items": {"CustomerProfiles": []}}),
            &MemoryStore::default(),
            &MemoryLedger::default(),
            &config(),
            0,
            &mut Metrics::default(),
        )
        .await
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid invocation: (event): missing field `InvocationMetadata`"
        );
    }

    #[test]
    fn connect_settings_need_the_ledger_and_read_the_username_field() {
        let err = Settings::from_env(&env(&[("ATTRIBUTION_TABLE", "t")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable TOUCH_LEDGER_TABLE is required"
        );
        let s = Settings::from_env(&env(&[
            ("ATTRIBUTION_TABLE", "t"),
            ("TOUCH_LEDGER_TABLE", "l"),
            ("CONNECT_USERNAME_FIELD", "attributes.cognitoUsername"),
        ]))
        .unwrap();
        assert_eq!(
            (
                s.handler.source.username_field.as_str(),
                s.handler.source.application_id.as_str()
            ),
            ("attributes.cognitoUsername", "connect")
        );
    }
}

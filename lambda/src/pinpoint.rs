//! `tagging`, the Pinpoint touch source: a journey custom-channel invocation in, one conditional write per
//! user, Pinpoint's per-endpoint response out.

use journey_attribution_core::pinpoint;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;

use crate::config::{self, ConfigError, Env};
use crate::metrics::Metrics;
use crate::pipeline::{WriteError, Writing, write_plan};
use journey_attribution_aws::ports::AttributionStore;

/// What the handler needs besides the event, read once at start-up.
#[derive(Debug, Clone)]
pub struct PinpointTaggingConfig {
    pub username_attribute: String,
    /// How the pool compares usernames (`USERNAME_CASE_SENSITIVE`).
    pub usernames: journey_attribution_core::UsernameRule,
    pub writing: Writing,
}

/// Processes every endpoint. `now_ms` is the receive time (used when the invocation has
/// no `ScheduledTime`). Counters go to `metrics`, in the error case too.
pub async fn handle<S: AttributionStore + Sync>(
    event: Value,
    store: &S,
    config: &PinpointTaggingConfig,
    now_ms: i64,
    metrics: &mut Metrics,
) -> Result<Value, WriteError> {
    let event = pinpoint::parse_invocation(event)?;
    let plan = event.plan_with(&config.username_attribute, now_ms, config.usernames)?;
    let label = plan.touches.first().map(|t| t.label.clone());
    let answered = write_plan(plan, Vec::new(), store, &config.writing, metrics).await;
    let response = pinpoint::response(answered.outcomes(), label.as_deref());
    answered.into_result(response)
}

/// `tagging`'s configuration (DESIGN.md, "Public contracts").
#[derive(Debug, Clone)]
pub struct Settings {
    pub table: String,
    pub handler: PinpointTaggingConfig,
}

impl Settings {
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        Ok(Self {
            table: env.required("ATTRIBUTION_TABLE")?,
            handler: PinpointTaggingConfig {
                username_attribute: env
                    .optional("USERNAME_ATTRIBUTE")
                    .unwrap_or_else(|| "username".into()),
                usernames: config::usernames(env)?,
                writing: Writing::from_env(env)?,
            },
        })
    }
}

/// `tagging`'s Lambda handler: the event, the store, then metrics and the error mapping.
pub async fn lambda_handler<S: AttributionStore + Sync>(
    event: LambdaEvent<Value>,
    store: &S,
    config: &PinpointTaggingConfig,
) -> Result<Value, Diagnostic> {
    let now = journey_attribution_aws::now_ms();
    let mut metrics = Metrics::default();
    let result = handle(event.payload, store, config, now, &mut metrics).await;
    metrics.emit("tagging", now);
    result.map_err(Diagnostic::from)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::vars as env;
    use crate::memory::MemoryStore;
    use journey_attribution_aws::retry::Backoff;
    use journey_attribution_core::LookbackWindows;
    use serde_json::json;

    fn config() -> PinpointTaggingConfig {
        PinpointTaggingConfig {
            username_attribute: "username".into(),
            usernames: Default::default(),
            writing: Writing {
                windows: LookbackWindows::parse(Some("1d"), Some("app2=1h")).unwrap(),
                concurrency: 4,
                backoff: Backoff::immediate(3),
                log_key: Default::default(),
            },
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
        let mut cfg = config();
        cfg.writing.concurrency = 1;
        handle(ev, &store, &cfg, 0, &mut m).await.unwrap();
        assert!(store.get("a").is_some());

        store.fail_next_writes(3);
        let ev = invocation(
            "j2",
            "2026-01-02T00:00:00Z",
            json!({"e1": user("a"), "e2": user("b")}),
        );
        let err = handle(ev, &store, &cfg, 0, &mut m).await.unwrap_err();
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
        assert_eq!(response["e1"]["EventAttributes"]["attribution"], "failed");
        assert_eq!(response["e2"]["EventAttributes"]["attribution"], "tagged");
        assert_eq!(store.get("b").unwrap().campaign.journey_id, "j2");
        assert_eq!(m.get("failures"), 1);
    }

    /// Usernames are often e-mail addresses and the logs are kept for weeks: at `info` and
    /// above a write names its user by a keyed hash, the raw name only at `debug`.
    #[tokio::test]
    async fn logs_name_users_by_a_keyed_hash_above_debug() {
        let (name, other) = ("alice@example.com", "bob@example.com");
        let mut cfg = config();
        cfg.writing.concurrency = 1;
        cfg.writing.log_key = config::UserTag::new(b"k1");
        let tag = cfg.writing.log_key.tag(name);
        assert_ne!(tag, config::UserTag::new(b"k2").tag(name), "keyed");
        assert_ne!(tag, cfg.writing.log_key.tag(other));
        for (level, raw) in [("info", false), ("debug", true)] {
            let (logs, _guard) = crate::test_logs::capture(level);
            let store = MemoryStore::default();
            store.fail_next_writes(3);
            let ev = invocation(
                "j1",
                "2026-01-01T00:00:00Z",
                json!({"e1": user(other), "e2": user(name)}),
            );
            // bob's write fails (a warning), alice's goes through.
            assert!(
                handle(ev, &store, &cfg, 0, &mut Metrics::default())
                    .await
                    .is_err()
            );
            let text = logs.text();
            assert!(text.contains("attribution write failed"), "{text}");
            assert!(text.contains(&tag), "{text}");
            for user in [name, other, "alice", "bob"] {
                assert_eq!(text.contains(user), raw, "{level}: {user} in {text}");
            }
        }
        let s = Settings::from_env(&env(&[("ATTRIBUTION_TABLE", "t"), ("LOG_USER_KEY", "k1")]))
            .unwrap();
        assert_eq!(s.handler.writing.log_key.tag(name), tag);
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

    #[test]
    fn tagging_settings_have_defaults_and_fail_fast() {
        let err = Settings::from_env(&env(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable ATTRIBUTION_TABLE is required"
        );
        let s = Settings::from_env(&env(&[("ATTRIBUTION_TABLE", "t")])).unwrap();
        assert_eq!(s.handler.username_attribute, "username");
        let err = Settings::from_env(&env(&[
            ("ATTRIBUTION_TABLE", "t"),
            ("LOOKBACK_WINDOW", "3w"),
        ]))
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("environment variable LOOKBACK_WINDOW"),
            "{err}"
        );
    }
}

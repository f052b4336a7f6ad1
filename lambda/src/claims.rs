//! `claims`: Cognito's pre-token-generation trigger (the token projection).
//!
//! One `GetItem` per sign-in or refresh, no Cognito call at all. A sign-in never fails
//! because of attribution: whatever goes wrong (an unreadable event, a store error, the
//! time budget spent, a malformed item), the event goes back unchanged, with a warning that
//! names the user and the reason, and a counter.

use std::time::Duration;

use journey_attribution_core::claims::{self, ClaimDecision};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;
use tracing::{info, warn};

use crate::config::{self, ConfigError, Env};
use crate::metrics::Metrics;
use journey_attribution_aws::SdkLimits;
use journey_attribution_aws::ports::{AttributionReader, StoreError};

#[derive(Debug, Clone)]
pub struct ClaimsConfig {
    /// The ID-token claim (`CAMPAIGN_ATTRIBUTE`, default `custom:campaign`).
    pub claim: String,
    /// The event's `userName` in its canonical form is the table's key.
    pub usernames: journey_attribution_core::UsernameRule,
    /// The whole read, SDK retries included: Cognito gives a trigger 5 seconds, and the
    /// user is waiting for the sign-in.
    pub budget: Duration,
}

/// Why the event went back unchanged (metric `unchanged.<reason>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unchanged {
    MalformedEvent,
    Timeout,
    StoreTransient,
    StorePermanent,
    UnencodableItem,
}

impl Unchanged {
    fn as_str(self) -> &'static str {
        match self {
            Self::MalformedEvent => "malformed_event",
            Self::Timeout => "timeout",
            Self::StoreTransient => "store_transient",
            Self::StorePermanent => "store_permanent",
            Self::UnencodableItem => "unencodable_item",
        }
    }
}

/// Answers one pre-token-generation event. Infallible by design.
pub async fn handle<S: AttributionReader + Sync>(
    mut event: Value,
    store: &S,
    config: &ClaimsConfig,
    now_ms: i64,
    metrics: &mut Metrics,
) -> Value {
    let request = match claims::parse_request(&event) {
        Ok(r) => r,
        Err(e) => {
            warn!(error = %e, reason = Unchanged::MalformedEvent.as_str(), "pre-token-generation event answered unchanged");
            count_unchanged(metrics, Unchanged::MalformedEvent);
            return event;
        }
    };
    let Some(key) = config.usernames.canonical(&request.username) else {
        warn!(
            reason = Unchanged::MalformedEvent.as_str(),
            "userName is blank: answered unchanged"
        );
        count_unchanged(metrics, Unchanged::MalformedEvent);
        return event;
    };
    let user = key.as_str();
    let stored = match tokio::time::timeout(config.budget, store.get(user)).await {
        Ok(Ok(stored)) => stored,
        Ok(Err(e)) => {
            let reason = match e {
                StoreError::Transient(_) => Unchanged::StoreTransient,
                StoreError::Permanent(_) => Unchanged::StorePermanent,
            };
            warn!(user, error = %e, reason = reason.as_str(), "claim left unchanged");
            count_unchanged(metrics, reason);
            return event;
        }
        Err(_) => {
            warn!(
                user,
                budget_ms = config.budget.as_millis() as u64,
                reason = Unchanged::Timeout.as_str(),
                "claim left unchanged"
            );
            count_unchanged(metrics, Unchanged::Timeout);
            return event;
        }
    };
    let decision = match claims::decide(stored.as_ref().map(|a| &a.campaign), now_ms) {
        Ok(d) => d,
        Err(e) => {
            warn!(user, error = %e, reason = Unchanged::UnencodableItem.as_str(), "claim left unchanged");
            count_unchanged(metrics, Unchanged::UnencodableItem);
            return event;
        }
    };
    match &decision {
        ClaimDecision::Set(_) => {
            metrics.incr("claim_set");
            info!(user, trigger = %request.trigger_source, "claim set");
        }
        ClaimDecision::Suppress(reason) => {
            metrics.incr(format!("claim_suppressed.{}", reason.as_str()));
            info!(user, trigger = %request.trigger_source, reason = reason.as_str(), "claim suppressed");
        }
    }
    claims::respond(&mut event, request.version, &config.claim, &decision);
    event
}

fn count_unchanged(metrics: &mut Metrics, reason: Unchanged) {
    metrics.incr("unchanged");
    metrics.incr(format!("unchanged.{}", reason.as_str()));
}

/// `claims`' configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub table: String,
    pub handler: ClaimsConfig,
    /// The SDK's limits, inside `handler.budget`.
    pub sdk: SdkLimits,
}

/// The whole of `claims`' read by default: a tenth of Cognito's 5-second trigger limit, so
/// a slow table costs a user half a second of sign-in at worst.
pub const CLAIMS_BUDGET: Duration = Duration::from_millis(500);

/// `CLAIMS_BUDGET_MS`' bounds: below 100 ms a healthy `GetItem` from a cold start misses
/// it; above 2.5 s the function's own 3 s timeout (template.yaml) is at risk, and past
/// Cognito's 5 s the sign-in fails.
const CLAIMS_BUDGET_MS: std::ops::RangeInclusive<u64> = 100..=2500;

impl Settings {
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let budget = match env.optional("CLAIMS_BUDGET_MS") {
            None => CLAIMS_BUDGET,
            Some(raw) => raw
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| CLAIMS_BUDGET_MS.contains(ms))
                .map(Duration::from_millis)
                .ok_or_else(|| ConfigError::Invalid {
                    name: "CLAIMS_BUDGET_MS",
                    reason: format!(
                        "{raw:?} is not a whole number of milliseconds from {} to {}",
                        CLAIMS_BUDGET_MS.start(),
                        CLAIMS_BUDGET_MS.end()
                    ),
                })?,
        };
        Ok(Self {
            table: env.required("ATTRIBUTION_TABLE")?,
            handler: ClaimsConfig {
                claim: config::campaign_attribute(env),
                usernames: config::usernames(env)?,
                budget,
            },
            sdk: SdkLimits::within(budget),
        })
    }
}

/// `claims`' Lambda handler: never an error (a sign-in must not fail because of us).
pub async fn lambda_handler<S: AttributionReader + Sync>(
    event: LambdaEvent<Value>,
    store: &S,
    config: &ClaimsConfig,
) -> Result<Value, Diagnostic> {
    let now = journey_attribution_aws::now_ms();
    let mut metrics = Metrics::default();
    let response = handle(event.payload, store, config, now, &mut metrics).await;
    metrics.emit("claims", now);
    Ok(response)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::vars as env;
    use crate::memory::MemoryStore;
    use journey_attribution_aws::ports::AttributionStore;
    use journey_attribution_core::token::Token;
    use journey_attribution_core::{Attribution, Campaign};
    use serde_json::json;

    const DAY_MS: i64 = 86_400_000;

    fn config() -> ClaimsConfig {
        ClaimsConfig {
            claim: "custom:campaign".into(),
            usernames: Default::default(),
            budget: Duration::from_millis(500),
        }
    }

    fn attribution(user: &str, expires_at_s: i64) -> Attribution {
        Attribution {
            username: user.into(),
            campaign: Campaign {
                application_id: "app".into(),
                journey_id: "j-1".into(),
                label: "Spring sale".into(),
                touched_at_ms: 1_000,
                expires_at_s,
            },
        }
    }

    fn v1(user: &str) -> Value {
        json!({"version": "1", "triggerSource": "TokenGeneration_Authentication",
            "userName": user, "response": {"claimsOverrideDetails": null}})
    }

    /// A store that never answers, or always fails.
    struct Broken(Option<StoreError>);

    impl AttributionReader for Broken {
        async fn get(&self, _: &str) -> Result<Option<Attribution>, StoreError> {
            match &self.0 {
                Some(e) => Err(e.clone()),
                None => std::future::pending().await,
            }
        }
    }

    #[tokio::test]
    async fn live_expired_and_missing() {
        let store = MemoryStore::default();
        let a = attribution("alice", 10 * DAY_MS / 1000);
        store.put_if_newer(&a).await.unwrap();
        let mut m = Metrics::default();
        let out = handle(v1("alice"), &store, &config(), DAY_MS, &mut m).await;
        assert_eq!(
            out["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]["custom:campaign"],
            Token::V1(a.campaign.clone()).encode().unwrap()
        );
        let out = handle(v1("alice"), &store, &config(), 10 * DAY_MS, &mut m).await;
        assert_eq!(
            out["response"]["claimsOverrideDetails"]["claimsToSuppress"],
            json!(["custom:campaign"])
        );
        let out = handle(v1("bob"), &store, &config(), 0, &mut m).await;
        assert_eq!(
            out["response"]["claimsOverrideDetails"]["claimsToSuppress"],
            json!(["custom:campaign"])
        );
        assert_eq!(
            (
                m.get("claim_set"),
                m.get("claim_suppressed.expired"),
                m.get("claim_suppressed.no_attribution")
            ),
            (1, 1, 1)
        );
    }

    #[tokio::test]
    async fn the_user_name_is_looked_up_in_its_canonical_form() {
        let store = MemoryStore::default();
        store
            .put_if_newer(&attribution("alice", 10 * DAY_MS / 1000))
            .await
            .unwrap();
        let insensitive = ClaimsConfig {
            usernames: journey_attribution_core::UsernameRule::CASE_INSENSITIVE,
            ..config()
        };
        let mut m = Metrics::default();
        let out = handle(v1("Alice"), &store, &insensitive, DAY_MS, &mut m).await;
        assert!(
            out["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]["custom:campaign"]
                .is_string(),
            "{out}"
        );
        // A case-sensitive pool: "Alice" is another user, with no attribution.
        let out = handle(v1("Alice"), &store, &config(), DAY_MS, &mut m).await;
        assert_eq!(
            out["response"]["claimsOverrideDetails"]["claimsToSuppress"],
            json!(["custom:campaign"])
        );
    }

    #[tokio::test(start_paused = true)]
    async fn failures_answer_the_event_unchanged() {
        let mut m = Metrics::default();
        let cases = [
            (Broken(None), "unchanged.timeout"),
            (
                Broken(Some(StoreError::Transient("throttled".into()))),
                "unchanged.store_transient",
            ),
            (
                Broken(Some(StoreError::Permanent("stored item: bad".into()))),
                "unchanged.store_permanent",
            ),
        ];
        for (store, metric) in cases {
            let out = handle(v1("alice"), &store, &config(), 0, &mut m).await;
            assert_eq!(out, v1("alice"), "{metric}");
            assert_eq!(m.get(metric), 1, "{metric}");
        }
        let bad = json!({"triggerSource": "TokenGeneration_Authentication"});
        let out = handle(bad.clone(), &MemoryStore::default(), &config(), 0, &mut m).await;
        assert_eq!(out, bad);
        assert_eq!(m.get("unchanged.malformed_event"), 1);
        assert_eq!(m.get("unchanged"), 4);
    }

    #[tokio::test]
    async fn an_unencodable_item_leaves_the_claim_alone() {
        let store = MemoryStore::default();
        let mut a = attribution("alice", i64::MAX / 1000);
        a.campaign.label = "x".repeat(3000);
        store.put_if_newer(&a).await.unwrap();
        let mut m = Metrics::default();
        let out = handle(v1("alice"), &store, &config(), 0, &mut m).await;
        assert_eq!(out, v1("alice"));
        assert_eq!(m.get("unchanged.unencodable_item"), 1);
    }

    #[test]
    fn claims_settings_need_the_table_and_read_the_claim() {
        let err = Settings::from_env(&env(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable ATTRIBUTION_TABLE is required"
        );
        let s = Settings::from_env(&env(&[("ATTRIBUTION_TABLE", "t")])).unwrap();
        assert_eq!(
            (s.table.as_str(), s.handler.claim.as_str()),
            ("t", "custom:campaign")
        );
        let s = Settings::from_env(&env(&[
            ("ATTRIBUTION_TABLE", "t"),
            ("CAMPAIGN_ATTRIBUTE", "custom:journey"),
        ]))
        .unwrap();
        assert_eq!(s.handler.claim, "custom:journey");
        assert_eq!(s.handler.budget, CLAIMS_BUDGET);
        let ms = |d: Duration| d.as_millis();
        assert_eq!(
            (ms(s.sdk.connect), ms(s.sdk.attempt), ms(s.sdk.operation)),
            (150, 200, 450)
        );
    }

    #[test]
    fn claims_budget_is_read_and_bounded() {
        let with = |v: &str| {
            Settings::from_env(&env(&[("ATTRIBUTION_TABLE", "t"), ("CLAIMS_BUDGET_MS", v)]))
        };
        let s = with("2000").unwrap();
        assert_eq!(s.handler.budget, Duration::from_millis(2000));
        assert!(s.sdk.operation < s.handler.budget);
        assert_eq!(s.sdk.operation, Duration::from_millis(1800));
        for bad in ["50", "2501", "1.5", "-1", "soon"] {
            assert_eq!(
                with(bad).unwrap_err().to_string(),
                format!(
                    "environment variable CLAIMS_BUDGET_MS: \"{bad}\" is not a whole number of milliseconds from 100 to 2500"
                )
            );
        }
    }
}

//! `claims`: Cognito's pre-token-generation trigger (the token projection).
//!
//! One `GetItem` per sign-in or refresh, no Cognito call at all. A sign-in never fails
//! because of attribution, and a failure never lets the pool's own `custom:campaign` (a stale
//! `sync` value, a seed-era value without an expiry, one a user wrote) into the token:
//! whatever goes wrong (a store error, the time budget spent, a malformed item, an
//! unreadable user), the claim is suppressed — which needs no read and cannot fail — with a
//! warning naming the reason and a counter. Only an event whose response shape cannot be
//! told goes back unchanged: there is nowhere to write a suppression.

use std::time::Duration;

use journey_attribution_core::claims::{self, ClaimDecision, SuppressReason};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;
use tracing::{debug, info, warn};

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
    /// Keys the user's hash in `info` logs (see `config::UserTag`).
    pub log_key: config::UserTag,
}

/// Why the claim could not be decided from the table (metric `failed.<reason>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    MalformedEvent,
    Timeout,
    StoreTransient,
    StorePermanent,
    UnencodableItem,
}

impl Failure {
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
            count_failure(metrics, Failure::MalformedEvent);
            match claims::event_version(&event) {
                Ok(version) => {
                    warn!(error = %e, reason = Failure::MalformedEvent.as_str(), "unreadable pre-token-generation event: claim suppressed");
                    suppress(&mut event, version, config);
                }
                Err(_) => {
                    warn!(error = %e, reason = Failure::MalformedEvent.as_str(), "pre-token-generation event of no known shape: answered unchanged");
                }
            }
            return event;
        }
    };
    let Some(key) = config.usernames.canonical(&request.username) else {
        warn!(
            reason = Failure::MalformedEvent.as_str(),
            "userName is blank: claim suppressed"
        );
        count_failure(metrics, Failure::MalformedEvent);
        suppress(&mut event, request.version, config);
        return event;
    };
    let user = key.as_str();
    let tag = config.log_key.tag(user);
    debug!(user, user_tag = %tag, "claims for user");
    let failure = match tokio::time::timeout(config.budget, store.get(user)).await {
        Ok(Ok(stored)) => match claims::decide(stored.as_ref().map(|a| &a.campaign), now_ms) {
            Ok(decision) => {
                match &decision {
                    ClaimDecision::Set(_) => {
                        metrics.incr("claim_set");
                        info!(user_tag = %tag, trigger = %request.trigger_source, "claim set");
                    }
                    ClaimDecision::Suppress(reason) => {
                        metrics.incr(format!("claim_suppressed.{}", reason.as_str()));
                        info!(user_tag = %tag, trigger = %request.trigger_source, reason = reason.as_str(), "claim suppressed");
                    }
                }
                claims::respond(&mut event, request.version, &config.claim, &decision);
                return event;
            }
            Err(e) => {
                warn!(user_tag = %tag, error = %e, reason = Failure::UnencodableItem.as_str(), "claim suppressed");
                Failure::UnencodableItem
            }
        },
        Ok(Err(e)) => {
            let reason = match e {
                StoreError::Transient(_) => Failure::StoreTransient,
                StoreError::Permanent(_) => Failure::StorePermanent,
            };
            warn!(user_tag = %tag, error = %e, reason = reason.as_str(), "claim suppressed");
            reason
        }
        Err(_) => {
            warn!(
                user_tag = %tag,
                budget_ms = config.budget.as_millis() as u64,
                reason = Failure::Timeout.as_str(),
                "claim suppressed"
            );
            Failure::Timeout
        }
    };
    count_failure(metrics, failure);
    suppress(&mut event, request.version, config);
    event
}

fn suppress(event: &mut Value, version: claims::EventVersion, config: &ClaimsConfig) {
    let decision = ClaimDecision::Suppress(SuppressReason::Failed);
    claims::respond(event, version, &config.claim, &decision);
}

fn count_failure(metrics: &mut Metrics, reason: Failure) {
    metrics.incr("failed");
    metrics.incr(format!("failed.{}", reason.as_str()));
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
                log_key: config::UserTag::from_env(env),
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
            log_key: Default::default(),
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

    fn suppressed(event: &Value) -> bool {
        event["response"]["claimsOverrideDetails"]
            == json!({"claimsToSuppress": ["custom:campaign"]})
    }

    /// Whatever fails, the sign-in goes on without the claim: the pool's own value of the
    /// attribute (stale, legacy, or written by a user) must not reach the token instead.
    #[tokio::test(start_paused = true)]
    async fn failures_suppress_the_claim() {
        let mut m = Metrics::default();
        let cases = [
            (Broken(None), "failed.timeout"),
            (
                Broken(Some(StoreError::Transient("throttled".into()))),
                "failed.store_transient",
            ),
            (
                Broken(Some(StoreError::Permanent("stored item: bad".into()))),
                "failed.store_permanent",
            ),
        ];
        for (store, metric) in cases {
            let out = handle(v1("alice"), &store, &config(), 0, &mut m).await;
            assert!(suppressed(&out), "{metric}: {out}");
            assert_eq!(out["userName"], "alice", "the rest of the event is kept");
            assert_eq!(m.get(metric), 1, "{metric}");
        }
        // A blank user: still a known shape, so still suppressed.
        let out = handle(v1(" "), &MemoryStore::default(), &config(), 0, &mut m).await;
        assert!(suppressed(&out), "{out}");
        let no_user = json!({"version": "1", "response": {"claimsOverrideDetails": null}});
        let out = handle(no_user, &MemoryStore::default(), &config(), 0, &mut m).await;
        assert!(suppressed(&out), "{out}");
        assert_eq!(m.get("failed.malformed_event"), 2);
        // No response shape at all: nowhere to write a suppression.
        let bad = json!({"triggerSource": "TokenGeneration_Authentication"});
        let out = handle(bad.clone(), &MemoryStore::default(), &config(), 0, &mut m).await;
        assert_eq!(out, bad);
        assert_eq!(m.get("failed.malformed_event"), 3);
        assert_eq!(m.get("failed"), 6);
    }

    #[tokio::test]
    async fn an_unencodable_item_suppresses_the_claim() {
        let store = MemoryStore::default();
        let mut a = attribution("alice", i64::MAX / 1000);
        a.campaign.label = "x".repeat(3000);
        store.put_if_newer(&a).await.unwrap();
        let mut m = Metrics::default();
        let mut event = v1("alice");
        event["response"]["claimsOverrideDetails"] =
            json!({"claimsToAddOrOverride": {"custom:campaign": "ja1|x|y|1|9999999999|Forged"}});
        let out = handle(event, &store, &config(), 0, &mut m).await;
        let details = &out["response"]["claimsOverrideDetails"];
        assert_eq!(
            details["claimsToSuppress"],
            json!(["custom:campaign"]),
            "{out}"
        );
        assert_eq!(details["claimsToAddOrOverride"], json!({}), "{out}");
        assert_eq!(m.get("failed.unencodable_item"), 1);
    }

    /// At `info` a sign-in names its user by a keyed hash only; the raw name is at `debug`.
    #[tokio::test(start_paused = true)]
    async fn info_logs_carry_no_username() {
        let store = MemoryStore::default();
        let user = "alice@example.com";
        store
            .put_if_newer(&attribution(user, 10 * DAY_MS / 1000))
            .await
            .unwrap();
        let keyed = ClaimsConfig {
            log_key: config::UserTag::new(b"stack-key"),
            ..config()
        };
        let tag = keyed.log_key.tag(user);
        for (level, raw) in [("info", false), ("debug", true)] {
            let (logs, _guard) = crate::test_logs::capture(level);
            let mut m = Metrics::default();
            handle(v1(user), &store, &keyed, DAY_MS, &mut m).await;
            handle(v1(user), &Broken(None), &keyed, DAY_MS, &mut m).await;
            let text = logs.text();
            assert!(text.contains("claim set") && text.contains(&tag), "{text}");
            assert_eq!(text.contains(user), raw, "{level}: {text}");
        }
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

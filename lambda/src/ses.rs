//! `ses-tagging`: SES Open / Click events (EventBridge or SNS) in, one conditional write per
//! touch. The touch time is the open / click time, so a redelivered event is a replay.

use journey_attribution_core::ses::{self, SesConfig};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;

use crate::config::{self, ConfigError, Env};
use crate::metrics::Metrics;
use crate::pipeline::{WriteError, Writing, write_plan};
use journey_attribution_aws::ports::AttributionStore;

#[derive(Debug, Clone)]
pub struct SesTaggingConfig {
    pub source: SesConfig,
    pub writing: Writing,
}

/// Processes every SES event of the delivery. Returns a summary (EventBridge and SNS ignore
/// it; it is for logs and tests); fails when a write failed, so Lambda's asynchronous
/// retry redelivers the (idempotent) batch.
pub async fn handle<S: AttributionStore + Sync>(
    event: Value,
    store: &S,
    config: &SesTaggingConfig,
    metrics: &mut Metrics,
) -> Result<Value, WriteError> {
    let plan = ses::plan(event, &config.source)?;
    let answered = write_plan(plan, Vec::new(), store, &config.writing, metrics).await;
    let response = ses::response(answered.answers.iter().map(|a| {
        let user = a.touch.map(|i| answered.touches[i].username.as_str());
        (a.id.as_str(), &a.outcome, user)
    }));
    answered.into_result(response)
}

/// `ses-tagging`'s configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub table: String,
    pub handler: SesTaggingConfig,
}

impl Settings {
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Self, ConfigError> {
        let d = SesConfig::default();
        let (mut opens, mut clicks) = (d.opens, d.clicks);
        if let Some(list) = env.optional("SES_EVENTS") {
            (opens, clicks) = (false, false);
            for kind in list.split(',').map(|k| k.trim().to_ascii_lowercase()) {
                match kind.as_str() {
                    "open" => opens = true,
                    "click" => clicks = true,
                    _ => {
                        return Err(ConfigError::Invalid {
                            name: "SES_EVENTS",
                            reason: format!(
                                "unknown event {kind:?}: expected a comma-separated list of open, click"
                            ),
                        });
                    }
                }
            }
        }
        Ok(Self {
            table: env.required("ATTRIBUTION_TABLE")?,
            handler: SesTaggingConfig {
                source: SesConfig {
                    journey_tag: env.optional("SES_JOURNEY_TAG").unwrap_or(d.journey_tag),
                    label_tag: env.optional("SES_LABEL_TAG").unwrap_or(d.label_tag),
                    user_tag: env.optional("SES_USER_TAG").unwrap_or(d.user_tag),
                    user_from_destination: config::flag(
                        env,
                        "SES_USER_FROM_DESTINATION",
                        d.user_from_destination,
                    )?,
                    opens,
                    clicks,
                    usernames: config::usernames(env)?,
                },
                writing: Writing::from_env(env)?,
            },
        })
    }
}

/// `ses-tagging`'s Lambda handler.
pub async fn lambda_handler<S: AttributionStore + Sync>(
    event: LambdaEvent<Value>,
    store: &S,
    config: &SesTaggingConfig,
) -> Result<Value, Diagnostic> {
    let mut metrics = Metrics::default();
    let result = handle(event.payload, store, config, &mut metrics).await;
    metrics.emit("ses-tagging", journey_attribution_aws::now_ms());
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

    fn config() -> SesTaggingConfig {
        SesTaggingConfig {
            source: SesConfig {
                opens: true,
                ..SesConfig::default()
            },
            writing: Writing {
                windows: LookbackWindows::parse(Some("1d"), None).unwrap(),
                concurrency: 4,
                backoff: Backoff::immediate(3),
                log_key: Default::default(),
            },
        }
    }

    fn ses_event(kind: &str, time: &str, tags: Value) -> Value {
        let mut record = json!({"eventType": kind,
            "mail": {"timestamp": "2026-11-01T09:00:00.000Z", "messageId": format!("m-{time}"),
                "source": "news@example.com", "destination": ["alice@example.com"], "tags": tags}});
        let detail = if kind == "Click" { "click" } else { "open" };
        record[detail] = json!({"timestamp": time, "ipAddress": "192.0.2.1", "userAgent": "UA"});
        json!({"version": "0", "id": format!("eb-{time}"), "detail-type": format!("Email {kind}ed"),
            "source": "aws.ses", "time": time, "detail": record})
    }

    fn tags(user: &str) -> Value {
        json!({"journey_id": ["j1"], "campaign": ["spring-sale"], "username": [user],
            "ses:configuration-set": ["news"]})
    }

    #[tokio::test]
    async fn an_open_tags_the_user_from_the_open_time_and_a_replay_changes_nothing() {
        let store = MemoryStore::default();
        let mut m = Metrics::default();
        let ev = ses_event("Open", "2026-11-02T10:00:00.000Z", tags("alice"));
        let r = handle(ev.clone(), &store, &config(), &mut m).await.unwrap();
        assert_eq!(r["events"][0]["reason"], "written");
        let a = store.get("alice").unwrap();
        assert_eq!(
            (
                a.campaign.journey_id.as_str(),
                a.campaign.label.as_str(),
                a.campaign.application_id.as_str()
            ),
            ("j1", "spring-sale", "news")
        );
        assert_eq!(a.campaign.touched_at_ms, 1_793_613_600_000);
        let r = handle(ev, &store, &config(), &mut m).await.unwrap();
        assert_eq!(r["events"][0]["reason"], "unchanged");
    }

    #[tokio::test]
    async fn a_click_without_a_journey_tag_is_skipped_not_failed() {
        let store = MemoryStore::default();
        let mut m = Metrics::default();
        let ev = ses_event(
            "Click",
            "2026-11-02T10:00:00.000Z",
            json!({"username": ["alice"]}),
        );
        let r = handle(ev, &store, &config(), &mut m).await.unwrap();
        assert_eq!(r["events"][0]["attribution"], "skipped");
        assert_eq!(r["events"][0]["reason"], "no_journey_tag");
        assert!(store.get("alice").is_none());
        assert_eq!(m.get("skipped.no_journey_tag"), 1);
    }

    #[tokio::test]
    async fn a_failed_write_fails_the_delivery_so_lambda_retries_it() {
        let store = MemoryStore::default();
        store.fail_next_writes(3);
        let ev = ses_event("Open", "2026-11-02T10:00:00.000Z", tags("alice"));
        let err = handle(ev, &store, &config(), &mut Metrics::default())
            .await
            .unwrap_err();
        assert!(
            matches!(err, WriteError::WritesFailed { failed: 1, .. }),
            "{err}"
        );
    }

    #[test]
    fn ses_settings_choose_the_events_and_tags() {
        // Clicks only by default: proxies such as Apple Mail Privacy Protection fetch every
        // image on delivery, so an open says little; opens are an explicit opt-in.
        let s = Settings::from_env(&env(&[("ATTRIBUTION_TABLE", "t")])).unwrap();
        assert!(!s.handler.source.opens && s.handler.source.clicks);
        let s = Settings::from_env(&env(&[
            ("ATTRIBUTION_TABLE", "t"),
            ("SES_EVENTS", "open,click"),
        ]))
        .unwrap();
        assert!(s.handler.source.opens && s.handler.source.clicks);
        let s = Settings::from_env(&env(&[
            ("ATTRIBUTION_TABLE", "t"),
            ("SES_EVENTS", "click"),
            ("SES_USER_FROM_DESTINATION", "true"),
            ("SES_JOURNEY_TAG", "jid"),
        ]))
        .unwrap();
        let src = &s.handler.source;
        assert_eq!(
            (
                src.opens,
                src.clicks,
                src.user_from_destination,
                src.journey_tag.as_str()
            ),
            (false, true, true, "jid")
        );
        let err = Settings::from_env(&env(&[
            ("ATTRIBUTION_TABLE", "t"),
            ("SES_EVENTS", "open,bounce"),
        ]))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable SES_EVENTS: unknown event \"bounce\": expected a comma-separated list of open, click"
        );
    }
}

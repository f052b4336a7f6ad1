//! The demo's world: the real `tagging` and `sync` handlers over the in-memory table and
//! user pool, a clock the page can advance, and the events the app recorded.

use journey_attribution_core::LookbackWindows;
use journey_attribution_core::report::{Aggregator, Cost, Report, ReportError, ReportOptions};
use journey_attribution_core::rfc3339;
use journey_attribution_lambda::memory::{MemoryStore, MemoryUserPool};
use journey_attribution_lambda::metrics::Metrics;
use journey_attribution_lambda::retry::Backoff;
use journey_attribution_lambda::sync::{self, SyncConfig};
use journey_attribution_lambda::tagging::{self, TaggingConfig};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const USERS: [&str; 3] = ["alice", "björn", "chen"];
pub const CAMPAIGN_ATTRIBUTE: &str = "custom:campaign";
/// The demo's `LOOKBACK_WINDOW` and `LOOKBACK_WINDOWS`, as an operator would set them.
pub const LOOKBACK_WINDOW: &str = "30d";
pub const LOOKBACK_WINDOWS: &str = "demo-newsletter=2d,demo-flash-sale=15m";
/// 2026-05-01T09:00:00Z: a fixed start so every run of the demo reads the same.
const START_MS: i64 = 1_777_626_000_000;

#[derive(Debug)]
pub struct World {
    pub now_ms: i64,
    store: MemoryStore,
    pool: MemoryUserPool,
    tagging: TaggingConfig,
    sync: SyncConfig,
    /// Recorded events, as Pinpoint's event stream (Firehose) writes them: one JSON a line.
    events: Vec<String>,
    invocations: u64,
}

#[derive(Debug, Deserialize)]
pub struct JourneyRequest {
    pub usernames: Vec<String>,
    pub application_id: String,
    pub journey_id: String,
    pub label: String,
}

/// What one step did, shown by the page: the payloads in and out of each function.
#[derive(Debug, Serialize)]
pub struct Step {
    pub invocation: Option<Value>,
    pub tagging_response: Option<Value>,
    pub tagging_error: Option<String>,
    pub stream_event: Value,
    pub sync_response: Value,
}

#[derive(Debug, Deserialize)]
pub struct RecordRequest {
    pub username: String,
    /// The event exactly as the app's `record` received it (stamped or not).
    pub event: Value,
}

#[derive(Debug, Deserialize)]
pub struct ReportRequest {
    #[serde(default)]
    pub options: ReportOptions,
    #[serde(default)]
    pub costs: Vec<Cost>,
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    pub fn new() -> Self {
        let windows = LookbackWindows::parse(Some(LOOKBACK_WINDOW), Some(LOOKBACK_WINDOWS))
            .expect("the demo's windows are valid");
        Self {
            now_ms: START_MS,
            store: MemoryStore::default(),
            pool: MemoryUserPool::with_users(USERS),
            tagging: TaggingConfig {
                username_attribute: "username".into(),
                windows,
                concurrency: 10,
                backoff: Backoff::immediate(3),
            },
            sync: SyncConfig {
                campaign_attribute: CAMPAIGN_ATTRIBUTE.into(),
                backoff: Backoff::immediate(3),
            },
            events: Vec::new(),
            invocations: 0,
        }
    }

    /// Pinpoint's custom-channel invocation for these users, as a journey would send it.
    pub fn invocation(&mut self, req: &JourneyRequest) -> Value {
        self.invocations += 1;
        let endpoints: serde_json::Map<String, Value> = req
            .usernames
            .iter()
            .map(|u| {
                let id = format!(
                    "ep-{}-email",
                    u.chars()
                        .filter(char::is_ascii_alphanumeric)
                        .collect::<String>()
                );
                let endpoint = json!({
                    "ChannelType": "EMAIL",
                    "Address": format!("{u}@example.com"),
                    "EndpointStatus": "ACTIVE",
                    "OptOut": "NONE",
                    "RequestId": format!("demo-request-{}", self.invocations),
                    "User": {"UserId": u, "UserAttributes": {"username": [u]}},
                });
                (id, endpoint)
            })
            .collect();
        json!({
            "Message": {},
            "Data": json!({"campaign": req.label}).to_string(),
            "ApplicationId": req.application_id,
            "CampaignId": req.journey_id,
            "TreatmentId": "0",
            "ActivityId": "custom-channel-activity",
            "ScheduledTime": rfc3339::format_ms(self.now_ms),
            "JourneyId": req.journey_id,
            "Endpoints": endpoints,
        })
    }

    /// A journey's custom-channel activity invokes `tagging`; the stream then runs `sync`.
    pub async fn journey(&mut self, req: &JourneyRequest) -> Step {
        let invocation = self.invocation(req);
        self.run_tagging(invocation).await
    }

    pub async fn run_tagging(&mut self, invocation: Value) -> Step {
        let mut metrics = Metrics::default();
        let result = tagging::handle(
            invocation.clone(),
            &self.store,
            &self.tagging,
            self.now_ms,
            &mut metrics,
        )
        .await;
        let (tagging_response, tagging_error) = match result {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let mut step = self.run_sync().await;
        step.invocation = Some(invocation);
        step.tagging_response = tagging_response;
        step.tagging_error = tagging_error;
        step
    }

    /// DynamoDB's TTL sweeper (which in AWS runs up to days late): deletes expired items.
    pub async fn sweep_ttl(&mut self) -> Step {
        self.store.expire(self.now_ms.div_euclid(1000));
        self.run_sync().await
    }

    async fn run_sync(&mut self) -> Step {
        let stream_event = self.store.take_stream_event();
        let mut metrics = Metrics::default();
        let sync_response =
            match sync::handle(stream_event.clone(), &self.pool, &self.sync, &mut metrics).await {
                Ok(r) => serde_json::to_value(r).unwrap_or(Value::Null),
                Err(e) => json!({"error": e.to_string()}),
            };
        Step {
            invocation: None,
            tagging_response: None,
            tagging_error: None,
            stream_event,
            sync_response,
        }
    }

    pub fn advance(&mut self, ms: i64) {
        self.now_ms = self.now_ms.saturating_add(ms.max(0));
    }

    /// `custom:campaign` of a user, as the ID token would carry it.
    pub fn campaign_attribute(&self, username: &str) -> Option<String> {
        self.pool.attribute(username, CAMPAIGN_ATTRIBUTE)
    }

    /// Stores the event the app sent as a Pinpoint event-stream record.
    pub fn record(&mut self, req: &RecordRequest) -> Value {
        let e = &req.event;
        let record = json!({
            "event_type": e.get("name").cloned().unwrap_or(Value::Null),
            "event_timestamp": self.now_ms,
            "arrival_timestamp": self.now_ms + 120,
            "event_version": "3.1",
            "application": {"app_id": "demo-web-app", "sdk": {"name": "aws-amplify", "version": "6"}},
            "client": {"client_id": format!("client-{}", req.username), "cognito_id": format!("us-east-1:{}", req.username)},
            "device": {"platform": {"name": "web"}},
            "session": {},
            "attributes": e.get("attributes").cloned().unwrap_or_else(|| json!({})),
            "metrics": e.get("metrics").cloned().unwrap_or_else(|| json!({})),
        });
        self.events.push(record.to_string());
        record
    }

    pub fn events(&self) -> &[String] {
        &self.events
    }

    pub fn report(&self, req: ReportRequest) -> Result<Report, ReportError> {
        let mut agg = Aggregator::new(req.options);
        agg.push_text(&self.events.join("\n"), |_, _| {});
        agg.finish(&req.costs)
    }

    pub fn state(&self) -> Value {
        let users: Vec<Value> = USERS
            .iter()
            .map(|u| {
                json!({
                    "username": u,
                    "campaign_attribute": self.campaign_attribute(u),
                    "item": self.store.get(u).map(|a| journey_attribution_core::item::to_item(&a))
                        .map(|i| journey_attribution_lambda::memory::item_json(&i)),
                })
            })
            .collect();
        json!({
            "now_ms": self.now_ms,
            "now": rfc3339::format_ms(self.now_ms),
            "lookback_window": LOOKBACK_WINDOW,
            "lookback_windows": LOOKBACK_WINDOWS,
            "users": users,
            "events": self.events.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(journey: &str, label: &str, app: &str) -> JourneyRequest {
        JourneyRequest {
            usernames: vec!["alice".into()],
            application_id: app.into(),
            journey_id: journey.into(),
            label: label.into(),
        }
    }

    #[tokio::test]
    async fn touch_project_expire_through_the_real_handlers() {
        let mut w = World::new();
        let step = w
            .journey(&req("j-spring", "Spring sale", "demo-newsletter"))
            .await;
        assert_eq!(
            step.tagging_response.as_ref().expect("tagged")["ep-alice-email"]["EventAttributes"]["attribution"],
            "tagged"
        );
        let token = w.campaign_attribute("alice").expect("projected");
        assert!(
            token.starts_with("ja1|demo-newsletter|j-spring|"),
            "{token}"
        );
        w.advance(2 * 86_400_000);
        w.sweep_ttl().await;
        assert_eq!(w.campaign_attribute("alice"), None, "TTL expiry clears it");
    }

    #[tokio::test]
    async fn a_newer_journey_outlives_the_older_window() {
        let mut w = World::new();
        w.journey(&req("j-flash", "Flash", "demo-flash-sale")).await;
        w.advance(60_000);
        w.journey(&req("j-news", "News", "demo-newsletter")).await;
        w.advance(20 * 60_000);
        w.sweep_ttl().await;
        let token = w.campaign_attribute("alice").expect("still attributed");
        assert!(token.contains("|j-news|"), "{token}");
    }

    #[tokio::test]
    async fn recorded_events_feed_the_report() {
        let mut w = World::new();
        w.record(&RecordRequest {
            username: "alice".into(),
            event: json!({"name": "purchase", "attributes": {"campaign": "Spring", "campaign_id": "j-1"}, "metrics": {"revenue": 40.0}}),
        });
        let report = w
            .report(ReportRequest {
                options: ReportOptions {
                    goals: vec!["purchase".into()],
                    revenue_metric: Some("revenue".into()),
                },
                costs: vec![Cost {
                    campaign: "Spring".into(),
                    cost: 10.0,
                }],
            })
            .expect("report");
        assert_eq!(report.campaigns[0].revenue, Some(40.0));
        assert_eq!(report.campaigns[0].roi, Some(3.0));
    }
}

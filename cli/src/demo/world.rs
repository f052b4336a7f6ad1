//! The demo's world: the real touch handlers (`tagging` for Pinpoint, `connect-tagging`,
//! `ses-tagging`) and `sync` over the in-memory table and user pool, a clock the page can
//! advance, and the events the app recorded.

use journey_attribution_core::Attribution;
use journey_attribution_core::rfc3339;
use journey_attribution_core::sync::{ChangeKind, StreamChange};
use journey_attribution_lambda::config;
use journey_attribution_lambda::connect::{self, ConnectTaggingConfig};
use journey_attribution_lambda::memory::{
    self, MemoryLedger, MemoryQueue, MemoryStore, MemoryUserPool,
};
use journey_attribution_lambda::metrics::Metrics;
use journey_attribution_lambda::pinpoint::{self, PinpointTaggingConfig};
use journey_attribution_lambda::ses::{self, SesTaggingConfig};
use journey_attribution_lambda::sync::{self, SyncConfig};
use journey_attribution_report::{Aggregator, Cost, Report, ReportError, ReportOptions};
use journey_attribution_table::item::to_item;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::payloads::{self, SesTags};

pub const USERS: [&str; 3] = ["alice", "björn", "chen"];
/// The demo's `LOOKBACK_WINDOW` and `LOOKBACK_WINDOWS`, as an operator would set them.
pub const LOOKBACK_WINDOW: &str = "30d";
/// `connect` is the application id of every Amazon Connect touch (`CONNECT_APPLICATION_ID`);
/// an SES touch's is its configuration set, so the SES demo reuses the Pinpoint names.
pub const LOOKBACK_WINDOWS: &str = "demo-newsletter=2d,demo-flash-sale=15m,connect=7d";
/// What an operator sets on the functions (template.yaml), here for the in-memory
/// adapters: the table and queue names name nothing real.
const ENVIRONMENT: [(&str, &str); 7] = [
    ("ATTRIBUTION_TABLE", "demo-attributions"),
    // The demo's SES card sends an Open: opens are `ses-tagging`'s opt-in (clicks only by
    // default, since mail proxies fetch every image on delivery).
    ("SES_EVENTS", "open,click"),
    ("TOUCH_LEDGER_TABLE", "demo-touch-ledger"),
    ("USER_POOL_ID", "us-east-1_demo"),
    ("FAILURE_QUEUE_URL", "memory://sync-failures"),
    ("LOOKBACK_WINDOW", LOOKBACK_WINDOW),
    ("LOOKBACK_WINDOWS", LOOKBACK_WINDOWS),
];
/// 2026-05-01T09:00:00Z: a fixed start so every run of the demo reads the same.
pub const START_MS: i64 = 1_777_626_000_000;

#[derive(Debug)]
pub struct World {
    pub now_ms: i64,
    store: MemoryStore,
    pool: MemoryUserPool,
    pinpoint: PinpointTaggingConfig,
    connect: ConnectTaggingConfig,
    ses: SesTaggingConfig,
    /// `connect-tagging`'s touch ledger: pins a redelivered touch to its first time.
    ledger: MemoryLedger,
    sync: SyncConfig,
    /// `sync`'s failure queue: records that can never be applied.
    parked: MemoryQueue,
    /// Recorded events, as Pinpoint's event stream (Firehose) writes them: one JSON a line.
    events: Vec<String>,
    invocations: u64,
}

/// Which service touched the users, so which of the touch handlers runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// A Pinpoint journey's custom-channel activity invokes `tagging`.
    #[default]
    Pinpoint,
    /// An Amazon Connect outbound campaign's custom action invokes `connect-tagging`.
    Connect,
    /// SES publishes the email's Open event (here through SNS) to `ses-tagging`.
    Ses,
}

impl Service {
    /// The Lambda function that handles this source's events.
    pub fn function(self) -> &'static str {
        match self {
            Self::Pinpoint => "tagging",
            Self::Connect => "connect-tagging",
            Self::Ses => "ses-tagging",
        }
    }
}

/// One touch of some users. `application_id` is the lookback window's key: the Pinpoint
/// application, the SES configuration set; ignored for Connect (always
/// `connect`, `connect-tagging`'s default). `journey_id` is the journey / Connect campaign id / SES
/// `journey_id` tag, `label` the activity's custom data / `CampaignName` / `campaign` tag.
#[derive(Debug, Deserialize)]
pub struct JourneyRequest {
    pub usernames: Vec<String>,
    pub application_id: String,
    pub journey_id: String,
    pub label: String,
    #[serde(default)]
    pub source: Service,
}

/// What one step did, shown by the page: the payloads in and out of each function.
/// `tagging_response` is the response of whichever touch handler ran (`source`).
#[derive(Debug, Serialize)]
pub struct Step {
    /// The touch source whose handler ran; `None` when only `sync` ran (TTL sweep).
    pub source: Option<Service>,
    /// That handler's function name: `tagging`, `connect-tagging` or `ses-tagging`.
    pub function: Option<&'static str>,
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
    /// Every function configured as the Lambda configures it: its `from_env`, over
    /// [`ENVIRONMENT`].
    pub fn new() -> Self {
        Self::with_users(USERS)
    }

    /// A world whose user pool holds `users` (the holdout panel's simulated audience).
    pub fn with_users<'a>(users: impl IntoIterator<Item = &'a str>) -> Self {
        let env = config::vars(&ENVIRONMENT);
        let valid = "the demo's environment is valid";
        Self {
            now_ms: START_MS,
            store: MemoryStore::default(),
            pool: MemoryUserPool::with_users(users),
            pinpoint: pinpoint::Settings::from_env(&env).expect(valid).handler,
            connect: connect::Settings::from_env(&env).expect(valid).handler,
            ses: ses::Settings::from_env(&env).expect(valid).handler,
            ledger: MemoryLedger::default(),
            parked: MemoryQueue::default(),
            sync: sync::Settings::from_env(&env).expect(valid).handler,
            events: Vec::new(),
            invocations: 0,
        }
    }

    /// Why this request cannot be sent as its source would send it, if it cannot.
    fn check(req: &JourneyRequest) -> Result<(), String> {
        if req.usernames.is_empty() {
            return Err("usernames: pick at least one user".into());
        }
        if req.source == Service::Ses
            && let Some(u) = req.usernames.iter().find(|u| !is_ses_tag_value(u))
        {
            return Err(format!(
                "SES message tag values allow only A-Z a-z 0-9 _ - . @, so the username tag \
                 cannot be {u:?}; pick another user (in AWS: tag a user id, or set \
                 SES_USER_FROM_DESTINATION when usernames are the email addresses)"
            ));
        }
        Ok(())
    }

    /// The payload the chosen source sends for these users, as the service would send it
    /// ([`payloads`]): Pinpoint's and Connect's at the demo's clock, SES's Open events
    /// (through SNS) opened now.
    pub fn invocation(&mut self, req: &JourneyRequest) -> Value {
        self.invocations += 1;
        let n = self.invocations;
        match req.source {
            Service::Pinpoint => payloads::pinpoint_invocation(req, n, self.now_ms),
            Service::Connect => payloads::connect_invocation(req, n),
            // The email's message tags carry the journey, the label and the user (tag values
            // limited to `A-Z a-z 0-9 _ - . @`); the configuration set is the application id.
            Service::Ses => {
                let (journey_id, campaign) =
                    (ses_tag_value(&req.journey_id), ses_tag_value(&req.label));
                let tags = SesTags {
                    configuration_set: &req.application_id,
                    journey_id: &journey_id,
                    campaign: &campaign,
                };
                payloads::ses_open_notification(&req.usernames, &tags, n, self.now_ms)
            }
        }
    }

    /// The chosen source touches the users: its handler runs; the stream then runs `sync`.
    pub async fn journey(&mut self, req: &JourneyRequest) -> Result<Step, String> {
        Self::check(req)?;
        let invocation = self.invocation(req);
        Ok(self.run(req.source, invocation).await)
    }

    /// Delivers `invocation` to the source's handler (again, for a retry), then runs `sync`.
    pub async fn run(&mut self, source: Service, invocation: Value) -> Step {
        let mut metrics = Metrics::default();
        let event = invocation.clone();
        let result = match source {
            Service::Pinpoint => {
                pinpoint::handle(
                    event,
                    &self.store,
                    &self.pinpoint,
                    self.now_ms,
                    &mut metrics,
                )
                .await
            }
            Service::Connect => {
                connect::handle(
                    event,
                    &self.store,
                    &self.ledger,
                    &self.connect,
                    self.now_ms,
                    &mut metrics,
                )
                .await
            }
            Service::Ses => ses::handle(event, &self.store, &self.ses, &mut metrics).await,
        };
        let (tagging_response, tagging_error) = match result {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let mut step = self.run_sync().await;
        step.source = Some(source);
        step.function = Some(source.function());
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

    /// The REMOVE DynamoDB's TTL emits for `expired`, delivered late (after a newer touch
    /// replaced it, say): `sync` must leave a newer attribution alone.
    pub async fn deliver_ttl_removal(&mut self, expired: &Attribution) -> Step {
        let change = StreamChange {
            kind: ChangeKind::Remove,
            ttl_delete: true,
            old_image: Some(Ok(expired.clone())),
            new_image: None,
        };
        let event = json!({ "Records": [memory::stream_record(&change, "late-ttl-removal")] });
        self.sync_stream(event).await
    }

    async fn run_sync(&mut self) -> Step {
        let stream_event = self.store.take_stream_event();
        self.sync_stream(stream_event).await
    }

    async fn sync_stream(&mut self, stream_event: Value) -> Step {
        let mut metrics = Metrics::default();
        // The demo's clock is its own: no invocation deadline in sight.
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
        let handled = sync::handle(
            stream_event.clone(),
            &self.pool,
            &self.parked,
            &self.sync,
            deadline,
            &mut metrics,
        )
        .await;
        let sync_response = match handled {
            Ok(r) => serde_json::to_value(r).unwrap_or(Value::Null),
            Err(e) => json!({"error": e.to_string()}),
        };
        Step {
            source: None,
            function: None,
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

    /// The attribute `sync` keeps in step, and the ID-token claim the app reads.
    pub fn campaign_claim(&self) -> &str {
        &self.sync.campaign_attribute
    }

    /// The user's attribution in the table.
    pub fn attribution(&self, username: &str) -> Option<Attribution> {
        self.store.get(username)
    }

    /// `custom:campaign` of a user, as the ID token would carry it.
    pub fn campaign_attribute(&self, username: &str) -> Option<String> {
        self.pool.attribute(username, &self.sync.campaign_attribute)
    }

    /// Stores the event the app sent as a Pinpoint event-stream record.
    pub fn record(&mut self, req: &RecordRequest) -> Value {
        let record = payloads::event_stream_record(&req.username, &req.event, self.now_ms);
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
                    "item": self.store.get(u).map(|a| to_item(&a))
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

fn is_ses_tag_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@')
}

/// Whether SES accepts `s` as a message tag value.
fn is_ses_tag_value(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_ses_tag_char)
}

/// `s` as an SES message tag value: every other character becomes `-`.
fn ses_tag_value(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| if is_ses_tag_char(c) { c } else { '-' })
        .collect()
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
            source: Service::Pinpoint,
        }
    }

    fn from(source: Service, users: &[&str], req: JourneyRequest) -> JourneyRequest {
        JourneyRequest {
            source,
            usernames: users.iter().map(|&u| u.to_owned()).collect(),
            ..req
        }
    }

    /// The fields of a `custom:campaign` token: app, journey, touched ms, expires s, label.
    fn token_fields(w: &World, user: &str) -> Vec<String> {
        let token = w.campaign_attribute(user).expect("projected");
        token.split('|').skip(1).map(str::to_owned).collect()
    }

    #[test]
    fn the_source_defaults_to_pinpoint_and_reads_snake_case() {
        let base =
            json!({"usernames": ["alice"], "application_id": "a", "journey_id": "j", "label": "l"});
        let r: JourneyRequest = serde_json::from_value(base.clone()).expect("request");
        assert_eq!(r.source, Service::Pinpoint);
        let mut ses = base;
        ses["source"] = json!("ses");
        let r: JourneyRequest = serde_json::from_value(ses).expect("request");
        assert_eq!(
            (r.source, r.source.function()),
            (Service::Ses, "ses-tagging")
        );
    }

    #[tokio::test]
    async fn touch_project_expire_through_the_real_handlers() {
        let mut w = World::new();
        let step = w
            .journey(&req("j-spring", "Spring sale", "demo-newsletter"))
            .await
            .expect("sent");
        assert_eq!(
            (step.source, step.function),
            (Some(Service::Pinpoint), Some("tagging"))
        );
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
        w.journey(&req("j-flash", "Flash", "demo-flash-sale"))
            .await
            .expect("sent");
        w.advance(60_000);
        w.journey(&req("j-news", "News", "demo-newsletter"))
            .await
            .expect("sent");
        w.advance(20 * 60_000);
        w.sweep_ttl().await;
        let token = w.campaign_attribute("alice").expect("still attributed");
        assert!(token.contains("|j-news|"), "{token}");
    }

    #[tokio::test]
    async fn a_connect_campaign_tags_the_users_and_sync_projects_it() {
        let mut w = World::new();
        let r = from(
            Service::Connect,
            &["alice", "björn"],
            req("c-welcome", "Welcome call", "ignored"),
        );
        let step = w.journey(&r).await.expect("sent");
        assert_eq!(
            (step.source, step.function),
            (Some(Service::Connect), Some("connect-tagging"))
        );
        let invocation = step.invocation.as_ref().expect("invocation");
        assert_eq!(
            invocation["InvocationMetadata"]["CampaignContext"]["CampaignName"],
            "Welcome call"
        );
        let profiles =
            &step.tagging_response.as_ref().expect("response")["Items"]["CustomerProfiles"];
        assert_eq!(profiles[1]["Id"], "profile-bjrn");
        for p in profiles.as_array().expect("profiles") {
            assert_eq!(p["ResultData"]["attribution"], "tagged", "{p}");
            assert_eq!(p["ResultData"]["campaign"], "Welcome call");
        }
        assert_eq!(
            step.stream_event["Records"].as_array().map(Vec::len),
            Some(2)
        );
        for user in ["alice", "björn"] {
            let f = token_fields(&w, user);
            assert_eq!(
                (f[0].as_str(), f[1].as_str(), f[4].as_str()),
                ("connect", "c-welcome", "Welcome call")
            );
            // The `connect=7d` window of LOOKBACK_WINDOWS.
            assert_eq!(
                f[3].parse::<i64>().expect("expiry") * 1000,
                START_MS + 7 * 86_400_000
            );
        }
    }

    #[tokio::test]
    async fn a_replayed_connect_invocation_is_unchanged_and_keeps_the_first_time() {
        let mut w = World::new();
        let r = from(Service::Connect, &["alice"], req("c-1", "Call", "connect"));
        let first = w.journey(&r).await.expect("sent");
        let before = token_fields(&w, "alice");
        assert_eq!(before[2], START_MS.to_string());
        w.advance(3_600_000);
        // Connect retries the same invocation (same IdempotencyToken) an hour later.
        let replay = w
            .run(Service::Connect, first.invocation.expect("invocation"))
            .await;
        let result = &replay.tagging_response.expect("response")["Items"]["CustomerProfiles"][0]["ResultData"];
        assert_eq!(
            (&result["attribution"], &result["reason"]),
            (&json!("tagged"), &json!("unchanged"))
        );
        assert_eq!(
            replay.stream_event["Records"].as_array().map(Vec::len),
            Some(0)
        );
        assert_eq!(
            token_fields(&w, "alice"),
            before,
            "the first touch time stays"
        );
    }

    #[tokio::test]
    async fn an_ses_open_tags_the_user_with_the_configuration_sets_window() {
        let mut w = World::new();
        let r = from(
            Service::Ses,
            &["alice", "chen"],
            req("journey-may", "May newsletter", "demo-newsletter"),
        );
        let step = w.journey(&r).await.expect("sent");
        assert_eq!(
            (step.source, step.function),
            (Some(Service::Ses), Some("ses-tagging"))
        );
        let records = step.invocation.as_ref().expect("invocation")["Records"]
            .as_array()
            .expect("an SNS batch")
            .clone();
        assert_eq!(records.len(), 2);
        let message: Value = serde_json::from_str(
            records[1]["Sns"]["Message"]
                .as_str()
                .expect("a JSON string"),
        )
        .expect("SES record");
        assert_eq!(
            message["mail"]["tags"]["campaign"],
            json!(["May-newsletter"])
        );
        assert_eq!(message["open"]["timestamp"], rfc3339::format_ms(START_MS));
        let events = &step.tagging_response.as_ref().expect("response")["events"];
        assert_eq!(events[1]["reason"], "written", "{events}");
        assert_eq!(events[1]["user"], "chen");
        for user in ["alice", "chen"] {
            let f = token_fields(&w, user);
            assert_eq!(
                (f[0].as_str(), f[1].as_str(), f[4].as_str()),
                ("demo-newsletter", "journey-may", "May-newsletter")
            );
            assert_eq!(f[2], START_MS.to_string(), "touched when opened");
            assert_eq!(
                f[3].parse::<i64>().expect("expiry") * 1000,
                START_MS + 2 * 86_400_000
            );
        }
        w.advance(2 * 86_400_000);
        w.sweep_ttl().await;
        assert_eq!(w.campaign_attribute("chen"), None, "TTL expiry clears it");
    }

    #[tokio::test]
    async fn an_ses_username_that_is_no_tag_value_is_refused_before_sending() {
        let mut w = World::new();
        let r = from(
            Service::Ses,
            &["alice", "björn"],
            req("j", "l", "demo-newsletter"),
        );
        let err = w.journey(&r).await.expect_err("refused");
        assert!(err.contains("\"björn\""), "{err}");
        assert_eq!(w.campaign_attribute("alice"), None, "nothing was sent");
        assert_eq!(ses_tag_value(" Spring sale: 20% "), "Spring-sale--20-");
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
                    ..Default::default()
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

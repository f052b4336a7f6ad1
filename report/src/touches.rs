//! Touch reconstruction: first-touch / last-touch / linear credit from the journey email
//! events in the same stream, for conversions of users who can be joined across endpoints.
//!
//! A journey email goes to the user's *email* endpoint; the web app records its custom
//! events from its own endpoint. `client.client_id` therefore differs between the two and
//! cannot be the join key. The join key is a user id, taken from the first of:
//!
//! 1. `User.UserId` of the endpoint Pinpoint embeds in the record as the JSON string
//!    `client_context.custom.endpoint` (documented for journey events, "Journey event data
//!    from Amazon Pinpoint"); present when the endpoint was registered with a user id;
//! 2. the attribute named [`TouchOptions::user_attribute`] (default `user_id`) that the app
//!    records on its custom events (e.g. the Cognito username) — **the app must record it**
//!    for its conversions to be joinable when its endpoint carries no user id;
//! 3. an endpoint map (endpoint id → user id, e.g. from a Pinpoint endpoint export) applied
//!    at [`TouchAggregator::finish`] to the record's `client.client_id`.
//!
//! A record with none of these cannot be joined and is counted, never guessed.
//!
//! Amplify stream records (Kinesis / Firehose analytics providers, see the report's module
//! docs) are conversions only: their user id is the same attribute (2.), else the Kinesis
//! partition key of their envelope; their time is the data's `timestamp`, else the Kinesis
//! arrival time. Without a user id or a time they are counted, as Pinpoint records are.
//!
//! Touches are `_email.click` (and `_email.open` unless clicks only) carrying
//! `attributes.journey_id` and an `event_timestamp`, and the SES event records of journey
//! emails sent through SES (see below). Conversions are goal events (the
//! report's `--goal` semantics). Each conversion of a joinable user gets its credit from
//! that user's touches at or before it and within the lookback window: all to the
//! earliest (first), all to the latest (last), or split equally (linear).
//!
//! SES event records (a configuration set's event publishing, as Firehose writes them to S3,
//! or in SNS notifications) are read with [`journey_attribution_core::ses::record_touch`]
//! (or `notification_touch`), the rules the `ses-tagging` Lambda plans with, and its
//! configuration (the defaults unless
//! [`TouchAggregator::with_ses`]): a Click (and an Open unless clicks only) whose email
//! carries the journey tag is a touch of the journey, by the user in the user tag (the
//! Cognito username: the app's `user_id` attribute holds the same username, so they join),
//! at the engagement's time. They are never conversions nor events; one that is not a touch
//! (Delivery, Send, no journey tag...) is ignored, a malformed one is a skipped line.
//!
//! Every other record comes from the report's own reading of it ([`crate::Aggregator`]):
//! the reader keeps `journey_id`, the user attribute and `client_context` (as unread text,
//! parsed here only for the records kept) when touch reconstruction is on.
//!
//! Memory: unlike the live-stamp report, this keeps every touch and conversion per user
//! until [`TouchAggregator::finish`] (touches can arrive after conversions, and parallel
//! chunks see them in any order), so it grows with users × (touches + conversions).

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde_json::Value;

use journey_attribution_core::event::is_reserved_event_type;
use journey_attribution_core::ses::SesConfig;
use journey_attribution_core::touch::Touch;
use journey_attribution_core::window::LookbackWindow;

use super::field_path::Schema;
use super::identity::{order_fingerprint, record_identity};
use super::model::{MAX_REVENUE_LIMIT, ReportOptions, TouchAttribution, TouchCampaign, TouchModel};
use super::pricing::round6;
use super::record::Record;
use super::shapes::{Shape, reason, start_column};
use journey_attribution_core::ses;

/// What touch reconstruction credits, and how users are joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TouchOptions {
    pub model: TouchModel,
    pub lookback: LookbackWindow,
    /// The custom-event attribute holding the user id the app records (e.g. `user_id`).
    pub user_attribute: String,
    /// Only `_email.click` counts as a touch (not `_email.open`); for SES event records,
    /// only Click (not Open).
    pub clicks_only: bool,
}

impl TouchOptions {
    pub fn new(model: TouchModel) -> Self {
        TouchOptions {
            model,
            lookback: LookbackWindow::DEFAULT,
            user_attribute: "user_id".to_owned(),
            clicks_only: false,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Trail {
    /// (epoch ms, journey id)
    touches: Vec<(i64, String)>,
    /// (epoch ms, revenue, what tells it apart: its order, else its identity)
    conversions: Vec<(i64, f64, u128)>,
}

impl Trail {
    fn merge(&mut self, other: Trail) {
        self.touches.extend(other.touches);
        self.conversions.extend(other.conversions);
    }

    /// Keeps one conversion per event and per order, the earliest (as the attributed rows
    /// count them).
    fn count_once(&mut self) {
        self.conversions
            .sort_unstable_by(|a, b| (a.2, a.0).cmp(&(b.2, b.0)).then(a.1.total_cmp(&b.1)));
        self.conversions.dedup_by_key(|c| c.2);
    }
}

/// Mergeable partial state of touch reconstruction. Build one per thread, [`merge`] them,
/// then [`finish`]: the result does not depend on how the input was split.
///
/// [`merge`]: TouchAggregator::merge
/// [`finish`]: TouchAggregator::finish
#[derive(Debug, Clone)]
pub struct TouchAggregator {
    options: TouchOptions,
    /// How SES event records are read; opens off under [`TouchOptions::clicks_only`].
    ses: SesConfig,
    goals: Vec<String>,
    revenue_metric: Option<String>,
    /// Revenue outside `[0, max_revenue]` is none, as in the attributed rows.
    max_revenue: f64,
    /// Records with a user id.
    by_user: HashMap<String, Trail>,
    /// Records without one, by `client.client_id`, for the endpoint map at the end.
    by_endpoint: HashMap<String, Trail>,
    touches: u64,
    /// Without user id nor client id, or without a timestamp.
    lost_touches: u64,
    /// Conversions by what tells them apart (see [`Trail::count_once`]).
    lost_conversions: HashSet<u128>,
}

fn nonempty(v: Option<&str>) -> Option<&str> {
    v.filter(|v| !v.is_empty())
}

/// `User.UserId` of the endpoint in `client_context.custom.endpoint` (a JSON string in the
/// documented records; an object is accepted too), `client_context` being the record's
/// JSON text of it; `None` for anything else.
fn endpoint_user_id(client_context: Option<&str>) -> Option<String> {
    let client_context = serde_json::from_str::<Value>(client_context?).ok()?;
    let endpoint = client_context.get("custom")?.get("endpoint")?;
    let parsed;
    let endpoint = match endpoint {
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s).ok()?;
            &parsed
        }
        other => other,
    };
    user_id_of_endpoint(endpoint)
}

/// `User.UserId` of a Pinpoint endpoint object, when non-empty.
pub fn user_id_of_endpoint(endpoint: &Value) -> Option<String> {
    endpoint
        .get("User")?
        .get("UserId")?
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `ses`, with its opens following the report's own choice ([`TouchOptions::clicks_only`]):
/// `ses-tagging`'s default (clicks only) must not silently drop opens the report was asked
/// to count.
fn ses_config(options: &TouchOptions, ses: SesConfig) -> SesConfig {
    SesConfig {
        opens: !options.clicks_only,
        ..ses
    }
}

/// Touch reconstruction as the report's [`Aggregator`](super::Aggregator) sees it: an object
/// rather than a field of type [`TouchAggregator`], so that a build that never calls
/// `Aggregator::with_touches` links none of it (the touch records, the SES planner,
/// `serde_json::Value`), a large share of the npm report module (BENCHMARKS.md).
pub(super) trait Touches: fmt::Debug + Send + Sync {
    fn options(&self) -> &TouchOptions;
    fn set_ses(&mut self, ses: SesConfig);
    /// See [`TouchAggregator::push_record`].
    fn push_record(&mut self, record: &Record<'_>, user: Option<&str>, text: &str, amplify: bool);
    /// An SES event record (or an SNS notification of one) read with this configuration
    /// (see [`ses_touch`]).
    fn ses_touch(&self, text: &str, shape: Shape, column: usize) -> Result<Option<Touch>, String>;
    fn push_ses(&mut self, touch: Touch);
    /// Folds `other`, made by the same `Aggregator::with_touches`, into `self`.
    fn merge_box(&mut self, other: Box<dyn Touches>);
    fn finish_box(self: Box<Self>, endpoints: &HashMap<String, String>) -> TouchAttribution;
    fn clone_box(&self) -> Box<dyn Touches>;
    fn into_aggregator(self: Box<Self>) -> TouchAggregator;
}

impl Clone for Box<dyn Touches> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

impl Touches for TouchAggregator {
    fn options(&self) -> &TouchOptions {
        TouchAggregator::options(self)
    }
    fn set_ses(&mut self, ses: SesConfig) {
        self.ses = ses_config(&self.options, ses);
    }
    fn push_record(&mut self, record: &Record<'_>, user: Option<&str>, text: &str, amplify: bool) {
        TouchAggregator::push_record(self, record, user, text, amplify);
    }
    fn ses_touch(&self, text: &str, shape: Shape, column: usize) -> Result<Option<Touch>, String> {
        ses_touch(text, shape, column, &self.ses)
    }
    fn push_ses(&mut self, touch: Touch) {
        TouchAggregator::push_ses(self, touch);
    }
    fn merge_box(&mut self, other: Box<dyn Touches>) {
        self.merge(other.into_aggregator());
    }
    fn finish_box(self: Box<Self>, endpoints: &HashMap<String, String>) -> TouchAttribution {
        self.finish(endpoints)
    }
    fn clone_box(&self) -> Box<dyn Touches> {
        Box::new(self.clone())
    }
    fn into_aggregator(self: Box<Self>) -> TouchAggregator {
        *self
    }
}

impl TouchAggregator {
    pub fn new(report: &ReportOptions, options: TouchOptions) -> Self {
        TouchAggregator {
            ses: ses_config(&options, SesConfig::default()),
            options,
            goals: report.goals.clone(),
            revenue_metric: report.revenue_metric.clone(),
            max_revenue: report.max_revenue.min(MAX_REVENUE_LIMIT),
            by_user: HashMap::new(),
            by_endpoint: HashMap::new(),
            touches: 0,
            lost_touches: 0,
            lost_conversions: HashSet::new(),
        }
    }

    pub fn options(&self) -> &TouchOptions {
        &self.options
    }

    /// Reads SES event records with `ses` (its tag names, its user from the destination,
    /// its clicks) instead of [`SesConfig::default()`]; opens are on exactly when
    /// [`TouchOptions::clicks_only`] is off.
    pub fn with_ses(mut self, ses: SesConfig) -> Self {
        Touches::set_ses(&mut self, ses);
        self
    }

    /// A journey touch from an SES event record (see the module docs), as
    /// [`journey_attribution_core::ses::record_touch`] made it.
    pub(super) fn push_ses(&mut self, touch: Touch) {
        self.touches += 1;
        if touch.username.is_empty() {
            self.lost_touches += 1;
            return;
        }
        self.by_user
            .entry(touch.username)
            .or_default()
            .touches
            .push((touch.touched_at_ms, touch.journey_id));
    }

    /// Adds a record the report has read (`text`: its JSON, for its content identity, as the
    /// report takes it): a journey touch when it is a Pinpoint journey email event, a
    /// conversion when it is a goal, else nothing. `user`: the value of
    /// [`TouchOptions::user_attribute`] (for Amplify data without it, its Kinesis partition
    /// key). `amplify`: Amplify stream data, never a journey touch and never joined by an
    /// endpoint.
    pub(super) fn push_record(
        &mut self,
        r: &Record<'_>,
        user: Option<&str>,
        text: &str,
        amplify: bool,
    ) {
        let attributes = r.attributes.as_ref();
        let touch = if !amplify && self.is_touch(&r.event_type) {
            match nonempty(attributes.and_then(|a| a.touch.as_ref()?.journey_id.as_deref())) {
                Some(journey) => Some(journey.to_owned()),
                None => return,
            }
        } else {
            None
        };
        if touch.is_none() && !self.is_goal(&r.event_type) {
            return;
        }
        if touch.is_some() {
            self.touches += 1;
        }
        let user = endpoint_user_id(r.client_context.as_deref())
            .or_else(|| nonempty(user).map(str::to_owned));
        // What tells a conversion apart: its order, else its identity.
        let key = match nonempty(attributes.and_then(|a| a.order_id.as_deref())) {
            Some(order) => order_fingerprint(order),
            None => record_identity(
                r.event_id.as_deref(),
                attributes.and_then(|a| a.event_id.as_deref()),
                text,
            ),
        };
        let client_id =
            nonempty(r.client.as_ref().and_then(|c| c.client_id.as_deref())).filter(|_| !amplify);
        let (Some(ts), Some(trail)) = (
            r.event_timestamp,
            match (user, client_id) {
                (Some(user), _) => Some(self.by_user.entry(user).or_default()),
                (None, Some(endpoint)) => {
                    Some(self.by_endpoint.entry(endpoint.to_owned()).or_default())
                }
                (None, None) => None,
            },
        ) else {
            if touch.is_some() {
                self.lost_touches += 1;
            } else {
                self.lost_conversions.insert(key);
            }
            return;
        };
        match touch {
            Some(journey) => trail.touches.push((ts, journey)),
            None => {
                let revenue = self
                    .revenue_metric
                    .as_ref()
                    .and_then(|m| r.metrics.as_ref()?.get(m))
                    .filter(|v| (0.0..=self.max_revenue).contains(v))
                    .unwrap_or(0.0);
                trail.conversions.push((ts, revenue, key));
            }
        }
    }

    fn is_touch(&self, event_type: &str) -> bool {
        event_type == "_email.click" || (!self.options.clicks_only && event_type == "_email.open")
    }

    fn is_goal(&self, event_type: &str) -> bool {
        !is_reserved_event_type(event_type)
            && (self.goals.is_empty() || self.goals.iter().any(|g| g == event_type))
    }

    /// Folds `other` (built with the same options) into `self`.
    pub fn merge(&mut self, other: TouchAggregator) {
        debug_assert_eq!(
            self.options, other.options,
            "merging different touch options"
        );
        debug_assert_eq!(self.ses, other.ses, "merging different SES configurations");
        for (k, t) in other.by_user {
            self.by_user.entry(k).or_default().merge(t);
        }
        for (k, t) in other.by_endpoint {
            self.by_endpoint.entry(k).or_default().merge(t);
        }
        self.touches += other.touches;
        self.lost_touches += other.lost_touches;
        self.lost_conversions.extend(other.lost_conversions);
    }

    /// Credits the conversions. `endpoints` maps endpoint ids (`client.client_id`) to user
    /// ids, for records that carry no user id themselves; it may be empty.
    pub fn finish(mut self, endpoints: &HashMap<String, String>) -> TouchAttribution {
        let mut touches_without_user = self.lost_touches;
        let mut conversions_without_user = self.lost_conversions.len() as u64;
        for (endpoint, mut trail) in std::mem::take(&mut self.by_endpoint) {
            match endpoints.get(&endpoint).filter(|u| !u.is_empty()) {
                Some(user) => self.by_user.entry(user.clone()).or_default().merge(trail),
                None => {
                    trail.count_once();
                    touches_without_user += trail.touches.len() as u64;
                    conversions_without_user += trail.conversions.len() as u64;
                }
            }
        }
        for trail in self.by_user.values_mut() {
            trail.count_once();
        }

        let window = self.options.lookback.as_millis();
        let model = self.options.model;
        let mut credit: HashMap<String, (f64, f64)> = HashMap::new();
        let mut joined = 0u64;
        for trail in self.by_user.values_mut() {
            if trail.conversions.is_empty() || trail.touches.is_empty() {
                continue;
            }
            trail.touches.sort_unstable();
            trail.touches.dedup();
            for &(at, revenue, _) in &trail.conversions {
                let from = trail.touches.partition_point(|(t, _)| *t < at - window);
                let to = trail.touches.partition_point(|(t, _)| *t <= at);
                let before = &trail.touches[from..to.max(from)];
                let (Some(first), Some(last)) = (before.first(), before.last()) else {
                    continue;
                };
                joined += 1;
                let mut give = |journey: &str, share: f64| {
                    let c = credit.entry(journey.to_owned()).or_default();
                    c.0 += share;
                    c.1 += share * revenue;
                };
                match model {
                    TouchModel::First => give(&first.1, 1.0),
                    TouchModel::Last => give(&last.1, 1.0),
                    TouchModel::Linear => {
                        let share = 1.0 / before.len() as f64;
                        for (_, journey) in before {
                            give(journey, share);
                        }
                    }
                }
            }
        }

        let has_revenue = self.revenue_metric.is_some();
        let mut campaigns: Vec<TouchCampaign> = credit
            .into_iter()
            .map(|(campaign_id, (conversions, revenue))| TouchCampaign {
                campaign_id,
                conversions: round6(conversions),
                revenue: has_revenue.then_some(round6(revenue)),
            })
            .collect();
        campaigns.sort_by(|a, b| {
            b.conversions
                .total_cmp(&a.conversions)
                .then(
                    b.revenue
                        .unwrap_or(0.0)
                        .total_cmp(&a.revenue.unwrap_or(0.0)),
                )
                .then_with(|| a.campaign_id.cmp(&b.campaign_id))
        });

        let conversions = conversions_without_user
            + self
                .by_user
                .values()
                .map(|t| t.conversions.len() as u64)
                .sum::<u64>();
        let lookback = self.options.lookback.to_string();
        let note = self.note(
            conversions,
            joined,
            conversions_without_user,
            touches_without_user,
            &lookback,
        );
        TouchAttribution {
            model,
            lookback,
            conversions,
            joined_conversions: joined,
            unjoined_conversions: conversions - joined,
            conversions_without_user,
            touches: self.touches,
            touches_without_user,
            campaigns,
            note,
        }
    }

    fn note(
        &self,
        n: u64,
        joined: u64,
        conversions_without_user: u64,
        touches_without_user: u64,
        lookback: &str,
    ) -> String {
        let attr = &self.options.user_attribute;
        let pinpoint = if self.options.clicks_only {
            "_email.click"
        } else {
            "_email.open/_email.click"
        };
        let ses = match (self.ses.opens, self.ses.clicks) {
            (true, true) => " or SES Open/Click",
            (false, true) => " or SES Click",
            (true, false) => " or SES Open",
            (false, false) => "",
        };
        let touch_kind = format!("{pinpoint}{ses}");
        if n == 0 {
            return "no conversions (goal events) in the input".to_owned();
        }
        let head = format!("{joined} of {n} conversions could be joined to a journey touch");
        if joined > 0 {
            let mut s = format!(
                "{head} ({touch_kind} with a journey_id, same user id, within {lookback} before)"
            );
            if conversions_without_user > 0 {
                s.push_str(&format!(
                    "; {conversions_without_user} conversions carry no user id \
                     (record attribute {attr} on the app's custom events)"
                ));
            }
            return s;
        }
        let why = if conversions_without_user == n {
            format!(
                "the app's custom events carry no user id (record attribute {attr}, e.g. the \
                 Cognito username, or give --endpoints with an endpoint export)"
            )
        } else if self.touches == 0 {
            format!("the input holds no journey {touch_kind} events with a journey_id")
        } else if touches_without_user == self.touches {
            "the journey email events carry no user id (their endpoint has no User.UserId; \
             give --endpoints with an endpoint export)"
                .to_owned()
        } else {
            format!("no journey touch of the same user within {lookback} before a conversion")
        };
        format!("{head}: {why}")
    }
}

/// An SES event record (`Shape::Ses`), or an SNS notification whose `Message` is one
/// (`Shape::SnsNotification`), to its touch through core's `ses` with `config` (so the tag
/// names, the open/click choice, the time and the user are the `ses-tagging` Lambda's).
/// `Ok(None)`: a record that is not a touch (Delivery, Send, no journey tag, opens off...);
/// `Err`: a malformed record, the reason naming the field.
fn ses_touch(
    text: &str,
    shape: Shape,
    column: usize,
    config: &SesConfig,
) -> Result<Option<Touch>, String> {
    let at = start_column(text, column);
    let object: serde_json::Map<String, Value> =
        serde_json::from_str(text).map_err(|e| reason(text, &e, column, &Schema::Ignored))?;
    let (what, touch) = if shape == Shape::SnsNotification {
        match object.get("Type") {
            Some(Value::String(t)) if t == "Notification" => {}
            other => {
                let t = other.map_or_else(|| "null".to_owned(), Value::to_string);
                return Err(format!(
                    "SNS message of Type {t}: not a Notification, so no SES event record \
                     (column {at})"
                ));
            }
        }
        (
            "SES event record in an SNS notification",
            ses::notification_touch(object, config),
        )
    } else {
        ("SES event record", ses::record_touch(object, config))
    };
    match touch {
        Ok(touch) => Ok(Some(touch)),
        Err(ses::SesSkip::Malformed(e)) => Err(format!(
            "malformed {what}: {}: {} (column {at})",
            e.field, e.reason
        )),
        Err(_) => Ok(None),
    }
}

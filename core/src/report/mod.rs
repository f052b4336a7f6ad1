//! The ROI report: event-stream lines in, per-campaign attributed events, conversions,
//! revenue, cost and ROI out.
//!
//! Pure and streaming: feed lines to an [`Aggregator`] (memory grows with campaigns, event
//! types and distinct converted users, never with events), [`Aggregator::merge`] partial
//! aggregates built in parallel, then [`Aggregator::finish`] with the marketer's costs.
//!
//! ```
//! use journey_attribution_core::report::{Aggregator, Cost, ReportOptions};
//!
//! let mut agg = Aggregator::new(ReportOptions {
//!     goals: vec!["purchase".into()],
//!     revenue_metric: Some("revenue".into()),
//! });
//! agg.push_line(r#"{"event_type":"purchase","client":{"client_id":"c1"},
//!     "attributes":{"campaign":"Spring","campaign_id":"j-1"},"metrics":{"revenue":30}}"#)
//!     .expect("a valid record");
//! let report = agg
//!     .finish(&[Cost { campaign: "Spring".into(), cost: 20.0 }])
//!     .expect("costs match");
//! assert_eq!(report.campaigns[0].roi, Some(0.5));
//! ```
//!
//! Attributed = a custom event (type not starting with `_`) whose attributes carry a
//! non-empty `campaign` (the label stamping adds). Campaigns are grouped by `campaign_id`
//! (the journey id) when present, else by label.
//!
//! # Line shapes
//!
//! Each line holds one JSON object, or several back to back (`{...}{...}`); each object is
//! recognised by its top-level keys (first match wins), so shapes mix freely:
//!
//! | key | shape | event type | user (`converted_users`) | time (touches) |
//! | --- | --- | --- | --- | --- |
//! | `event_type` | Pinpoint event-stream record | `event_type` | `client.client_id` | `event_timestamp` |
//! | `name` | Amplify stream data: the `data` of Amplify's Kinesis / Firehose `record()`, as Firehose writes it to S3 | `name` | `attributes.user_id` | `timestamp` |
//! | `Data` | Kinesis record as `aws kinesis get-records` prints it: `{"SequenceNumber", "ApproximateArrivalTimestamp", "Data", "PartitionKey"}` | of the decoded `Data` | `attributes.user_id`, else `PartitionKey` | `timestamp`, else `ApproximateArrivalTimestamp` |
//! | `kinesis` | a record of Lambda's Kinesis event: `{"kinesis": {"data", "partitionKey", "approximateArrivalTimestamp", ...}, ...}` | as `Data` | as `Data` | as `Data` |
//! | `eventType` (or `notificationType`) with `mail` | SES event record, as a configuration set's Firehose destination writes it | not an event | — (touches: the user tag, `mail.tags.username` by default) | `open` / `click` `.timestamp`, else `mail.timestamp` |
//! | `Type` with `Message` | SNS notification whose `Message` is an SES event record (JSON string) | as SES | as SES | as SES |
//!
//! Amplify stream data is nested, `{"name", "attributes", "metrics", "timestamp"?}`, where
//! the `campaign`, `campaign_id` and `user_id` attributes are strings (other attributes are
//! not read), metrics are numbers, and `timestamp` (optional, put there by the app) is epoch
//! milliseconds or an RFC 3339 string; or flat, as Amplify's Pinpoint migration guide
//! records it (`{"name": "albumVisit", "genre": "jazz", "minutesListened": 30}`): its string
//! fields are the attributes (`campaign`, `campaign_id`, `user_id` at the top level), its
//! number fields the metrics (for the revenue metric), other values are skipped. The shape
//! is told per record ([`crate::event::DataShape::detect`]): nested when the data has an
//! `attributes` or a `metrics` key, flat otherwise. Touch reconstruction takes the user id from its own
//! `user_attribute` (default `user_id`, the attribute it reads on Pinpoint records too),
//! else the `PartitionKey`.
//!
//! A Kinesis record's `Data` is strict base64 of Amplify stream data, or of a Pinpoint
//! record (Pinpoint streaming to a Kinesis data stream: then the record's own fields count).
//! `ApproximateArrivalTimestamp` is epoch seconds (with a fraction; from 10^11 up,
//! milliseconds) or an RFC 3339 string. Names starting with `_` are not custom events, as
//! for Pinpoint. An object of none of these shapes, or with a field of the wrong type, makes
//! its line a skipped line whose reason names the field.
//!
//! SES event records (journeys sending email through SES) are never events: the report
//! reads them only for touch reconstruction, as journey touches (an Open or a Click whose
//! email carries the journey tag; see [`TouchAggregator`]), through [`crate::ses::plan`].
//! Without touch reconstruction they are accepted unread; with it, one that is not a touch
//! (Delivery, Send, no journey tag...) is ignored and a malformed one makes its line a
//! skipped line whose reason names the field.
//!
//! The user ids of different shapes are different keys (a Pinpoint endpoint id, the app's
//! `user_id`, a partition key): a user seen through two of them counts twice in
//! `converted_users`.

mod aggregate;
mod base64;
mod pricing;
pub mod record;
mod shapes;
pub mod sql;
mod touches;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use aggregate::Aggregator;
pub use touches::{
    TouchAggregator, TouchAttribution, TouchCampaign, TouchModel, TouchOptions, user_id_of_endpoint,
};

/// What counts as a conversion and what is revenue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOptions {
    /// Goal event types; empty means every attributed custom event is a goal.
    #[serde(default)]
    pub goals: Vec<String>,
    /// The metric summed over attributed goal events as revenue; `None`: revenue unknown.
    #[serde(default)]
    pub revenue_metric: Option<String>,
}

/// One row of the marketer's costs: `campaign` is a label or a journey id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    pub campaign: String,
    pub cost: f64,
}

/// The report, as `journey-attribution report --format json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Highest revenue first, then most attributed events, then by label and id.
    pub campaigns: Vec<CampaignReport>,
    /// Non-blank lines that were not event records of a known shape (see the module docs).
    pub skipped_lines: u64,
    /// Non-blank lines read.
    pub lines: u64,
    /// Records read (a line may hold several concatenated records).
    pub events: u64,
    /// Records whose type does not start with `_`.
    pub custom_events: u64,
    /// Custom events carrying a campaign.
    pub attributed_events: u64,
    pub goals: Vec<String>,
    pub revenue_metric: Option<String>,
    /// Touch reconstruction from journey email events; only when asked for
    /// ([`Aggregator::with_touches`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touch_attribution: Option<TouchAttribution>,
    /// Cost rows whose `campaign` matched no journey id and no label of the events.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmatched_costs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignReport {
    /// The label (most frequent one when a journey's label changed).
    pub campaign: String,
    /// The journey id; `null` for events stamped with a label only, and for cost rows
    /// that matched no event.
    pub campaign_id: Option<String>,
    pub attributed_events: u64,
    pub events_by_type: BTreeMap<String, u64>,
    /// Distinct users with an attributed goal event: `client.client_id` of Pinpoint records,
    /// `attributes.user_id` (else the Kinesis `PartitionKey`) of Amplify stream records.
    pub converted_users: u64,
    /// Sum of the revenue metric over attributed goal events, rounded to 1e-6 so that the
    /// result does not depend on how the input was split; `null` without a revenue metric.
    pub revenue: Option<f64>,
    pub cost: Option<f64>,
    /// (revenue - cost) / cost; `null` when revenue or cost is unknown, or cost is zero.
    pub roi: Option<f64>,
}

/// A line that is not made of event records of a known shape, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct SkippedLine {
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReportError {
    #[error("cost for {campaign:?} is {cost}: a cost must be a finite number >= 0")]
    InvalidCost { campaign: String, cost: f64 },
    #[error(
        "cost row {campaign:?} matches the label of several journeys ({journey_ids}); \
         give one row per journey id instead"
    )]
    AmbiguousCost {
        campaign: String,
        journey_ids: String,
    },
}

#[cfg(test)]
mod shape_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod touch_tests;

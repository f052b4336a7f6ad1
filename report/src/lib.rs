//! The ROI report: event-stream lines in, per-campaign attributed events, conversions,
//! revenue, cost and ROI out.
//!
//! Pure and streaming: feed lines to an [`Aggregator`] (memory grows with campaigns, event
//! types and distinct converted users, never with events), [`Aggregator::merge`] partial
//! aggregates built in parallel, then [`Aggregator::finish`] with the marketer's costs.
//!
//! ```
//! use journey_attribution_report::{Aggregator, Cost, ReportOptions};
//!
//! let mut agg = Aggregator::new(ReportOptions {
//!     goals: vec!["purchase".into()],
//!     revenue_metric: Some("revenue".into()),
//!     ..Default::default()
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
//! is told per record ([`journey_attribution_core::event::DataShape::detect`]): nested when the data has an
//! `attributes` or a `metrics` key, flat otherwise. Touch reconstruction takes the user id from its own
//! `user_attribute` (default `user_id`, the attribute it reads on Pinpoint records too),
//! else the `PartitionKey`.
//!
//! A Kinesis record's `Data` is strict base64 of Amplify stream data, or of a Pinpoint
//! record (Pinpoint streaming to a Kinesis data stream: then the record's own fields count).
//! `ApproximateArrivalTimestamp` is epoch seconds (with a fraction; from 10^11 up,
//! milliseconds) or an RFC 3339 string. Names starting with `_` are not custom events, as
//! for Pinpoint. An object of none of these shapes, or with a field of the wrong type, makes
//! its line a skipped line whose reason names the field. Records and the objects in them are
//! JSON objects: an array in their place (which serde's derive would have read as the
//! fields in order) is a wrong type.
//!
//! SES event records (journeys sending email through SES) are never events: the report
//! reads them only for touch reconstruction, as journey touches (an Open or a Click whose
//! email carries the journey tag; see [`TouchAggregator`]), through [`journey_attribution_core::ses::plan`].
//! Without touch reconstruction they are accepted unread; with it, one that is not a touch
//! (Delivery, Send, no journey tag...) is ignored and a malformed one makes its line a
//! skipped line whose reason names the field.
//!
//! The user ids of different shapes are different keys (a Pinpoint endpoint id, the app's
//! `user_id`, a partition key): a user seen through two of them counts twice in
//! `converted_users`.

mod aggregate;
mod base64;
mod field_path;
mod identity;
pub mod lift;
mod model;
mod pricing;
pub mod record;
mod shapes;
pub mod sql;
mod time;
mod touches;

pub use aggregate::Aggregator;
pub use model::{
    CampaignReport, Cost, DEFAULT_MAX_REVENUE, MAX_REVENUE_LIMIT, Report, ReportError,
    ReportOptions, SkippedLine, TouchAttribution, TouchCampaign, TouchModel,
};
pub use touches::{TouchAggregator, TouchOptions, user_id_of_endpoint};

/// For the `field_path` fuzz target: the field path of the first error in `text`, read as
/// each shape the report reads, is `serde_path_to_error`'s; `Err` names the shape and both.
#[cfg(feature = "path-oracle")]
#[doc(hidden)]
pub fn check_field_paths(text: &str) -> Result<(), String> {
    for (name, schema, expected) in shapes::oracle::shapes() {
        let (got, want) = (field_path::error_path(text, schema), expected(text));
        if got != want {
            return Err(format!("{name}: {got:?}, serde_path_to_error {want:?}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod shape_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod touch_tests;

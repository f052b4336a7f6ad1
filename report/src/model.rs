//! The report's data: what the caller asks ([`ReportOptions`], [`Cost`]) and what it gets
//! ([`Report`]), as `journey-attribution report --format json` prints it.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What counts as a conversion, what is revenue, and how events are told apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportOptions {
    /// Goal event types; empty means every attributed custom event is a goal.
    #[serde(default)]
    pub goals: Vec<String>,
    /// The metric summed over attributed goal events as revenue; `None`: revenue unknown.
    #[serde(default)]
    pub revenue_metric: Option<String>,
    /// The attribute holding a goal event's order id: goal events sharing one count once
    /// (the earliest). Default `order_id`.
    #[serde(default = "default_order_attribute")]
    pub order_attribute: String,
    /// The event type of a refund: a refund carrying an order id takes that order's revenue
    /// off the campaign that earned it. `None` (the default): no refunds.
    #[serde(default)]
    pub refund_event: Option<String>,
    /// The largest revenue one event may carry; a value that is not a finite number in
    /// `[0, max_revenue]` is skipped (the event still counts). Default 1,000,000; at most
    /// [`MAX_REVENUE_LIMIT`].
    #[serde(default = "default_max_revenue")]
    pub max_revenue: f64,
}

/// Default of [`ReportOptions::max_revenue`].
pub const DEFAULT_MAX_REVENUE: f64 = 1e6;
/// The largest [`ReportOptions::max_revenue`]: revenue is summed exactly in millionths in
/// 128-bit integers, one event's value must fit 64 bits.
pub const MAX_REVENUE_LIMIT: f64 = 1e12;

fn default_order_attribute() -> String {
    super::record::DEFAULT_ORDER_ATTRIBUTE.to_owned()
}

fn default_max_revenue() -> f64 {
    DEFAULT_MAX_REVENUE
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            goals: Vec::new(),
            revenue_metric: None,
            order_attribute: default_order_attribute(),
            refund_event: None,
            max_revenue: DEFAULT_MAX_REVENUE,
        }
    }
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
    /// Inputs (files, S3 objects) reached again through another path, prefix or link, and
    /// not read again; the CLI sets it. Absent when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub repeated_inputs: u64,
    /// Records read (a line may hold several concatenated records).
    pub events: u64,
    /// Records whose type does not start with `_`.
    pub custom_events: u64,
    /// Custom events carrying a campaign, each event once.
    pub attributed_events: u64,
    /// Attributed, goal or refund records not counted because they repeat one counted
    /// already: the same event id, else the same content, or a goal event's order id.
    #[serde(default)]
    pub duplicates: u64,
    /// Orders whose revenue a refund took off the campaign that earned it.
    #[serde(default)]
    pub refunds: u64,
    /// Refunds whose order earned no attributed revenue (unknown order, or not attributed).
    #[serde(default)]
    pub unmatched_refunds: u64,
    /// Revenue values skipped: not a finite number in `[0, max_revenue]` (their events
    /// still count, with no revenue).
    #[serde(default)]
    pub skipped_revenue: u64,
    pub goals: Vec<String>,
    pub revenue_metric: Option<String>,
    /// Touch reconstruction from journey email events; only when asked for
    /// ([`Aggregator::with_touches`](super::Aggregator::with_touches)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touch_attribution: Option<TouchAttribution>,
    /// What each campaign caused, from its holdout; only with an exposure log
    /// ([`Aggregator::with_lift`](super::Aggregator::with_lift)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lift: Option<Vec<crate::lift::LiftRow>>,
    /// Cost rows whose `campaign` matched no journey id and no label of the events.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmatched_costs: Vec<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
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
        "cost row {campaign:?} matches several campaigns ({matches}): a cost row must match \
         exactly one campaign, by journey id or by label; give one row per journey id instead"
    )]
    AmbiguousCost {
        campaign: String,
        /// The campaigns it matches, `label (journey id)` each.
        matches: String,
    },
    #[error("max revenue {0}: expected a finite number in [0, 1e12]")]
    InvalidMaxRevenue(f64),
}

/// How a conversion's credit is shared among the touches before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TouchModel {
    First,
    Last,
    Linear,
}

impl fmt::Display for TouchModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TouchModel::First => "first",
            TouchModel::Last => "last",
            TouchModel::Linear => "linear",
        })
    }
}

impl FromStr for TouchModel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "first" => Ok(TouchModel::First),
            "last" => Ok(TouchModel::Last),
            "linear" => Ok(TouchModel::Linear),
            _ => Err(format!("touch model {s:?}: expected first, last or linear")),
        }
    }
}

/// The `touch_attribution` section of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TouchAttribution {
    pub model: TouchModel,
    /// The lookback window, as given (`30d`).
    pub lookback: String,
    /// Goal events (conversions) read.
    pub conversions: u64,
    /// Conversions credited to at least one journey touch.
    pub joined_conversions: u64,
    /// `conversions - joined_conversions`.
    pub unjoined_conversions: u64,
    /// Conversions whose record had no resolvable user id (part of the unjoined ones).
    pub conversions_without_user: u64,
    /// Journey email touches read (opens/clicks with a journey id and a timestamp).
    pub touches: u64,
    /// Touches whose record had no resolvable user id.
    pub touches_without_user: u64,
    /// Most credited first.
    pub campaigns: Vec<TouchCampaign>,
    /// What the numbers mean, and why conversions could not be joined.
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TouchCampaign {
    /// The journey id.
    pub campaign_id: String,
    /// Credited conversions (fractional under the linear model), rounded to 1e-6.
    pub conversions: f64,
    /// Credited share of the conversions' revenue; `null` without a revenue metric.
    pub revenue: Option<f64>,
}

//! The report as one SQL query, for Athena over the Firehose prefix (and for users who run
//! it themselves: QuickSight, scheduled queries), and the query's rows read back into the
//! same [`Report`] as the streaming [`Aggregator`](super::Aggregator) gives.
//!
//! The query keeps to the SQL that Trino (Athena engine 3) and DuckDB share, so the tests
//! run it in DuckDB over the generated files and require the streaming report's answer per
//! campaign. It reads the table [`columns`] describes (what `journey-attribution athena
//! setup` creates in Glue): the JSON SerDe maps each line's top-level keys to columns, so
//! one table holds Pinpoint records, nested Amplify data and flat Amplify data, told apart
//! as the streaming report tells them (see the module docs of [`super`]):
//!
//! - Pinpoint: `event_type` is there; user `client.client_id`;
//! - Amplify nested: `name`, with an `attributes` or `metrics` object; user
//!   `attributes.user_id`;
//! - Amplify flat: `name` and neither; `campaign`, `campaign_id`, `user_id` and the revenue
//!   metric at the top level.
//!
//! A line the SerDe cannot read (Athena's `ignore.malformed.json` gives it a row of nulls)
//! or of no known shape has no event type: counted in `lines`, not in `events`, like the
//! streaming report's skipped lines. Kinesis envelopes and SES records are not events
//! there either (Firehose writes the decoded data; SES records have no `event_type`).
//!
//! The result has one `totals` row, one `campaign` row per campaign (journey id, else
//! label, named by its most frequent label as [`super::CampaignReport::campaign`]) and one
//! `event_type` row per campaign and attributed event type; [`report_from_rows`] reads them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::model::MAX_REVENUE_LIMIT;
use super::model::{CampaignReport, Cost, Report, ReportError, ReportOptions};
use super::pricing::{self, round6};
use super::record::{DEFAULT_ORDER_ATTRIBUTE, EVENT_ID_ATTRIBUTE, USER_ID_ATTRIBUTE};
use journey_attribution_core::stamp::{CAMPAIGN_ATTRIBUTE, CAMPAIGN_ID_ATTRIBUTE};

pub mod lift;

/// The partition column over Firehose's `YYYY/MM/DD/HH/` key prefixes (Athena's partition
/// projection, type `date`).
pub const PARTITION_COLUMN: &str = "datehour";
/// [`PARTITION_COLUMN`]'s format, in Athena's projection syntax (Java's date pattern).
pub const PARTITION_FORMAT: &str = "yyyy/MM/dd/HH";
/// The result's columns, in order.
pub const RESULT_COLUMNS: [&str; 14] = [
    "row_kind",
    "campaign_id",
    "campaign",
    "event_type",
    "lines",
    "events",
    "custom_events",
    "attributed_events",
    "converted_users",
    "revenue",
    "duplicates",
    "refunds",
    "unmatched_refunds",
    "skipped_revenue",
];

/// A column of the events table, with its Hive type as Glue stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub hive_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqlError {
    #[error(
        "revenue metric {0:?}: an Athena column name is letters, digits and `_`, not starting with a digit"
    )]
    MetricName(String),
    #[error(
        "revenue metric {0:?}: the events table already has a column of that name; name the metric differently"
    )]
    MetricClash(String),
    #[error("{what} {name:?}: a Glue name is lowercase letters, digits and `_`")]
    Name { what: &'static str, name: String },
    #[error("location {0:?}: expected s3://<bucket>/<prefix>/, where Firehose writes")]
    Location(String),
    #[error("hours {0:?}: expected YYYY/MM/DD/HH")]
    Hour(String),
    #[error(
        "order attribute {0:?}: an Athena column name is letters, digits and `_`, not starting with a digit"
    )]
    OrderName(String),
    #[error("max revenue {0}: expected a finite number in [0, 1e12]")]
    MaxRevenue(String),
    #[error(
        "exposure log location {0:?}: expected s3://<bucket>/<prefix>/, where the log is written"
    )]
    ExposureLocation(String),
    #[error(
        "user attribute {0:?}: an Athena column name is letters, digits and `_`, not starting with a digit, and not a column the table already has"
    )]
    UserAttribute(String),
}

/// The revenue metric's column: Glue lowercases column names, and the JSON SerDe matches
/// keys case-insensitively, so `totalPrice` is read from the column `totalprice`.
fn metric_column(metric: &str) -> Result<String, SqlError> {
    let mut chars = metric.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        return Err(SqlError::MetricName(metric.to_owned()));
    }
    let column = metric.to_ascii_lowercase();
    let fixed = [
        "event_type",
        "name",
        "client",
        "attributes",
        "metrics",
        "event_timestamp",
        "timestamp",
        EVENT_ID_ATTRIBUTE,
    ];
    if fixed.contains(&column.as_str())
        || [CAMPAIGN_ATTRIBUTE, CAMPAIGN_ID_ATTRIBUTE, USER_ID_ATTRIBUTE].contains(&column.as_str())
        || column == PARTITION_COLUMN
    {
        return Err(SqlError::MetricClash(metric.to_owned()));
    }
    Ok(column)
}

/// The order attribute's column (and its key under `attributes`), checked as a metric's.
fn order_column(name: &str) -> Result<String, SqlError> {
    let column = metric_column(name).map_err(|_| SqlError::OrderName(name.to_owned()))?;
    Ok(column)
}

/// The events table's columns (the partition column aside): what the report reads of each
/// shape, and nothing else. `revenue_metric` adds a `double` to `metrics` and at the top
/// level (flat data).
pub fn columns(revenue_metric: Option<&str>) -> Result<Vec<Column>, SqlError> {
    let metric = revenue_metric.map(metric_column).transpose()?;
    let col = |name: &str, hive_type: String| Column {
        name: name.to_owned(),
        hive_type,
    };
    let string = || "string".to_owned();
    let mut out = vec![
        col("event_type", string()),
        col("name", string()),
        col("client", "struct<client_id:string>".to_owned()),
        col(
            "attributes",
            format!(
                "struct<{CAMPAIGN_ATTRIBUTE}:string,{CAMPAIGN_ID_ATTRIBUTE}:string,{USER_ID_ATTRIBUTE}:string,{EVENT_ID_ATTRIBUTE}:string,{DEFAULT_ORDER_ATTRIBUTE}:string>"
            ),
        ),
    ];
    match &metric {
        Some(m) => out.push(col("metrics", format!("struct<{m}:double>"))),
        // Amplify's nested data is told by `metrics` as much as by `attributes`.
        None => out.push(col("metrics", "map<string,double>".to_owned())),
    }
    out.push(col(CAMPAIGN_ATTRIBUTE, string()));
    out.push(col(CAMPAIGN_ID_ATTRIBUTE, string()));
    out.push(col(USER_ID_ATTRIBUTE, string()));
    // What tells events apart: ids, order ids (`athena setup` creates the default order
    // attribute's), times (strings: the SerDe reads a number into a string column, and a
    // string time into a number column would void the row).
    out.push(col(EVENT_ID_ATTRIBUTE, string()));
    out.push(col(DEFAULT_ORDER_ATTRIBUTE, string()));
    out.push(col("event_timestamp", string()));
    out.push(col("timestamp", string()));
    if let Some(m) = metric {
        out.push(col(&m, "double".to_owned()));
    }
    Ok(out)
}

/// A Glue database or table name (Glue keeps them lowercase).
pub fn check_name(what: &'static str, name: &str) -> Result<(), SqlError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(SqlError::Name {
            what,
            name: name.to_owned(),
        })
    }
}

/// `YYYY/MM/DD/HH`, the partition column's value for an hour.
fn check_hour(hour: &str) -> Result<(), SqlError> {
    let b = hour.as_bytes();
    let ok = b.len() == 13
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 | 10 => *c == b'/',
            _ => c.is_ascii_digit(),
        });
    if ok {
        Ok(())
    } else {
        Err(SqlError::Hour(hour.to_owned()))
    }
}

/// The events table as Glue holds it (`journey-attribution athena setup` creates it; the
/// SAM template's `AWS::Glue::Table` is checked against [`GlueTable::to_json`]): JSON lines
/// read by the OpenX JSON SerDe, plain or gzip, under Firehose's `YYYY/MM/DD/HH/` prefixes,
/// found by partition projection (no crawler, no `MSCK REPAIR`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlueTable {
    pub name: String,
    /// `s3://bucket/prefix/`, ending in `/`.
    pub location: String,
    pub columns: Vec<Column>,
    /// The first projected hour, `YYYY/MM/DD/HH`; the projection runs to `NOW`.
    pub since: String,
}

pub const SERDE: &str = "org.openx.data.jsonserde.JsonSerDe";
pub const INPUT_FORMAT: &str = "org.apache.hadoop.mapred.TextInputFormat";
pub const OUTPUT_FORMAT: &str = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";

impl GlueTable {
    pub fn new(
        name: &str,
        location: &str,
        revenue_metric: Option<&str>,
        since: &str,
    ) -> Result<Self, SqlError> {
        check_name("table", name)?;
        check_hour(since)?;
        let location =
            s3_prefix(location).ok_or_else(|| SqlError::Location(location.to_owned()))?;
        Ok(Self {
            name: name.to_owned(),
            location,
            columns: columns(revenue_metric)?,
            since: since.to_owned(),
        })
    }

    /// Also reads the user attribute `name` (lift's join key, `--user-attribute`), under
    /// `attributes` and at the top level, as `user_id` is read; `user_id` itself is there.
    pub fn with_user_attribute(mut self, name: &str) -> Result<Self, SqlError> {
        let column = lift::user_column(name)?;
        if column == USER_ID_ATTRIBUTE {
            return Ok(self);
        }
        if self.columns.iter().any(|c| c.name == column) {
            return Err(SqlError::UserAttribute(name.to_owned()));
        }
        for c in &mut self.columns {
            if c.name == "attributes" {
                let fields = c.hive_type.trim_end_matches('>').to_owned();
                c.hive_type = format!("{fields},{column}:string>");
            }
        }
        let at = self
            .columns
            .iter()
            .position(|c| c.name == USER_ID_ATTRIBUTE)
            .map_or(self.columns.len(), |i| i + 1);
        self.columns.insert(
            at,
            Column {
                name: column,
                hive_type: "string".to_owned(),
            },
        );
        Ok(self)
    }

    /// The table's parameters: partition projection over the date path.
    pub fn parameters(&self) -> Vec<(String, String)> {
        let p = PARTITION_COLUMN;
        let projection = |key: &str, value: String| (format!("projection.{p}.{key}"), value);
        vec![
            ("EXTERNAL".to_owned(), "TRUE".to_owned()),
            ("classification".to_owned(), "json".to_owned()),
            ("projection.enabled".to_owned(), "true".to_owned()),
            projection("type", "date".to_owned()),
            projection("format", PARTITION_FORMAT.to_owned()),
            projection("range", format!("{},NOW", self.since)),
            projection("interval", "1".to_owned()),
            projection("interval.unit", "HOURS".to_owned()),
            (
                "storage.location.template".to_owned(),
                format!("{}${{{p}}}/", self.location),
            ),
        ]
    }

    /// The SerDe's parameters: a malformed line is a row of nulls (counted in `lines`, not
    /// in `events`), not a failed query.
    pub fn serde_parameters(&self) -> Vec<(String, String)> {
        vec![
            ("ignore.malformed.json".to_owned(), "true".to_owned()),
            ("case.insensitive".to_owned(), "true".to_owned()),
        ]
    }

    /// Glue's `TableInput`, as `aws glue create-table --table-input` takes it.
    pub fn to_json(&self) -> serde_json::Value {
        table_input(
            &self.name,
            &self.columns,
            &self.location,
            self.parameters(),
            self.serde_parameters(),
            serde_json::json!([{"Name": PARTITION_COLUMN, "Type": "string"}]),
        )
    }
}

/// `location` as a table's S3 prefix (`s3://bucket/…`, ending in `/`); `None` when it is not
/// one.
pub(crate) fn s3_prefix(location: &str) -> Option<String> {
    let rest = location.strip_prefix("s3://")?;
    if rest.is_empty() || rest.starts_with('/') {
        return None;
    }
    let mut location = location.to_owned();
    if !location.ends_with('/') {
        location.push('/');
    }
    Some(location)
}

/// Glue's `TableInput` of a JSON-lines table over `location`.
pub(crate) fn table_input(
    name: &str,
    columns: &[Column],
    location: &str,
    parameters: Vec<(String, String)>,
    serde_parameters: Vec<(String, String)>,
    partition_keys: serde_json::Value,
) -> serde_json::Value {
    let map = |pairs: Vec<(String, String)>| -> serde_json::Map<String, serde_json::Value> {
        pairs
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect()
    };
    let columns: Vec<serde_json::Value> = columns
        .iter()
        .map(|c| serde_json::json!({"Name": c.name, "Type": c.hive_type}))
        .collect();
    serde_json::json!({
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": map(parameters),
        "PartitionKeys": partition_keys,
        "StorageDescriptor": {
            "Columns": columns,
            "Location": location,
            "InputFormat": INPUT_FORMAT,
            "OutputFormat": OUTPUT_FORMAT,
            "SerdeInfo": {
                "SerializationLibrary": SERDE,
                "Parameters": map(serde_parameters),
            },
        },
    })
}

/// What a query reads: the table, and the hours (inclusive, `YYYY/MM/DD/HH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryInput<'a> {
    pub database: &'a str,
    pub table: &'a str,
    pub hours: Option<(&'a str, &'a str)>,
}

/// A SQL string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// What both queries read of each event (see the module docs): the CTEs `raw`, `fields`
/// and `timed`, as one text, so that the report and lift read a record alike.
pub(crate) struct EventCtes<'a> {
    pub input: &'a QueryInput<'a>,
    pub options: &'a ReportOptions,
    /// Lift's user attribute (its column): adds `lift_user` and `lift_revenue`, read as the
    /// streaming lift reads them (nested when the record has `attributes` or `metrics`).
    pub lift_user: Option<&'a str>,
}

impl EventCtes<'_> {
    /// `raw AS (...),\nfields AS (...),\ntimed AS (...)`, without `WITH`.
    pub(crate) fn sql(&self) -> Result<String, SqlError> {
        let (input, options) = (self.input, self.options);
        check_name("database", input.database)?;
        check_name("table", input.table)?;
        let metric = options
            .revenue_metric
            .as_deref()
            .map(metric_column)
            .transpose()?;
        let mut where_ = String::new();
        if let Some((from, to)) = input.hours {
            check_hour(from)?;
            check_hour(to)?;
            where_ = format!(
                "\n  WHERE {PARTITION_COLUMN} BETWEEN {} AND {}",
                literal(from),
                literal(to)
            );
        }
        let goal = goal_condition(options);
        let (nested_revenue, flat_revenue) = match &metric {
            Some(m) => (format!("metrics.{m}"), m.clone()),
            None => (
                "CAST(NULL AS double)".to_owned(),
                "CAST(NULL AS double)".to_owned(),
            ),
        };
        let (db, table) = (input.database, input.table);
        let (c, cid, uid) = (CAMPAIGN_ATTRIBUTE, CAMPAIGN_ID_ATTRIBUTE, USER_ID_ATTRIBUTE);
        let eid = EVENT_ID_ATTRIBUTE;
        let order = order_column(&options.order_attribute)?;
        let refund = options
            .refund_event
            .as_deref()
            .map_or_else(|| "CAST(NULL AS varchar)".to_owned(), literal);
        let (lift_raw, lift_fields) = match self.lift_user {
            Some(u) => (
                format!(
                    "
    (event_type IS NOT NULL OR attributes IS NOT NULL OR metrics IS NOT NULL) AS lift_nested,
    attributes.{u} AS lift_nested_user,
    {u} AS lift_flat_user,"
                ),
                "
    nullif(CASE WHEN lift_nested THEN lift_nested_user ELSE lift_flat_user END, '') AS lift_user,
    CASE WHEN lift_nested THEN nested_revenue ELSE flat_revenue END AS lift_revenue,"
                    .to_owned(),
            ),
            None => (String::new(), String::new()),
        };
        Ok(format!(
            "raw AS (
  SELECT
    coalesce(event_type, name) AS event_name,
    event_type IS NOT NULL AS pinpoint,{lift_raw}
    (event_type IS NOT NULL OR attributes IS NOT NULL OR metrics IS NOT NULL) AS nested,
    client.client_id AS client_id,
    attributes.{c} AS nested_label,
    attributes.{cid} AS nested_id,
    attributes.{uid} AS nested_user,
    attributes.{eid} AS nested_event_id,
    attributes.{order} AS nested_order,
    {nested_revenue} AS nested_revenue,
    {c} AS flat_label,
    {cid} AS flat_id,
    {uid} AS flat_user,
    {eid} AS top_event_id,
    {order} AS flat_order,
    {flat_revenue} AS flat_revenue,
    event_timestamp AS pinpoint_time,
    \"timestamp\" AS data_time
  FROM \"{db}\".\"{table}\"{where_}
),
fields AS (
  SELECT
    event_name,{lift_fields}
    coalesce(substr(event_name, 1, 1) <> '_', FALSE) AS custom,
    coalesce(event_name = {refund}, FALSE) AS refund_type,
    nullif(CASE WHEN nested THEN nested_label ELSE flat_label END, '') AS label,
    nullif(CASE WHEN nested THEN nested_id ELSE flat_id END, '') AS journey_id,
    CASE WHEN pinpoint THEN client_id WHEN nested THEN nested_user ELSE flat_user END AS user_key,
    CASE WHEN nested THEN nested_revenue ELSE flat_revenue END AS revenue,
    CASE WHEN pinpoint THEN coalesce(nullif(top_event_id, ''), nullif(nested_event_id, ''))
         WHEN nested THEN nullif(nested_event_id, '') ELSE nullif(top_event_id, '') END AS event_id,
    nullif(CASE WHEN nested THEN nested_order ELSE flat_order END, '') AS order_id,
    CASE WHEN pinpoint THEN pinpoint_time ELSE data_time END AS time_text
  FROM raw
),
timed AS (
  SELECT
    *,
    custom AND label IS NOT NULL AS attributed,
    custom AND NOT refund_type AND {goal} AS goal,
    custom AND refund_type AS refund,
    -- Seconds below 10^11, else milliseconds; RFC 3339 in UTC or 'YYYY-MM-DD HH:MM:SS'.
    CASE
      WHEN try_cast(time_text AS double) IS NULL THEN date_diff('millisecond',
        TIMESTAMP '1970-01-01 00:00:00',
        try_cast(replace(replace(time_text, 'T', ' '), 'Z', '') AS timestamp))
      WHEN abs(try_cast(time_text AS double)) >= 1e16 THEN NULL
      WHEN abs(try_cast(time_text AS double)) < 1e11 THEN round(try_cast(time_text AS double) * 1000)
      ELSE round(try_cast(time_text AS double))
    END AS time_ms
  FROM fields
)"
        ))
    }
}

/// The goal events' condition on `event_name` (every custom event without `--goal`).
pub(crate) fn goal_condition(options: &ReportOptions) -> String {
    if options.goals.is_empty() {
        "TRUE".to_owned()
    } else {
        let list: Vec<String> = options.goals.iter().map(|g| literal(g)).collect();
        format!("event_name IN ({})", list.join(", "))
    }
}

/// An event's identity (its id, else its content: the columns read), over `keyed`'s columns.
pub(crate) const IDENTITY: &str =
    "coalesce('i:' || event_id, 'c:' || coalesce(event_name, '') || chr(31) || coalesce(label, '')
      || chr(31) || coalesce(journey_id, '') || chr(31) || coalesce(user_key, '') || chr(31)
      || coalesce(CAST(revenue AS varchar), '') || chr(31) || coalesce(order_id, '') || chr(31)
      || coalesce(time_text, ''))";

/// The report's query (see the module docs), for the same `options` as the streaming
/// report. Costs are joined afterwards ([`report_from_rows`]), as the CLI reads them.
pub fn query(input: &QueryInput<'_>, options: &ReportOptions) -> Result<String, SqlError> {
    let events = EventCtes {
        input,
        options,
        lift_user: None,
    }
    .sql()?;
    let max = options.max_revenue;
    if !(0.0..=MAX_REVENUE_LIMIT).contains(&max) {
        return Err(SqlError::MaxRevenue(max.to_string()));
    }
    let mut q = String::new();
    // The counting rules of the streaming report (see `Aggregator`): counted records (attributed,
    // or a goal or refund with an order id) once per identity, then goal events once per
    // order; both keep the record of smallest rank (time, campaign, label, type, revenue), as
    // the streaming report does. The table is scanned twice (the refunded orders).
    let _ = write!(
        q,
        "-- journey-attribution report as SQL: Athena engine 3 (Trino); DuckDB runs it unchanged.
-- Rows: row_kind 'totals' (one), 'campaign' (one per campaign: journey id, else label),
-- 'event_type' (per campaign and attributed event type).
-- Every event once: by event id, else by content (the columns read); goal events once per
-- order id (the earliest); refunds take their order's revenue off its campaign.
WITH {events},
keyed AS (
  SELECT
    *,
    attributed OR (order_id IS NOT NULL AND (goal OR refund)) AS counted,
    CASE WHEN goal AND revenue >= 0 AND revenue <= {max:e} THEN round(revenue * 1000000) END AS revenue_micro,
    coalesce(goal AND revenue IS NOT NULL AND NOT (revenue >= 0 AND revenue <= {max:e}), FALSE) AS revenue_skipped,
    CASE WHEN attributed THEN coalesce(journey_id, label) ELSE '' END AS group_name,
    CASE WHEN attributed THEN label ELSE '' END AS label_name,
    {IDENTITY} AS identity
  FROM timed
),
once AS (
  SELECT
    *,
    CASE WHEN counted THEN row_number() OVER (
      PARTITION BY counted, identity
      ORDER BY time_ms ASC NULLS LAST, group_name, label_name, event_name, coalesce(revenue_micro, -1)
    ) ELSE 1 END AS copy
  FROM keyed
),
ordered AS (
  SELECT
    *,
    CASE WHEN copy = 1 AND goal AND order_id IS NOT NULL THEN row_number() OVER (
      PARTITION BY (copy = 1 AND goal AND order_id IS NOT NULL), order_id
      ORDER BY time_ms ASC NULLS LAST, group_name, label_name, event_name, coalesce(revenue_micro, -1), identity
    ) ELSE 1 END AS order_copy
  FROM once
),
refunded AS (
  SELECT DISTINCT order_id FROM ordered WHERE copy = 1 AND refund AND order_id IS NOT NULL
),
marked AS (
  SELECT
    o.*,
    o.counted AND (o.copy > 1 OR o.order_copy > 1) AS dup,
    CASE WHEN o.copy = 1 AND o.refund AND o.order_id IS NOT NULL THEN o.order_id END AS refund_order,
    CASE WHEN o.copy = 1 AND o.order_copy = 1 AND o.attributed AND o.goal AND o.revenue_micro > 0
      AND r.order_id IS NOT NULL THEN o.revenue_micro END AS refunded_micro
  FROM ordered AS o LEFT JOIN refunded AS r ON o.order_id = r.order_id
),
records AS (
  SELECT
    event_name,
    custom,
    kept_attributed AS attributed,
    dup,
    refund_order,
    refunded_micro,
    counted AND NOT dup AND revenue_skipped AS revenue_skipped,
    CASE WHEN kept_attributed THEN journey_id END AS group_id,
    CASE WHEN kept_attributed AND journey_id IS NULL THEN label END AS group_label,
    CASE WHEN kept_attributed THEN label END AS attributed_label,
    CASE WHEN kept_attributed THEN event_name END AS attributed_type,
    CASE WHEN kept_attributed AND goal THEN user_key END AS converted_user,
    CASE WHEN kept_attributed AND goal THEN revenue_micro END AS goal_micro
  FROM (SELECT *, attributed AND NOT dup AS kept_attributed FROM marked) AS m
),
grouped AS (
  SELECT
    grouping(group_id, group_label, attributed_label, attributed_type) AS grouping_level,
    group_id,
    group_label,
    attributed_label,
    attributed_type,
    count(*) AS lines,
    count(event_name) AS events,
    count(CASE WHEN custom THEN 1 END) AS custom_events,
    count(CASE WHEN attributed THEN 1 END) AS attributed_events,
    count(DISTINCT converted_user) AS converted_users,
    sum(CAST(goal_micro AS decimal(38, 0))) AS revenue_micro,
    sum(CAST(refunded_micro AS decimal(38, 0))) AS refunded_micro,
    count(CASE WHEN dup THEN 1 END) AS duplicates,
    count(refunded_micro) AS refunds,
    count(DISTINCT refund_order) AS refunded_orders,
    count(CASE WHEN revenue_skipped THEN 1 END) AS skipped_revenue
  FROM records
  GROUP BY GROUPING SETS (
    (group_id, group_label, attributed_label),
    (group_id, group_label, attributed_type),
    (group_id, group_label),
    ()
  )
),
named AS (
  SELECT
    *,
    CAST(revenue_micro - coalesce(refunded_micro, 0) AS double) / 1000000 AS revenue,
    first_value(attributed_label) OVER (
      PARTITION BY group_id, group_label
      ORDER BY CASE WHEN grouping_level = 1 THEN 0 ELSE 1 END, attributed_events DESC, attributed_label
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    ) AS campaign
  FROM grouped
)
SELECT
  CASE grouping_level WHEN 15 THEN 'totals' WHEN 3 THEN 'campaign' ELSE 'event_type' END AS row_kind,
  group_id AS campaign_id,
  CASE WHEN grouping_level <> 15 THEN campaign END AS campaign,
  attributed_type AS event_type,
  lines,
  events,
  custom_events,
  attributed_events,
  converted_users,
  revenue,
  CASE WHEN grouping_level = 15 THEN duplicates END AS duplicates,
  CASE WHEN grouping_level = 15 THEN refunds END AS refunds,
  CASE WHEN grouping_level = 15 THEN refunded_orders - refunds END AS unmatched_refunds,
  CASE WHEN grouping_level = 15 THEN skipped_revenue END AS skipped_revenue
FROM named
WHERE grouping_level = 15
   OR (grouping_level IN (2, 3) AND (group_id IS NOT NULL OR group_label IS NOT NULL))
ORDER BY grouping_level DESC, revenue DESC NULLS LAST, attributed_events DESC, campaign, campaign_id, event_type
"
    );
    Ok(q)
}

/// A row of the query's result that [`report_from_rows`] cannot read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RowsError {
    #[error("the result has no column {0:?} (is it the query `--print-sql` writes?)")]
    MissingColumn(&'static str),
    #[error("result row {row}, column {column}: {value:?} is not {expected}")]
    Value {
        row: usize,
        column: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("result row {row}: row_kind {kind:?} is not totals, campaign or event_type")]
    Kind { row: usize, kind: String },
    #[error("result row {row}: an event_type row for a campaign with no campaign row")]
    Orphan { row: usize },
    #[error("the result has no totals row")]
    NoTotals,
    #[error(transparent)]
    Costs(#[from] ReportError),
}

/// The [`Report`] of the query's rows (`header`: the column names, in the result's order;
/// each row's values, `None` for SQL NULL), with `costs` matched as the streaming report
/// matches them. `lines` and `skipped_lines` are the engine's: DuckDB drops lines it cannot
/// parse, Athena's SerDe gives them a row of nulls.
pub fn report_from_rows<I>(
    header: &[String],
    rows: I,
    options: ReportOptions,
    costs: &[Cost],
) -> Result<Report, RowsError>
where
    I: IntoIterator<Item = Vec<Option<String>>>,
{
    let index = column_positions(header, &RESULT_COLUMNS).map_err(RowsError::MissingColumn)?;
    let has_revenue = options.revenue_metric.is_some();
    let mut totals = None;
    let mut counting = (0, 0, 0, 0);
    let mut campaigns: BTreeMap<(Option<String>, String), CampaignReport> = BTreeMap::new();
    let mut types = Vec::new();
    for (n, row) in rows.into_iter().enumerate() {
        let row_no = n + 1;
        let get = |i: usize| -> Option<&str> {
            row.get(index[i])
                .and_then(|v| v.as_deref())
                .filter(|v| !v.is_empty())
        };
        let count = |i: usize| -> Result<u64, RowsError> {
            let v = get(i).unwrap_or("0");
            v.parse().map_err(|_| RowsError::Value {
                row: row_no,
                column: RESULT_COLUMNS[i],
                value: v.to_owned(),
                expected: "a count",
            })
        };
        let text = |i: usize| -> Result<String, RowsError> {
            get(i).map(str::to_owned).ok_or(RowsError::Value {
                row: row_no,
                column: RESULT_COLUMNS[i],
                value: String::new(),
                expected: "a name",
            })
        };
        match get(0).unwrap_or("") {
            "totals" => {
                totals = Some((count(4)?, count(5)?, count(6)?, count(7)?));
                counting = (count(10)?, count(11)?, count(12)?, count(13)?);
            }
            "campaign" => {
                let revenue = match get(9) {
                    None => 0.0,
                    Some(v) => {
                        v.parse::<f64>()
                            .ok()
                            .filter(|r| r.is_finite())
                            .ok_or_else(|| RowsError::Value {
                                row: row_no,
                                column: RESULT_COLUMNS[9],
                                value: v.to_owned(),
                                expected: "a number",
                            })?
                    }
                };
                let key = (get(1).map(str::to_owned), text(2)?);
                campaigns.insert(
                    key.clone(),
                    CampaignReport {
                        campaign: key.1,
                        campaign_id: key.0,
                        attributed_events: count(7)?,
                        events_by_type: BTreeMap::new(),
                        converted_users: count(8)?,
                        revenue: has_revenue.then_some(round6(revenue)),
                        cost: None,
                        roi: None,
                    },
                );
            }
            "event_type" => {
                let key = (get(1).map(str::to_owned), text(2)?);
                types.push((row_no, key, text(3)?, count(7)?));
            }
            other => {
                return Err(RowsError::Kind {
                    row: row_no,
                    kind: other.to_owned(),
                });
            }
        }
    }
    for (row, key, event_type, n) in types {
        let campaign = campaigns.get_mut(&key).ok_or(RowsError::Orphan { row })?;
        *campaign.events_by_type.entry(event_type).or_default() += n;
    }
    let (lines, events, custom_events, attributed_events) = totals.ok_or(RowsError::NoTotals)?;
    let (duplicates, refunds, unmatched_refunds, skipped_revenue) = counting;
    let (campaigns, unmatched_costs) =
        pricing::price(campaigns.into_values().collect(), costs, has_revenue)?;
    Ok(Report {
        campaigns,
        skipped_lines: lines - events.min(lines),
        lines,
        repeated_inputs: 0,
        events,
        custom_events,
        attributed_events,
        duplicates,
        refunds,
        unmatched_refunds,
        skipped_revenue,
        goals: options.goals,
        revenue_metric: options.revenue_metric,
        touch_attribution: None,
        lift: None,
        unmatched_costs,
    })
}

/// Where each of `names` is in a result's `header` (Athena's names, any case); `Err`: the
/// first name it lacks.
fn column_positions<const N: usize>(
    header: &[String],
    names: &[&'static str; N],
) -> Result<[usize; N], &'static str> {
    let mut index = [0usize; N];
    for (slot, name) in index.iter_mut().zip(names) {
        *slot = header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or(*name)?;
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(goals: &[&str], metric: Option<&str>) -> ReportOptions {
        ReportOptions {
            goals: goals.iter().map(|g| g.to_string()).collect(),
            revenue_metric: metric.map(str::to_owned),
            ..Default::default()
        }
    }

    #[test]
    fn the_query_names_the_table_hours_goals_and_metric() {
        let q = query(
            &QueryInput {
                database: "shop",
                table: "events",
                hours: Some(("2026/03/01/00", "2026/03/02/23")),
            },
            &opts(&["purchase", "it's"], Some("totalPrice")),
        )
        .unwrap();
        assert!(q.contains("FROM \"shop\".\"events\""));
        assert!(q.contains("WHERE datehour BETWEEN '2026/03/01/00' AND '2026/03/02/23'"));
        assert!(q.contains("event_name IN ('purchase', 'it''s')"));
        assert!(q.contains("metrics.totalprice AS nested_revenue"));
        assert!(q.contains("totalprice AS flat_revenue"));
        let all = query(
            &QueryInput {
                database: "shop",
                table: "events",
                hours: None,
            },
            &opts(&[], None),
        )
        .unwrap();
        assert!(!all.contains("WHERE datehour"));
        assert!(all.contains("custom AND NOT refund_type AND TRUE AS goal"));
        assert!(all.contains("coalesce(event_name = CAST(NULL AS varchar), FALSE) AS refund_type"));
    }

    #[test]
    fn names_that_would_change_the_query_are_refused_with_the_reason() {
        let input = |database, table, hours| QueryInput {
            database,
            table,
            hours,
        };
        let o = opts(&[], None);
        let err = query(&input("shop\"; DROP", "events", None), &o).unwrap_err();
        assert!(err.to_string().contains("database"), "{err}");
        assert!(query(&input("shop", "Events", None), &o).is_err());
        let hours = Some(("2026-03-01", "2026/03/01/23"));
        let err = query(&input("shop", "events", hours), &o).unwrap_err();
        assert!(err.to_string().contains("YYYY/MM/DD/HH"), "{err}");
        for bad in ["a b", "1st", "", "x-y", "metrics.x"] {
            let err = query(&input("shop", "events", None), &opts(&[], Some(bad))).unwrap_err();
            assert!(matches!(err, SqlError::MetricName(_)), "{bad}: {err}");
        }
        let err = columns(Some("Campaign")).unwrap_err();
        assert!(matches!(err, SqlError::MetricClash(_)), "{err}");
    }

    #[test]
    fn the_table_reads_each_shapes_fields() {
        let cols = columns(Some("revenue")).unwrap();
        let get = |n: &str| {
            cols.iter()
                .find(|c| c.name == n)
                .map(|c| c.hive_type.as_str())
        };
        assert_eq!(
            get("attributes"),
            Some(
                "struct<campaign:string,campaign_id:string,user_id:string,event_id:string,order_id:string>"
            )
        );
        for told_apart in ["event_id", "order_id", "event_timestamp", "timestamp"] {
            assert_eq!(get(told_apart), Some("string"), "{told_apart}");
        }
        assert_eq!(get("metrics"), Some("struct<revenue:double>"));
        assert_eq!(get("revenue"), Some("double"));
        assert_eq!(get("client"), Some("struct<client_id:string>"));
        assert_eq!(get("datehour"), None, "the partition column is apart");
        assert_eq!(
            columns(None)
                .unwrap()
                .iter()
                .find(|c| c.name == "metrics")
                .map(|c| c.hive_type.clone()),
            Some("map<string,double>".to_owned())
        );
    }

    /// A result row from `|`-separated values; an empty value is SQL NULL.
    fn row(values: &str) -> Vec<Option<String>> {
        values
            .split('|')
            .map(|v| (!v.is_empty()).then(|| v.to_owned()))
            .collect()
    }

    fn header() -> Vec<String> {
        RESULT_COLUMNS.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn rows_read_back_into_the_report_with_costs_matched() {
        let rows = vec![
            row("totals||||12|10|8|5|0||3|1|0|2"),
            row("campaign|j-1|Spring||4|4|4|4|2|30.5"),
            row("event_type|j-1|Spring|purchase|2|2|2|2|2|30.5"),
            row("event_type|j-1|Spring|view|2|2|2|2|0|"),
            row("campaign||Legacy||1|1|1|1|0|"),
            row("event_type||Legacy|view|1|1|1|1|0|"),
        ];
        let costs = [Cost {
            campaign: "j-1".into(),
            cost: 10.0,
        }];
        let report = report_from_rows(
            &header(),
            rows,
            opts(&["purchase"], Some("revenue")),
            &costs,
        )
        .unwrap();
        assert_eq!(
            (report.lines, report.events, report.skipped_lines),
            (12, 10, 2)
        );
        assert_eq!((report.custom_events, report.attributed_events), (8, 5));
        assert_eq!(
            (
                report.duplicates,
                report.refunds,
                report.unmatched_refunds,
                report.skipped_revenue
            ),
            (3, 1, 0, 2)
        );
        let spring = &report.campaigns[0];
        assert_eq!(spring.campaign_id.as_deref(), Some("j-1"));
        assert_eq!(spring.events_by_type.get("purchase"), Some(&2));
        assert_eq!(spring.events_by_type.get("view"), Some(&2));
        assert_eq!((spring.converted_users, spring.revenue), (2, Some(30.5)));
        assert_eq!(spring.roi, Some(2.05));
        let legacy = &report.campaigns[1];
        assert_eq!(
            (legacy.campaign_id.as_deref(), legacy.revenue),
            (None, Some(0.0))
        );
    }

    #[test]
    fn unreadable_rows_name_the_row_and_column() {
        let o = || opts(&[], None);
        let bad = vec![row("campaign||x|||||many||")];
        let err = report_from_rows(&header(), bad, o(), &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "result row 1, column attributed_events: \"many\" is not a count"
        );
        let err = report_from_rows(&header()[1..], Vec::new(), o(), &[]).unwrap_err();
        assert_eq!(err, RowsError::MissingColumn("row_kind"));
        let orphan = vec![row("event_type|j|x|view||||1||")];
        assert_eq!(
            report_from_rows(&header(), orphan, o(), &[]).unwrap_err(),
            RowsError::Orphan { row: 1 }
        );
        assert_eq!(
            report_from_rows(&header(), Vec::new(), o(), &[]).unwrap_err(),
            RowsError::NoTotals
        );
    }
}

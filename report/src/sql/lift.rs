//! Lift as SQL: the exposure log's Glue table ([`ExposureTable`]), the query returning each
//! campaign's per-arm aggregates ([`query`]), and those rows read back into the same
//! [`CampaignTotals`] the streaming lift computes ([`totals_from_rows`]), whose intervals
//! [`crate::lift::rows`] then computes: the SQL returns sums, never an interval.
//!
//! The rules are the streaming lift's ([`crate::lift`]):
//! - one assignment per (campaign, user): repeated identical lines count once, from the
//!   earliest `assigned_at`; a user logged in both arms of a campaign is refused (left out
//!   of both arms) and counted in `refused_users`;
//! - a goal event (a custom event, by `--goal`, stamped or not) of the user attribute's
//!   user converts an assignment when its time is in `[assigned_at, assigned_at + window)`;
//!   revenue per assigned user is the revenue metric of those events (zeros included);
//! - each goal event once: by its event id, else its content (the columns the query reads,
//!   as the report's query tells events apart: [`super::IDENTITY`]), the earliest copy;
//!   goal events sharing an order id once (the earliest); a refunded order earns nothing;
//!   revenue outside `[0, max_revenue]` is none (the event still converts).
//!
//! A line of the log that is not an assignment (a missing id, an arm other than `treatment`
//! or `control`, an `assigned_at` that is not RFC 3339) is counted in `unreadable_lines`:
//! the streaming report refuses such a log, and so does the CLI on those rows. A line that
//! is not JSON at all fails the query (see [`ExposureTable::serde_parameters`]).

use super::{
    EventCtes, IDENTITY, QueryInput, SqlError, check_name, column_positions, literal, metric_column,
};
use crate::lift::stats::Moments;
use crate::lift::{ArmTotals, CampaignTotals, LiftOptions};
use crate::model::ReportOptions;
use crate::record::USER_ID_ATTRIBUTE;

/// The exposure log table's columns, with their Hive types: the assignment, and the
/// optional fields `journey-attribution holdout split` writes.
pub const EXPOSURE_COLUMNS: [(&str, &str); 7] = [
    ("campaign_id", "string"),
    ("user_id", "string"),
    ("arm", "string"),
    ("assigned_at", "string"),
    ("campaign", "string"),
    ("holdout", "double"),
    ("salt", "string"),
];

/// The result's columns, in order: one `exposures` row (the log's unreadable lines), then
/// one `campaign` row per campaign of the log, by campaign id.
pub const RESULT_COLUMNS: [&str; 13] = [
    "row_kind",
    "campaign_id",
    "campaign",
    "treatment_users",
    "control_users",
    "treatment_converted",
    "control_converted",
    "treatment_revenue",
    "treatment_revenue_sq",
    "control_revenue",
    "control_revenue_sq",
    "refused_users",
    "unreadable_lines",
];

/// The exposure log as Glue holds it (`journey-attribution athena setup --exposures`): the
/// JSON lines under one S3 prefix, plain or gzip, read by the OpenX JSON SerDe; no
/// partitions (the log is small beside the events, and is read whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExposureTable {
    pub name: String,
    /// `s3://bucket/prefix/`, ending in `/`.
    pub location: String,
}

impl ExposureTable {
    pub fn new(name: &str, location: &str) -> Result<Self, SqlError> {
        check_name("table", name)?;
        let location = super::s3_prefix(location)
            .ok_or_else(|| SqlError::ExposureLocation(location.to_owned()))?;
        Ok(Self {
            name: name.to_owned(),
            location,
        })
    }

    pub fn columns(&self) -> Vec<super::Column> {
        EXPOSURE_COLUMNS
            .iter()
            .map(|(name, hive_type)| super::Column {
                name: (*name).to_owned(),
                hive_type: (*hive_type).to_owned(),
            })
            .collect()
    }

    pub fn parameters(&self) -> Vec<(String, String)> {
        vec![
            ("EXTERNAL".to_owned(), "TRUE".to_owned()),
            ("classification".to_owned(), "json".to_owned()),
        ]
    }

    /// Unlike the events table's: a line that is not JSON fails the query (Athena names the
    /// object), as it stops the streaming report, rather than becoming a row of nulls that
    /// no query could tell from a blank line. A JSON line missing a field or holding a wrong
    /// value is counted in `unreadable_lines`.
    pub fn serde_parameters(&self) -> Vec<(String, String)> {
        vec![
            ("ignore.malformed.json".to_owned(), "false".to_owned()),
            ("case.insensitive".to_owned(), "true".to_owned()),
        ]
    }

    /// Glue's `TableInput`, as `aws glue create-table --table-input` takes it.
    pub fn to_json(&self) -> serde_json::Value {
        super::table_input(
            &self.name,
            &self.columns(),
            &self.location,
            self.parameters(),
            self.serde_parameters(),
            serde_json::json!([]),
        )
    }
}

/// The user attribute's column (and its key under `attributes`): `user_id`, or a column
/// `athena setup --user-attribute` added.
pub fn user_column(name: &str) -> Result<String, SqlError> {
    if name.eq_ignore_ascii_case(USER_ID_ATTRIBUTE) {
        return Ok(USER_ID_ATTRIBUTE.to_owned());
    }
    metric_column(name).map_err(|_| SqlError::UserAttribute(name.to_owned()))
}

/// Epoch milliseconds of an RFC 3339 text in `col`, as the streaming log reader reads it
/// (`rfc3339::parse_ms`: an offset or `Z` required, the first three fractional digits, a
/// leap second read as :59); NULL when it is not one.
fn rfc3339_ms(col: &str) -> String {
    let form = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$";
    let part =
        |from: usize, len: usize| format!("try_cast(substr({col}, {from}, {len}) AS bigint)");
    let (hour, minute, second) = (part(12, 2), part(15, 2), part(18, 2));
    let frac = format!(r"coalesce(regexp_extract({col}, '^.{{19}}\.([0-9]+)', 1), '')");
    let zone = format!(r"regexp_extract({col}, '([Zz]|[+-][0-9]{{2}}:[0-9]{{2}})$', 1)");
    let (zh, zm) = (
        format!("try_cast(substr({zone}, 2, 2) AS bigint)"),
        format!("try_cast(substr({zone}, 5, 2) AS bigint)"),
    );
    format!(
        "CASE WHEN coalesce(regexp_extract({col}, '{form}', 0), '') = '' THEN NULL
      WHEN {hour} > 23 OR {minute} > 59 OR {second} > 60 THEN NULL
      WHEN upper({zone}) <> 'Z' AND ({zh} > 23 OR {zm} > 59) THEN NULL
      ELSE date_diff('day', DATE '1970-01-01', try_cast(substr({col}, 1, 10) AS date)) * 86400000
        + ({hour} * 3600 + {minute} * 60 + least({second}, 59)) * 1000
        + CASE WHEN {frac} = '' THEN 0 ELSE try_cast(rpad(substr({frac}, 1, 3), 3, '0') AS bigint) END
        - CASE WHEN upper({zone}) = 'Z' THEN 0
               ELSE (CASE WHEN substr({zone}, 1, 1) = '-' THEN -1 ELSE 1 END) * ({zh} * 60 + {zm}) * 60000 END
    END"
    )
}

/// What the lift query reads: the events (as the report's query) and the exposure table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiftInput<'a> {
    pub events: QueryInput<'a>,
    pub exposures: &'a str,
}

/// The lift query (see the module docs), for the same `options` and `lift` options as the
/// streaming report. `--from` / `--to` select the events' hours, not the log's lines.
pub fn query(
    input: &LiftInput<'_>,
    options: &ReportOptions,
    lift: &LiftOptions,
) -> Result<String, SqlError> {
    check_name("table", input.exposures)?;
    let user = user_column(&lift.user_attribute)?;
    let events = EventCtes {
        input: &input.events,
        options,
        lift_user: Some(&user),
    }
    .sql()?;
    let db = input.events.database;
    let exposures = input.exposures;
    let window = lift.window.as_millis();
    let max = options.max_revenue;
    if !(0.0..=crate::model::MAX_REVENUE_LIMIT).contains(&max) {
        return Err(SqlError::MaxRevenue(max.to_string()));
    }
    let assigned_ms = rfc3339_ms("assigned_at");
    let has_revenue = options.revenue_metric.is_some();
    // Each arm's aggregate (`count`, `sum`) of a value over `followed`'s rows.
    let per_arm = |agg: &str, value: &str| -> [String; 2] {
        ["treatment", "control"]
            .map(|a| format!("{agg}(CASE WHEN arm = {} THEN {value} END)", literal(a)))
    };
    let [t_users, c_users] = per_arm("count", "1");
    let [t_conv, c_conv] = per_arm("count", "CASE WHEN converted THEN 1 END");
    let no_revenue = || {
        [
            "CAST(NULL AS double)".to_owned(),
            "CAST(NULL AS double)".to_owned(),
        ]
    };
    let ([t_rev, c_rev], [t_sq, c_sq]) = if has_revenue {
        (
            per_arm("sum", "revenue"),
            per_arm("sum", "revenue * revenue"),
        )
    } else {
        (no_revenue(), no_revenue())
    };
    Ok(format!(
        "-- journey-attribution lift as SQL: Athena engine 3 (Trino); DuckDB runs it unchanged.
-- Rows: row_kind 'exposures' (one: the log's unreadable lines), then 'campaign' (one per
-- campaign of the log): per arm, the assigned users, the converted ones, and the sum and sum
-- of squares of revenue per assigned user; the CLI computes the intervals from them.
-- A user in both arms of a campaign is left out of both (refused_users); a repeated
-- assignment counts once, from its earliest assigned_at; each goal event once (by event
-- id, else by content), converting in [assigned_at, assigned_at + {window} ms).
WITH exposure_lines AS (
  SELECT
    nullif(campaign_id, '') AS campaign_id,
    nullif(user_id, '') AS user_id,
    arm,
    nullif(campaign, '') AS label,
    assigned_at,
    {assigned_ms} AS assigned_ms
  FROM \"{db}\".\"{exposures}\"
  -- A blank line (or one the SerDe could not read at all) is no assignment.
  WHERE campaign_id IS NOT NULL OR user_id IS NOT NULL OR arm IS NOT NULL OR assigned_at IS NOT NULL
),
checked AS (
  SELECT
    *,
    coalesce(campaign_id IS NOT NULL AND user_id IS NOT NULL AND arm IN ('treatment', 'control')
      AND assigned_ms IS NOT NULL, FALSE) AS readable
  FROM exposure_lines
),
assignments AS (
  SELECT
    campaign_id,
    user_id,
    min(arm) AS arm,
    count(DISTINCT arm) > 1 AS refused,
    min(assigned_ms) AS assigned_ms
  FROM checked
  WHERE readable
  GROUP BY campaign_id, user_id
),
labels AS (
  SELECT
    campaign_id,
    label,
    row_number() OVER (PARTITION BY campaign_id ORDER BY count(*) DESC, label) AS label_rank
  FROM checked
  WHERE readable AND label IS NOT NULL
  GROUP BY campaign_id, label
),
{events},
-- Goal events of the log's users (any time: which copy of an event, and which event of an
-- order, counts is decided before any window), revenue in millionths (outside
-- [0, max_revenue]: none, the event still converts). Without an event id, the identity is
-- the columns read, the user included.
candidates AS (
  SELECT DISTINCT
    {IDENTITY} || CASE WHEN event_id IS NULL THEN chr(31) || g.lift_user ELSE '' END AS identity,
    g.lift_user,
    g.time_ms,
    g.order_id,
    coalesce(CASE WHEN g.lift_revenue >= 0 AND g.lift_revenue <= {max:e}
      THEN round(g.lift_revenue * 1000000) END, 0) AS revenue_micro
  FROM timed AS g
  WHERE g.goal AND g.time_ms IS NOT NULL
    AND g.lift_user IN (SELECT user_id FROM assignments)
),
-- Each event once (the earliest copy), then each order once (its earliest event).
goals AS (
  SELECT *, row_number() OVER (
    PARTITION BY identity ORDER BY time_ms, revenue_micro, lift_user, order_id) AS copy
  FROM candidates
),
ordered AS (
  SELECT *, CASE WHEN order_id IS NULL THEN 1 ELSE row_number() OVER (
    PARTITION BY order_id ORDER BY time_ms, revenue_micro, identity) END AS order_copy
  FROM goals
  WHERE copy = 1
),
-- A refunded order earns nothing; its conversion stands.
refunded AS (
  SELECT DISTINCT order_id FROM timed WHERE refund AND order_id IS NOT NULL
),
conversions AS (
  SELECT
    a.campaign_id,
    a.user_id,
    sum(CASE WHEN r.order_id IS NULL THEN g.revenue_micro ELSE 0 END) AS revenue_micro
  FROM assignments AS a
  JOIN ordered AS g
    ON g.order_copy = 1 AND g.lift_user = a.user_id
   AND g.time_ms >= a.assigned_ms AND g.time_ms < a.assigned_ms + {window}
  LEFT JOIN refunded AS r ON r.order_id = g.order_id
  WHERE NOT a.refused
  GROUP BY a.campaign_id, a.user_id
),
followed AS (
  SELECT
    a.campaign_id,
    a.arm,
    a.refused,
    c.user_id IS NOT NULL AS converted,
    coalesce(CAST(c.revenue_micro AS double), 0) / 1000000 AS revenue
  FROM assignments AS a
  LEFT JOIN conversions AS c ON c.campaign_id = a.campaign_id AND c.user_id = a.user_id
),
arms AS (
  SELECT
    campaign_id,
    {t_users} AS treatment_users,
    {c_users} AS control_users,
    {t_conv} AS treatment_converted,
    {c_conv} AS control_converted,
    {t_rev} AS treatment_revenue,
    {t_sq} AS treatment_revenue_sq,
    {c_rev} AS control_revenue,
    {c_sq} AS control_revenue_sq
  FROM followed
  WHERE NOT refused
  GROUP BY campaign_id
),
campaigns AS (
  SELECT campaign_id, count(CASE WHEN refused THEN 1 END) AS refused_users
  FROM assignments
  GROUP BY campaign_id
)
SELECT
  'exposures' AS row_kind,
  CAST(NULL AS varchar) AS campaign_id,
  CAST(NULL AS varchar) AS campaign,
  CAST(NULL AS bigint) AS treatment_users,
  CAST(NULL AS bigint) AS control_users,
  CAST(NULL AS bigint) AS treatment_converted,
  CAST(NULL AS bigint) AS control_converted,
  CAST(NULL AS double) AS treatment_revenue,
  CAST(NULL AS double) AS treatment_revenue_sq,
  CAST(NULL AS double) AS control_revenue,
  CAST(NULL AS double) AS control_revenue_sq,
  CAST(NULL AS bigint) AS refused_users,
  (SELECT count(*) FROM checked WHERE NOT readable) AS unreadable_lines
UNION ALL
SELECT
  'campaign',
  c.campaign_id,
  l.label,
  coalesce(a.treatment_users, 0),
  coalesce(a.control_users, 0),
  coalesce(a.treatment_converted, 0),
  coalesce(a.control_converted, 0),
  a.treatment_revenue,
  a.treatment_revenue_sq,
  a.control_revenue,
  a.control_revenue_sq,
  c.refused_users,
  CAST(NULL AS bigint)
FROM campaigns AS c
LEFT JOIN arms AS a ON a.campaign_id = c.campaign_id
LEFT JOIN labels AS l ON l.campaign_id = c.campaign_id AND l.label_rank = 1
ORDER BY 1 DESC, 2
"
    ))
}

/// A row of the lift query's result that [`totals_from_rows`] cannot read, or a log the
/// streaming report would refuse too.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LiftRowsError {
    #[error(
        "the lift result has no column {0:?} (is it the query `--print-sql --exposures` writes?)"
    )]
    MissingColumn(&'static str),
    #[error("lift result row {row}, column {column}: {value:?} is not {expected}")]
    Value {
        row: usize,
        column: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("lift result row {row}: row_kind {kind:?} is not exposures or campaign")]
    Kind { row: usize, kind: String },
    #[error("the lift result has no exposures row")]
    NoExposuresRow,
    #[error(
        "exposure table: {0} lines are not assignments (each needs campaign_id, user_id, arm \
         \"treatment\" or \"control\", and assigned_at as RFC 3339); the report over the log's \
         files names each"
    )]
    Unreadable(u64),
}

/// The per-arm totals of the lift query's rows (`header`: the column names; `None` for
/// NULL), by campaign id, as [`crate::lift::LiftAggregator::totals`] gives them.
pub fn totals_from_rows<I>(
    header: &[String],
    rows: I,
    has_revenue: bool,
) -> Result<Vec<CampaignTotals>, LiftRowsError>
where
    I: IntoIterator<Item = Vec<Option<String>>>,
{
    let index = column_positions(header, &RESULT_COLUMNS).map_err(LiftRowsError::MissingColumn)?;
    let mut unreadable = None;
    let mut out = Vec::new();
    for (n, row) in rows.into_iter().enumerate() {
        let row_no = n + 1;
        let get = |i: usize| -> Option<&str> {
            row.get(index[i])
                .and_then(|v| v.as_deref())
                .filter(|v| !v.is_empty())
        };
        let bad = |i: usize, value: &str, expected: &'static str| LiftRowsError::Value {
            row: row_no,
            column: RESULT_COLUMNS[i],
            value: value.to_owned(),
            expected,
        };
        let count = |i: usize| -> Result<u64, LiftRowsError> {
            let v = get(i).unwrap_or("0");
            v.parse().map_err(|_| bad(i, v, "a count"))
        };
        let number = |i: usize| -> Result<f64, LiftRowsError> {
            let v = get(i).unwrap_or("0");
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(i, v, "a number"))
        };
        match get(0).unwrap_or("") {
            "exposures" => unreadable = Some(count(12)?),
            "campaign" => {
                let campaign_id = get(1)
                    .ok_or_else(|| bad(1, "", "a campaign id"))?
                    .to_owned();
                let arm = |users: usize, converted: usize, sum: usize, sq: usize| {
                    let users = count(users)?;
                    let revenue = if has_revenue {
                        Some(Moments::from_sums(users, number(sum)?, number(sq)?))
                    } else {
                        None
                    };
                    Ok::<_, LiftRowsError>(ArmTotals {
                        users,
                        converted: count(converted)?,
                        revenue,
                    })
                };
                out.push(CampaignTotals {
                    campaign_id,
                    campaign: get(2).map(str::to_owned),
                    treatment: arm(3, 5, 7, 8)?,
                    control: arm(4, 6, 9, 10)?,
                    refused_users: count(11)?,
                });
            }
            other => {
                return Err(LiftRowsError::Kind {
                    row: row_no,
                    kind: other.to_owned(),
                });
            }
        }
    }
    match unreadable {
        None => return Err(LiftRowsError::NoExposuresRow),
        Some(0) => {}
        Some(n) => return Err(LiftRowsError::Unreadable(n)),
    }
    out.sort_by(|a, b| a.campaign_id.cmp(&b.campaign_id));
    Ok(out)
}

#[cfg(test)]
mod tests;

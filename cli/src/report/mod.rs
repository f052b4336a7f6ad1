//! `journey-attribution report`: per-campaign ROI over event-stream exports (Pinpoint's, and
//! Amplify's Kinesis / Firehose analytics records; see `journey_attribution_report`).
//!
//! The aggregation is `journey_attribution_report`; this module finds and reads the
//! files (plain or gzip, in parallel), reads the costs CSV and renders the report.

mod costs;
mod endpoints;
mod exposures;
mod html;
mod input;
mod lift;
mod render;
pub(crate) mod s3;

use std::error::Error;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use clap::ValueEnum;
use journey_attribution_core::LookbackWindow;
use journey_attribution_report::lift::LiftOptions;
use journey_attribution_report::{Cost, Report, ReportOptions, TouchModel, TouchOptions, sql};
use std::sync::Arc;

/// Touch-reconstruction models (`--touch-model`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TouchModelArg {
    First,
    Last,
    Linear,
}

impl From<TouchModelArg> for TouchModel {
    fn from(m: TouchModelArg) -> Self {
        match m {
            TouchModelArg::First => TouchModel::First,
            TouchModelArg::Last => TouchModel::Last,
            TouchModelArg::Linear => TouchModel::Linear,
        }
    }
}

/// Output formats of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    Html,
}

/// Report attributed events, conversions, revenue, cost and ROI per campaign.
#[derive(Debug, clap::Args)]
// `--lookback` means something only to touch reconstruction and lift.
#[command(group(clap::ArgGroup::new("lookback_users").args(["touch_model", "exposures"]).multiple(true)))]
pub struct Args {
    /// Event-stream exports, files or directories (read recursively), `-` for standard
    /// input, plain or gzip (`.gz`), one JSON record per line or records back to back
    /// (`{...}{...}`); an object reached through two paths or prefixes is read once
    /// (`repeated_inputs`). Shapes may mix: Pinpoint
    /// event-stream records; Amplify Kinesis / Firehose analytics data as Firehose writes it
    /// (`{"name","attributes","metrics","timestamp"?}`, user = `attributes.user_id`); Kinesis
    /// records as `aws kinesis get-records` prints them (`{"Data":"<base64>","PartitionKey",
    /// "ApproximateArrivalTimestamp",...}`, user = `user_id` else `PartitionKey`) or as a
    /// Lambda Kinesis event holds them (`{"kinesis":{"data",...}}`).
    ///
    /// `s3://bucket/prefix/` reads the objects under the prefix where Firehose writes them
    /// (listed with ListObjectsV2, fetched `--s3-concurrency` at a time, plain or `.gz`,
    /// records back to back or a line each), with the standard AWS environment and
    /// profiles; local paths and S3 prefixes may mix.
    #[arg(
        required_unless_present_any = ["athena", "print_sql"],
        conflicts_with_all = ["athena", "print_sql"],
        value_name = "PATH|s3://BUCKET/PREFIX"
    )]
    pub paths: Vec<PathBuf>,
    /// Run the report as SQL on Athena, over the table `athena setup` created (`--database`,
    /// `--table`), in `--workgroup`; `--from` / `--to` select its partitions. The same
    /// figures per campaign, in the same formats; no touch reconstruction.
    #[arg(long, conflicts_with = "print_sql")]
    pub athena: bool,
    /// Write the report's SQL (the query `--athena` runs) and exit: for QuickSight, scheduled
    /// queries, or the Athena console. Rows: `totals`, `campaign`, `event_type` (`row_kind`).
    #[arg(long)]
    pub print_sql: bool,
    /// With `--athena`: the workgroup (its result location and limits apply).
    #[arg(long, value_name = "NAME", default_value = "primary")]
    pub workgroup: String,
    /// With `--athena` / `--print-sql`: the Glue database of the events table.
    #[arg(long, value_name = "NAME", default_value = crate::athena::DEFAULT_DATABASE)]
    pub database: String,
    /// With `--athena` / `--print-sql`: the events table.
    #[arg(long, value_name = "NAME", default_value = crate::athena::DEFAULT_TABLE)]
    pub table: String,
    /// With `--athena`: stop the query and fail after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 1800)]
    pub athena_timeout: u64,
    /// With `s3://` inputs: only the objects of Firehose's `YYYY/MM/DD/HH/` prefixes from
    /// this hour (`YYYY-MM-DD` or `YYYY-MM-DDTHH`, UTC), without listing the rest.
    #[arg(long, value_name = "DATE[THH]")]
    pub from: Option<String>,
    /// With `--from`: up to this hour, inclusive (a date includes its last hour); default
    /// the current hour.
    #[arg(long, value_name = "DATE[THH]", requires = "from")]
    pub to: Option<String>,
    /// S3 objects fetched at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub s3_concurrency: usize,
    /// CSV with a header row holding `campaign` (label or journey id) and `cost`.
    #[arg(long, value_name = "FILE.csv")]
    pub costs: Option<PathBuf>,
    /// A goal event type (repeatable); default: every attributed custom event converts.
    #[arg(long = "goal", value_name = "EVENT")]
    pub goals: Vec<String>,
    /// The event metric summed as revenue over attributed goal events (e.g. `revenue`).
    #[arg(long, value_name = "NAME")]
    pub revenue_metric: Option<String>,
    /// The attribute holding a goal event's order id: goal events sharing one count once
    /// (the earliest), whatever their other fields (a reloaded thank-you page).
    #[arg(long, value_name = "NAME", default_value = "order_id")]
    pub order_attribute: String,
    /// The event type of a refund: a refund carrying an order id (`--order-attribute`) takes
    /// that order's revenue off the campaign that earned it, whatever the refund itself is
    /// stamped with. Off by default.
    #[arg(long, value_name = "EVENT")]
    pub refund_event: Option<String>,
    /// The largest revenue one event may carry: a value that is not a finite number in
    /// [0, MAX] is skipped (counted in `skipped_revenue`; the event still counts). At most 1e12.
    #[arg(long, value_name = "MAX", default_value_t = journey_attribution_report::DEFAULT_MAX_REVENUE)]
    pub max_revenue: f64,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Fail on the first malformed record instead of counting it in `skipped_lines`.
    #[arg(long)]
    pub strict: bool,
    /// Also credit conversions to journey email touches found in the same stream
    /// (`_email.open` / `_email.click` carrying `journey_id`): all to the first touch, all
    /// to the last, or split equally (linear). Adds `touch_attribution` to the report.
    ///
    /// The email endpoint and the web app's endpoint differ, so records are joined by user
    /// id: `User.UserId` of the endpoint embedded in the record
    /// (`client_context.custom.endpoint`), else the `--user-attribute` the app records on
    /// its custom events, else `--endpoints`. The app must record that attribute (e.g. the
    /// Cognito username) on its events, or register its endpoint with the user id, for
    /// its conversions to be joinable; the report says how many could not be joined.
    #[arg(long, value_enum, value_name = "MODEL", conflicts_with_all = ["athena", "print_sql"])]
    pub touch_model: Option<TouchModelArg>,
    /// Touches older than this before a conversion get no credit (`<N>m`, `<N>h`, `<N>d`);
    /// also the default `--lift-window`.
    #[arg(
        long,
        value_name = "WINDOW",
        default_value = "30d",
        requires = "lookback_users"
    )]
    pub lookback: LookbackWindow,
    /// The custom-event attribute holding the user id the app records (e.g. the Cognito
    /// username): the join key between the app's events and journey email events, and
    /// between the events and the exposure log's `user_id`. Amplify Kinesis records without
    /// it are joined by their `PartitionKey`.
    #[arg(long, value_name = "NAME", default_value = "user_id")]
    pub user_attribute: String,
    /// An exposure log of a holdout test (repeatable; files, directories or `s3://`
    /// prefixes, plain or `.gz`): JSON lines `{"campaign_id", "user_id", "arm":
    /// "treatment"|"control", "assigned_at": RFC 3339, "campaign"?}`. Adds `lift`: per
    /// campaign, the conversion rate and revenue per assigned user of both arms over
    /// `--lift-window` from each assignment, their difference with intervals, iROAS.
    ///
    /// With `--athena` / `--print-sql`: the Glue table of the log in `--database` (the one
    /// `athena setup --exposures-location` creates, `exposures` by default), once; lift then
    /// runs as a second query whose per-arm sums the CLI turns into the same rows.
    /// `--print-sql --exposures TABLE` writes that query alone.
    #[arg(long = "exposures", value_name = "LOG|TABLE")]
    pub exposures: Vec<PathBuf>,
    /// With `--exposures`: a user converts when a goal event of theirs falls in
    /// `[assigned_at, assigned_at + WINDOW)` (`<N>m`, `<N>h`, `<N>d`); default `--lookback`.
    #[arg(long, value_name = "WINDOW", requires = "exposures")]
    pub lift_window: Option<LookbackWindow>,
    /// With `--exposures`: the confidence level of every lift interval.
    #[arg(
        long,
        value_name = "LEVEL",
        default_value_t = 0.95,
        requires = "exposures"
    )]
    pub confidence: f64,
    /// Count opens (`_email.open`, SES Open) as touches too. Off by default: Apple Mail
    /// Privacy Protection and other proxies fetch every image on delivery, so an "open" is
    /// close to "delivered" and would credit journeys with users who never looked.
    #[arg(long, requires = "touch_model")]
    pub touch_opens: bool,
    /// Clicks only: the default now; accepted so existing scripts keep working.
    #[arg(
        long,
        hide = true,
        requires = "touch_model",
        conflicts_with = "touch_opens"
    )]
    pub touch_clicks_only: bool,
    /// A Pinpoint endpoint export (JSON lines with `Id` and `User.UserId`, plain or `.gz`):
    /// joins records that carry no user id by their endpoint id (`client.client_id`).
    #[arg(long, value_name = "FILE", requires = "touch_model")]
    pub endpoints: Option<PathBuf>,
    /// Records longer than this are skipped (counted in `skipped_lines`, with their
    /// reason) without being held in memory; the limit applies to each record, not to the
    /// object holding it.
    #[arg(long, value_name = "BYTES", default_value_t = input::MAX_LINE_BYTES)]
    pub max_line_bytes: usize,
    /// Worker threads (default: every core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// How many malformed lines are shown on stderr.
const SHOWN_SKIPS: usize = 5;

pub fn run(args: Args) -> Result<(), Box<dyn Error>> {
    let costs: Vec<Cost> = match &args.costs {
        Some(path) => costs::read(path)?,
        None => Vec::new(),
    };
    let options = ReportOptions {
        goals: args.goals.clone(),
        revenue_metric: args.revenue_metric.clone(),
        order_attribute: args.order_attribute.clone(),
        refund_event: args.refund_event.clone(),
        max_revenue: args.max_revenue,
    };
    if !(0.0..=journey_attribution_report::MAX_REVENUE_LIMIT).contains(&args.max_revenue) {
        return Err(format!(
            "--max-revenue {}: expected a finite number in [0, 1e12]",
            args.max_revenue
        )
        .into());
    }
    if args.order_attribute.is_empty() {
        return Err("--order-attribute: expected an attribute name".into());
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let touch = args.touch_model.map(|model| TouchOptions {
        model: model.into(),
        lookback: args.lookback,
        user_attribute: args.user_attribute.clone(),
        clicks_only: !args.touch_opens,
    });
    let endpoint_map = match &args.endpoints {
        Some(path) => endpoints::read(path)?,
        None => Default::default(),
    };
    let hours = s3::Hours::parse(args.from.as_deref(), args.to.as_deref())?;
    if args.print_sql || args.athena {
        let sql = athena_sql(&args, &options, hours)?;
        let lift = athena_lift(&args, &options, hours)?;
        if args.print_sql {
            match &lift {
                Some((lift_sql, _)) => print!("{lift_sql}"),
                None => print!("{sql}"),
            }
            return Ok(());
        }
        let run = |sql: &str| {
            let result = crate::athena::query::run(
                sql,
                &args.workgroup,
                &args.database,
                std::time::Duration::from_secs(args.athena_timeout),
            )?;
            eprintln!(
                "athena query {} scanned {:.1} MB",
                result.id,
                result.scanned_bytes as f64 / 1e6
            );
            Ok::<_, crate::athena::query::AthenaError>(result)
        };
        let result = run(&sql)?;
        let has_revenue = options.revenue_metric.is_some();
        let mut report = sql::report_from_rows(&result.header, result.rows, options, &costs)?;
        if let Some((lift_sql, lift_options)) = lift {
            let result = run(&lift_sql)?;
            let totals = sql::lift::totals_from_rows(&result.header, result.rows, has_revenue)?;
            for t in totals.iter().filter(|t| t.refused_users > 0) {
                eprintln!(
                    "warning: exposure table: campaign {:?}: {} users assigned to both arms: left out of both arms of this campaign (assignment must be deterministic: one salt and one holdout per campaign)",
                    t.campaign_id, t.refused_users
                );
            }
            report.lift = Some(journey_attribution_report::lift::rows(
                totals,
                &costs,
                &lift_options,
            )?);
        }
        warn_counting(&report);
        return write(&report, &args);
    }
    let inputs = input::discover(&args.paths, hours)?;
    let lift = lift_setup(&args)?;
    let job = input::Job {
        options,
        touch,
        lift,
        threads,
        strict: args.strict,
        limits: input::Limits {
            chunk_bytes: input::CHUNK_BYTES,
            max_record_bytes: args.max_line_bytes.max(1),
        },
        s3_concurrency: args.s3_concurrency.max(1),
    };
    let outcome = input::aggregate(&job, &inputs)?;

    if let Some(first) = outcome.skips.first()
        && args.strict
    {
        return Err(format!("{first} (--strict)").into());
    }
    for skip in outcome.skips.iter().take(SHOWN_SKIPS) {
        eprintln!("warning: skipped {skip}");
    }
    let mut report = outcome
        .aggregator
        .finish_with_endpoints(&costs, &endpoint_map)?;
    report.repeated_inputs = inputs.repeated;
    if let Some(first) = &inputs.first_repeat {
        eprintln!(
            "warning: {} input(s) reached through more than one path, prefix or link were read once (first: {first})",
            inputs.repeated
        );
    }
    if let Some(t) = &report.touch_attribution
        && t.joined_conversions == 0
    {
        eprintln!("warning: {}", t.note);
    }
    for name in &report.unmatched_costs {
        eprintln!(
            "warning: cost row {name:?} matches no campaign of the events (compared exactly: journey id, else label)"
        );
    }
    warn_counting(&report);
    let hidden = report.skipped_lines.saturating_sub(SHOWN_SKIPS as u64);
    if hidden > 0 {
        eprintln!("warning: skipped {hidden} more malformed records (skipped_lines in the report)");
    }
    write(&report, &args)
}

/// What the counting rules set aside, on stderr (the report has the same figures).
fn warn_counting(report: &Report) {
    if report.skipped_revenue > 0 {
        eprintln!(
            "warning: skipped {} revenue values that were not a finite number in [0, --max-revenue] (their events still count; skipped_revenue in the report)",
            report.skipped_revenue
        );
    }
    if report.unmatched_refunds > 0 {
        eprintln!(
            "warning: {} refunds name an order that earned no attributed revenue (unmatched_refunds in the report)",
            report.unmatched_refunds
        );
    }
}

/// With `--exposures`: the logs read (their refusals shown) and the lift options.
fn lift_setup(args: &Args) -> Result<Option<input::Lift>, Box<dyn Error>> {
    if args.exposures.is_empty() {
        return Ok(None);
    }
    let options = LiftOptions {
        window: args.lift_window.unwrap_or(args.lookback),
        confidence: args.confidence,
        user_attribute: args.user_attribute.clone(),
    };
    options.check()?;
    let exposures = exposures::read(&args.exposures)?;
    let refusals = exposures.refusals();
    for r in refusals.iter().take(SHOWN_SKIPS) {
        eprintln!(
            "warning: exposure log {}: campaign {:?}: {}",
            r.origin, r.campaign_id, r.reason
        );
    }
    if refusals.len() > SHOWN_SKIPS {
        eprintln!(
            "warning: {} more users assigned to both arms of a campaign (refused_users in the lift rows)",
            refusals.len() - SHOWN_SKIPS
        );
    }
    Ok(Some((Arc::new(exposures), options)))
}

/// The report's query for `--print-sql` / `--athena`, over the partitions of `hours`.
fn athena_sql(
    args: &Args,
    options: &ReportOptions,
    hours: Option<s3::Hours>,
) -> Result<String, sql::SqlError> {
    let hours = hours.map(|h| h.datehours());
    let input = sql::QueryInput {
        database: &args.database,
        table: &args.table,
        hours: hours
            .as_ref()
            .map(|(from, to)| (from.as_str(), to.as_str())),
    };
    sql::query(&input, options)
}

/// With `--exposures` and `--athena` / `--print-sql`: the lift query over the exposure
/// table `--exposures` names, and the options its rows are read with.
fn athena_lift(
    args: &Args,
    options: &ReportOptions,
    hours: Option<s3::Hours>,
) -> Result<Option<(String, LiftOptions)>, Box<dyn Error>> {
    let table = match args.exposures.as_slice() {
        [] => return Ok(None),
        [table] => table.to_string_lossy().into_owned(),
        _ => {
            return Err("--exposures: with --athena / --print-sql, name one Glue table (the one `athena setup --exposures-location` creates), not several logs".into());
        }
    };
    sql::check_name("table", &table).map_err(|_| {
        format!(
            "--exposures {table:?}: with --athena / --print-sql, name the exposure log's Glue table (`athena setup --exposures-location s3://...` creates `exposures`), not a file or prefix"
        )
    })?;
    let lift = LiftOptions {
        window: args.lift_window.unwrap_or(args.lookback),
        confidence: args.confidence,
        user_attribute: args.user_attribute.clone(),
    };
    lift.check()?;
    let hours = hours.map(|h| h.datehours());
    let input = sql::lift::LiftInput {
        events: sql::QueryInput {
            database: &args.database,
            table: &args.table,
            hours: hours
                .as_ref()
                .map(|(from, to)| (from.as_str(), to.as_str())),
        },
        exposures: &table,
    };
    let query = sql::lift::query(&input, options, &lift)?;
    Ok(Some((query, lift)))
}

/// Renders `report` in `--format` to `--output` (or standard output).
fn write(report: &Report, args: &Args) -> Result<(), Box<dyn Error>> {
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    match args.format {
        Format::Table => {
            render::table(report, &mut out)?;
            lift::table(report, &mut out)?;
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, report)?;
            writeln!(out)?;
        }
        Format::Csv => {
            render::csv(report, &mut out)?;
            lift::csv(report, &mut out)?;
        }
        Format::Html => html::write(report, &mut out)?,
    }
    out.flush()?;
    if let Some(path) = &args.output
        && io::stderr().is_terminal()
    {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

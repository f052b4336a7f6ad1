//! `journey-attribution report`: per-campaign ROI over Pinpoint event-stream exports.
//!
//! The aggregation is `journey_attribution_core::report`; this module finds and reads the
//! files (plain or gzip, in parallel), reads the costs CSV and renders the report.

mod costs;
mod html;
mod input;
mod render;

use std::error::Error;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use clap::ValueEnum;
use journey_attribution_core::report::{Cost, ReportOptions};

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
pub struct Args {
    /// Pinpoint event-stream exports (one JSON record per line, as Firehose writes them):
    /// files or directories (read recursively), plain or gzip (`.gz`).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// CSV with a header row holding `campaign` (label or journey id) and `cost`.
    #[arg(long, value_name = "FILE.csv")]
    pub costs: Option<PathBuf>,
    /// A goal event type (repeatable); default: every attributed custom event converts.
    #[arg(long = "goal", value_name = "EVENT")]
    pub goals: Vec<String>,
    /// The event metric summed as revenue over attributed goal events (e.g. `revenue`).
    #[arg(long, value_name = "NAME")]
    pub revenue_metric: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Fail on the first malformed line instead of counting it in `skipped_lines`.
    #[arg(long)]
    pub strict: bool,
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
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let files = input::discover(&args.paths)?;
    let outcome = input::aggregate(&files, options, threads, args.strict)?;

    if let Some(first) = outcome.skips.first() {
        if args.strict {
            return Err(format!("{first} (--strict)").into());
        }
    }
    for skip in outcome.skips.iter().take(SHOWN_SKIPS) {
        eprintln!("warning: skipped {skip}");
    }
    let report = outcome.aggregator.finish(&costs)?;
    let hidden = report.skipped_lines.saturating_sub(SHOWN_SKIPS as u64);
    if hidden > 0 {
        eprintln!("warning: skipped {hidden} more malformed lines (skipped_lines in the report)");
    }

    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).map_err(|e| format!("{}: {e}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    match args.format {
        Format::Table => render::table(&report, &mut out)?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        Format::Csv => render::csv(&report, &mut out)?,
        Format::Html => html::write(&report, &mut out)?,
    }
    out.flush()?;
    if let Some(path) = &args.output {
        if io::stderr().is_terminal() {
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}

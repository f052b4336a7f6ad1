//! `journey-attribution`: the local demo, the ROI report, and operator commands.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[cfg(feature = "report")]
mod athena;
mod demo;
mod link;
#[cfg(feature = "operator")]
mod reconcile;
#[cfg(feature = "report")]
mod report;
#[cfg(feature = "operator")]
mod setup;
mod walkthrough;

#[derive(Debug, Parser)]
#[command(name = "journey-attribution", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The local demo in the browser: the real handlers on in-memory stores, no AWS account.
    Demo(demo::Args),
    /// Prepare a Cognito user pool: add custom:campaign, let the app client read (not write) it.
    #[cfg(feature = "operator")]
    Setup(setup::Args),
    /// Rebuild Cognito's custom:campaign from the attribution table (rate-limited).
    #[cfg(feature = "operator")]
    Reconcile(reconcile::Args),
    /// Walk through touch -> stamp -> expiry on in-memory stores, in the terminal.
    Walkthrough,
    /// Print a message link that carries the attribution (the landing touch the npm
    /// wrappers capture): `--journey ID --label TEXT [--application ID] URL`.
    Link(link::Args),
    /// Per-campaign attributed events, conversions, revenue, cost and ROI from Pinpoint
    /// event-stream exports and Amplify Kinesis/Firehose records.
    #[cfg(feature = "report")]
    Report(Box<report::Args>),
    /// Athena over the Firehose prefix: `athena setup` creates the Glue database and table
    /// that `report --athena` queries.
    #[cfg(feature = "report")]
    Athena(athena::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        #[cfg(feature = "operator")]
        Command::Setup(args) => setup::run(args),
        #[cfg(feature = "operator")]
        Command::Reconcile(args) => reconcile::run(args),
        Command::Walkthrough => walkthrough::run(),
        #[cfg(feature = "report")]
        Command::Report(args) => report::run(*args),
        Command::Link(args) => link::run(args),
        #[cfg(feature = "report")]
        Command::Athena(args) => athena::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

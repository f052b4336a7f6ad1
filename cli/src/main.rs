//! `journey-attribution`: the local demo, the ROI report, and operator commands.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod walkthrough;

#[derive(Debug, Parser)]
#[command(name = "journey-attribution", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Walk through touch -> stamp -> expiry on in-memory stores, in the terminal.
    Walkthrough,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Walkthrough => walkthrough::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

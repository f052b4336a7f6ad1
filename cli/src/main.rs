//! `journey-attribution`: the local demo, the ROI report, and operator commands.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

#[cfg(feature = "report")]
mod athena;
mod demo;
#[cfg(feature = "report")]
mod holdout;
mod link;
#[cfg(feature = "operator")]
mod reconcile;
#[cfg(feature = "report")]
mod report;
#[cfg(feature = "operator")]
mod setup;
mod walkthrough;

/// The version and the commit it was built from (build.rs: git, or a packaged crate's
/// `.cargo_vcs_info.json`, else "unknown").
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("JA_BUILD_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(name = "journey-attribution", version = VERSION, about)]
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
    /// Holdout groups: `holdout split --campaign ID --percent P SEGMENT` writes the list to
    /// send (treatment) and the exposure log (both arms) that `report --exposures` reads.
    #[cfg(feature = "report")]
    Holdout(holdout::Args),
    /// Print a shell completion script: `journey-attribution completions bash >
    /// ~/.local/share/bash-completion/completions/journey-attribution` (zsh: a file `_journey-attribution` on
    /// $fpath; fish: ~/.config/fish/completions/journey-attribution.fish).
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `journey-attribution man > journey-attribution.1`.
    Man,
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
        #[cfg(feature = "report")]
        Command::Holdout(args) => holdout::run(args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "journey-attribution",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Command::Man => clap_mangen::Man::new(Cli::command())
            .render(&mut std::io::stdout())
            .map_err(Into::into),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

//! `journey-attribution holdout split`: a segment file (local or `s3://`) into the list to
//! send and the exposure log, written beside it or under `--output` (a directory or an
//! `s3://` prefix). The assignment is `journey_attribution_core::holdout`'s, the same as the
//! npm package's `assignArm`.

mod segment;

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};

use journey_attribution_core::holdout::{Assignment, Holdout, HoldoutError};
use journey_attribution_core::rfc3339;

use crate::report::s3::{Object, S3, S3Error, S3Url};
use segment::{SegmentFormat, Split, SplitError};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Split a segment (CSV with a header row, or JSON lines) into the list to send (the
    /// treatment arm, same format) and the exposure log (both arms, JSON lines).
    Split(SplitArgs),
}

#[derive(Debug, clap::Args)]
pub struct SplitArgs {
    /// The campaign id the report's lift rows are keyed by (the exposure log's
    /// `campaign_id`): the journey or campaign id your events are stamped with.
    #[arg(long)]
    campaign: String,
    /// The share held out, in percent, to 0.01 % (`10`, `2.5`).
    #[arg(long, value_name = "P")]
    percent: String,
    /// Mixed into the hash: a new salt draws a new control group for the same campaign.
    #[arg(long, default_value = "")]
    salt: String,
    /// The campaign's label (the exposure log's `campaign`), when it differs from its id.
    #[arg(long)]
    label: Option<String>,
    /// The column (CSV) or field (JSON lines; dotted for nested, e.g. `User.UserId`) with
    /// the user id. Default: the first of user_id, userId, UserId, User.UserId, username,
    /// ProfileId, profile_id, Address, email, Email, EmailAddress (case-insensitive in CSV).
    #[arg(long)]
    id_column: Option<String>,
    /// The segment's format; by default JSON lines when it starts with `{`, else CSV.
    #[arg(long, value_enum)]
    format: Option<SegmentFormat>,
    /// The time both arms' measurement windows start, RFC 3339 (default: now). Set it to
    /// the send time when splitting ahead of the send.
    #[arg(long, value_name = "RFC3339")]
    assigned_at: Option<String>,
    /// Where to write `<name>.send.<ext>` and `<name>.exposures.jsonl`: a directory or
    /// `s3://bucket/prefix/` (default: beside the segment).
    #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX")]
    output: Option<String>,
    /// The segment: a file, or `s3://bucket/key`.
    #[arg(value_name = "SEGMENT")]
    segment: String,
}

#[derive(Debug, thiserror::Error)]
pub enum HoldoutCliError {
    #[error("--percent: {0}")]
    Percent(HoldoutError),
    #[error("--campaign: empty")]
    EmptyCampaign,
    #[error("--assigned-at {0:?}: not an RFC 3339 time (2026-05-01T09:00:00Z)")]
    AssignedAt(String),
    #[error("{0}: {1}")]
    File(String, io::Error),
    #[error("{0}: {1}")]
    Split(String, SplitError),
    #[error(transparent)]
    S3(#[from] S3Error),
    #[error("{0}: no usable row ({1} skipped), nothing assigned")]
    NothingUsable(String, usize),
}

pub fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    match args.command {
        Command::Split(args) => Ok(split(args)?),
    }
}

/// Where an output goes.
enum Destination {
    Local(PathBuf),
    S3(S3Url),
}

fn split(args: SplitArgs) -> Result<(), HoldoutCliError> {
    let holdout = Holdout::parse_percent(&args.percent).map_err(HoldoutCliError::Percent)?;
    if args.campaign.trim().is_empty() {
        return Err(HoldoutCliError::EmptyCampaign);
    }
    let assigned_at_ms = match &args.assigned_at {
        Some(t) => rfc3339::parse_ms(t).ok_or_else(|| HoldoutCliError::AssignedAt(t.clone()))?,
        None => journey_attribution_aws::now_ms(),
    };
    let source = S3Url::parse(&args.segment).transpose()?;
    // Connected once, and only when a segment or an output is on S3.
    let s3 = std::cell::OnceCell::new();
    let s3_client = || -> Result<&S3, HoldoutCliError> {
        if let Some(client) = s3.get() {
            return Ok(client);
        }
        let client = S3::connect()?;
        Ok(s3.get_or_init(|| client))
    };

    let name = args
        .segment
        .rsplit('/')
        .next()
        .unwrap_or("segment")
        .to_owned();
    let stem = name
        .strip_suffix(".csv")
        .or_else(|| name.strip_suffix(".jsonl"))
        .or_else(|| name.strip_suffix(".ndjson"))
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(&name)
        .to_owned();

    let input: Box<dyn Read> = match &source {
        Some(url) => Box::new(s3_client()?.open(&Object {
            bucket: url.bucket.clone(),
            key: url.prefix.clone(),
            size: 0,
        })?),
        None => Box::new(
            File::open(&args.segment)
                .map_err(|e| HoldoutCliError::File(args.segment.clone(), e))?,
        ),
    };
    let mut input = BufReader::with_capacity(1 << 16, input);
    let format = match args.format {
        Some(f) => f,
        None => SegmentFormat::sniff(
            input
                .fill_buf()
                .map_err(|e| HoldoutCliError::File(args.segment.clone(), e))?,
        ),
    };

    let destination = match (&args.output, &source) {
        (Some(out), _) => match S3Url::parse(out).transpose()? {
            Some(url) => Destination::S3(url),
            None => Destination::Local(PathBuf::from(out)),
        },
        (None, Some(url)) => Destination::S3(S3Url {
            bucket: url.bucket.clone(),
            prefix: url
                .prefix
                .rsplit_once('/')
                .map_or(String::new(), |(dir, _)| format!("{dir}/")),
        }),
        (None, None) => Destination::Local(
            Path::new(&args.segment)
                .parent()
                .map_or_else(PathBuf::new, Path::to_path_buf),
        ),
    };
    let send_name = format!("{stem}.send.{}", format.extension());
    let log_name = format!("{stem}.exposures.jsonl");
    // S3 outputs are written locally first, then uploaded whole: an object appears
    // complete or not at all.
    let staging = match &destination {
        Destination::Local(dir) => {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| HoldoutCliError::File(dir.display().to_string(), e))?;
            }
            None
        }
        Destination::S3(_) => Some(
            tempfile::tempdir()
                .map_err(|e| HoldoutCliError::File("a temporary directory".into(), e))?,
        ),
    };
    let dir = match (&destination, &staging) {
        (_, Some(tmp)) => tmp.path().to_path_buf(),
        (Destination::Local(dir), None) => dir.clone(),
        (Destination::S3(_), None) => unreachable!("S3 outputs are staged"),
    };
    let (send_path, log_path) = (dir.join(&send_name), dir.join(&log_name));
    let create = |p: &Path| {
        File::create(p)
            .map(BufWriter::new)
            .map_err(|e| HoldoutCliError::File(p.display().to_string(), e))
    };

    let summary = Split {
        assignment: Assignment {
            salt: &args.salt,
            campaign_id: &args.campaign,
            label: args.label.as_deref(),
            holdout,
        },
        assigned_at_ms,
        id_column: args.id_column.as_deref(),
        send: create(&send_path)?,
        exposures: create(&log_path)?,
    }
    .run(format, input)
    .map_err(|e| HoldoutCliError::Split(args.segment.clone(), e))?;

    for bad in &summary.bad_rows {
        eprintln!("{}: line {}: {}", args.segment, bad.line, bad.reason);
    }
    if summary.users == 0 && !summary.bad_rows.is_empty() {
        return Err(HoldoutCliError::NothingUsable(
            args.segment.clone(),
            summary.bad_rows.len(),
        ));
    }
    let (send_at, log_at) = match &destination {
        Destination::Local(_) => (
            send_path.display().to_string(),
            log_path.display().to_string(),
        ),
        Destination::S3(url) => {
            let s3 = s3_client()?;
            let mut at = Vec::new();
            for (path, name) in [(&send_path, &send_name), (&log_path, &log_name)] {
                let key = if url.prefix.is_empty() || url.prefix.ends_with('/') {
                    format!("{}{name}", url.prefix)
                } else {
                    format!("{}/{name}", url.prefix)
                };
                s3.put_file(&url.bucket, &key, path)?;
                at.push(format!("s3://{}/{key}", url.bucket));
            }
            (at.remove(0), at.remove(0))
        }
    };
    eprintln!(
        "{} users (id column {}): {} treatment, {} control ({}% held out); {} rows skipped, {} repeated",
        summary.users,
        summary.id_column,
        summary.treatment,
        summary.control,
        holdout.percent(),
        summary.bad_rows.len(),
        summary.repeated_rows,
    );
    eprintln!("send list: {send_at}\nexposure log: {log_at}");
    Ok(())
}

//! `--exposures`: the exposure logs of holdout tests (files, directories or `s3://`
//! prefixes; plain or gzip) read into the report crate's [`Exposures`].

use std::error::Error;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;

use journey_attribution_report::lift::exposures::{ExposureLog, Exposures};

use super::input::{self, Source};
use super::s3::S3;

/// Every line of every log under `paths`; a malformed line is an error naming the file, the
/// line and the field. Users assigned to both arms of a campaign are kept as refusals.
pub fn read(paths: &[PathBuf]) -> Result<Exposures, Box<dyn Error>> {
    let inputs = input::discover(paths, None)?;
    let mut log = ExposureLog::new();
    for source in &inputs.sources {
        read_one(source, inputs.s3.as_ref(), &mut log)?;
    }
    Ok(log.finish())
}

fn read_one(source: &Source, s3: Option<&S3>, log: &mut ExposureLog) -> Result<(), Box<dyn Error>> {
    let name = source.name();
    let reader = BufReader::new(source.decode(source.open(s3)?)?);
    for (i, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| format!("exposure log {name}:{}: {e}", i + 1))?;
        log.push_line(&line, &format!("{name}:{}", i + 1))?;
    }
    Ok(())
}

//! What the report's CLI tests share: the binary, run as a user runs it, and the fixtures.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_journey-attribution");

/// A report fixture (`tests/fixtures/report/<name>`).
pub fn fixture(name: &str) -> PathBuf {
    journey_attribution_test_support::fixtures::path(&format!("report/{name}"))
}

/// `journey-attribution report <args>`.
pub fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("report")
        .args(args)
        .output()
        .expect("run journey-attribution")
}

/// The standard output of a run that must have succeeded (else its stderr in the panic).
pub fn success(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

/// The tests' own SDK configuration for moto (`AWS_ENDPOINT_URL`): generous limits for
/// set-up calls, as moto on a loaded 2-core machine can take seconds.
pub async fn moto_sdk() -> aws_config::SdkConfig {
    journey_attribution_aws::config::sdk_config_with(journey_attribution_aws::SdkLimits {
        max_attempts: 3,
        connect: std::time::Duration::from_secs(5),
        attempt: std::time::Duration::from_secs(30),
        operation: std::time::Duration::from_secs(90),
    })
    .await
}

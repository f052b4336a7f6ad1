//! The binaries fail fast, with a clear message, on missing or invalid configuration.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn run(bin: &str, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = Command::new(bin);
    cmd.env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
        .env("AWS_REGION", "us-east-1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run the binary");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn tagging_requires_the_table_and_a_valid_window() {
    let (code, stderr) = run(env!("CARGO_BIN_EXE_tagging"), &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("environment variable ATTRIBUTION_TABLE is required"),
        "{stderr}"
    );
    let (code, stderr) = run(
        env!("CARGO_BIN_EXE_tagging"),
        &[
            ("ATTRIBUTION_TABLE", "t"),
            ("LOOKBACK_WINDOWS", "app=forever"),
        ],
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("LOOKBACK_WINDOWS"), "{stderr}");
}

#[test]
fn sync_requires_the_user_pool() {
    let (code, stderr) = run(env!("CARGO_BIN_EXE_sync"), &[("ATTRIBUTION_TABLE", "t")]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("environment variable USER_POOL_ID is required"),
        "{stderr}"
    );
}

#[test]
fn sync_requires_the_failure_queue() {
    let (code, stderr) = run(
        env!("CARGO_BIN_EXE_sync"),
        &[("USER_POOL_ID", "us-east-1_x")],
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("environment variable FAILURE_QUEUE_URL is required"),
        "{stderr}"
    );
}

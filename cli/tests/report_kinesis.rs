//! `journey-attribution report` on Amplify Kinesis / Firehose analytics records mixed with a
//! Pinpoint event-stream export, as a user runs it, with known answers.

use serde_json::{Value, json};
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};

mod common;
use common::{fixture, run};

/// A directory as an export bucket might look after the move off Pinpoint: the old Pinpoint
/// stream, Amplify data Firehose wrote (gzip), and Kinesis records dumped by a consumer.
fn mixed_export(dir: &Path) -> PathBuf {
    let root = dir.join("export");
    let pinpoint = root.join("pinpoint/2024/05/01");
    let firehose = root.join("firehose/2024/05/01");
    std::fs::create_dir_all(&pinpoint).expect("mkdir");
    std::fs::create_dir_all(&firehose).expect("mkdir");
    std::fs::copy(fixture("stream.jsonl"), pinpoint.join("stream.jsonl")).expect("copy");
    let amplify = std::fs::read(fixture("amplify-firehose.jsonl")).expect("fixture");
    let gz = firehose.join("shop-analytics-1-2024-05-01-10-00-00-abcd.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(
        File::create(&gz).expect("create"),
        flate2::Compression::default(),
    );
    enc.write_all(&amplify).expect("gzip");
    enc.finish().expect("gzip");
    std::fs::copy(
        fixture("kinesis-records.jsonl"),
        root.join("kinesis-records.jsonl"),
    )
    .expect("copy");
    root
}

fn costs_file(dir: &Path) -> PathBuf {
    let path = dir.join("costs.csv");
    std::fs::write(
        &path,
        "campaign,cost\nj-spring,100\nj-flash,50\nNewsletter,30.5\nj-winter,20\n",
    )
    .expect("write costs");
    path
}

#[test]
fn pinpoint_amplify_firehose_and_kinesis_records_add_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = mixed_export(dir.path());
    let costs = costs_file(dir.path());
    let out = run(&[
        export.to_str().expect("path"),
        "--goal",
        "purchase",
        "--revenue-metric",
        "revenue",
        "--costs",
        costs.to_str().expect("path"),
        "--format",
        "json",
        "--threads",
        "3",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "failed: {stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(
        v["campaigns"],
        json!([
            // Pinpoint (5 events, u1 u2, 110.5) + Firehose (5, alice bob, 110.5) + Kinesis (1, a partition key, 5).
            {"campaign": "Spring Sale", "campaign_id": "j-spring", "attributed_events": 12,
             "events_by_type": {"add_to_cart": 3, "page_view": 2, "purchase": 7},
             "converted_users": 5, "revenue": 226.0, "cost": 100.0, "roi": 1.26},
            // Kinesis only: two partition keys' purchases, one overridden by user_id.
            {"campaign": "Flash sale 48h", "campaign_id": "j-flash", "attributed_events": 4,
             "events_by_type": {"add_to_cart": 1, "purchase": 3},
             "converted_users": 2, "revenue": 75.0, "cost": 50.0, "roi": 0.5},
            {"campaign": "Newsletter", "campaign_id": null, "attributed_events": 4,
             "events_by_type": {"purchase": 2, "sign_up": 2},
             "converted_users": 2, "revenue": 30.5, "cost": 30.5, "roi": 0.0},
            {"campaign": "Winter \"Warm-up\", 2024", "campaign_id": "j-winter", "attributed_events": 2,
             "events_by_type": {"purchase": 2},
             "converted_users": 2, "revenue": 20.0, "cost": 20.0, "roi": 0.0},
            {"campaign": "Spring Sale", "campaign_id": "j-spring-2", "attributed_events": 1,
             "events_by_type": {"purchase": 1},
             "converted_users": 1, "revenue": 5.0, "cost": null, "roi": null},
        ])
    );
    assert_eq!(
        (
            &v["lines"],
            &v["skipped_lines"],
            &v["events"],
            &v["custom_events"],
            &v["attributed_events"]
        ),
        // The gzip file's line 10 has an unreadable `timestamp`: it counts all the same.
        // `lines` counts records: two of the Firehose file's lines hold two records back to back.
        (&json!(31), &json!(3), &json!(28), &json!(25), &json!(23))
    );
    // Each skipped line is named with its file and line, and the reason names the field.
    for expected in [
        "stream.jsonl:11: EOF while parsing an object at attributes",
        // Positions count records: line 8, after two lines of two records each.
        ".jsonl.gz:10: invalid type: string \"12\", expected f64 at metrics.revenue",
        "kinesis-records.jsonl:6: invalid base64 in Data: invalid character '!' at offset 20",
    ] {
        assert!(stderr.contains(expected), "{expected:?} not in {stderr}");
    }
}

#[test]
fn threads_do_not_change_the_report_and_files_add_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = mixed_export(dir.path());
    let report = |paths: &[&Path], threads: &str| -> Value {
        let mut args: Vec<&str> = paths.iter().map(|p| p.to_str().expect("path")).collect();
        args.extend([
            "--goal",
            "purchase",
            "--revenue-metric",
            "revenue",
            "--format",
            "json",
            "--threads",
            threads,
        ]);
        let out = run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON report")
    };
    let whole = report(&[&export], "1");
    assert_eq!(report(&[&export], "4"), whole);
    let kinesis = export.join("kinesis-records.jsonl");
    let alone = report(&[&kinesis], "1");
    assert_eq!(
        alone["campaigns"][0],
        json!({"campaign": "Flash sale 48h", "campaign_id": "j-flash", "attributed_events": 4,
               "events_by_type": {"add_to_cart": 1, "purchase": 3},
               "converted_users": 2, "revenue": 75.0, "cost": null, "roi": null})
    );
    assert_eq!(
        whole["campaigns"][1], alone["campaigns"][0],
        "only Kinesis has j-flash"
    );
}

#[test]
fn strict_stops_at_the_bad_kinesis_record() {
    let out = run(&[
        fixture("kinesis-records.jsonl").to_str().expect("path"),
        "--strict",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "kinesis-records.jsonl:6: invalid base64 in Data: invalid character '!' at offset 20 (--strict)"
        ),
        "{stderr}"
    );
}

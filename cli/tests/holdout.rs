//! `journey-attribution holdout split` as a user runs it: local files, and (with moto, through
//! scripts/test.d/35-cli-moto.sh) an S3 segment in and an S3 prefix out.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

use aws_sdk_s3::primitives::ByteStream;
use journey_attribution_core::holdout::{Holdout, assign};
use serde_json::Value;

mod common;

fn holdout(args: &[&str]) -> Output {
    Command::new(common::BIN)
        .args(["holdout", "split"])
        .args(args)
        .output()
        .unwrap()
}

/// A Pinpoint-style segment export: endpoint id, address, and the user id users are
/// counted by; one row with no user id.
fn segment_csv(n: usize) -> String {
    let mut s = String::from("Id,ChannelType,Address,User.UserId\n");
    for i in 0..n {
        s.push_str(&format!("ep-{i},EMAIL,user{i}@example.com,user-{i}\n"));
    }
    s.push_str("ep-x,EMAIL,nobody@example.com,\n");
    s
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What the send list and the log must hold for `segment_csv(n)` at a 20 % holdout.
fn check_split(n: usize, send: &str, log: &str) {
    let holdout = Holdout::parse_percent("20").unwrap();
    let arm = |i: usize| assign("q2", "welcome-7", &format!("user-{i}"), holdout).as_str();
    let log = lines(log);
    assert_eq!(log.len(), n, "one exposure per user, either arm");
    for (i, e) in log.iter().enumerate() {
        assert_eq!(e["user_id"], format!("user-{i}"));
        assert_eq!(e["arm"], arm(i));
        assert_eq!(e["campaign_id"], "welcome-7");
        assert_eq!(e["campaign"], "Welcome");
        assert_eq!(e["holdout"], 20.0);
        assert_eq!(e["salt"], "q2");
        assert_eq!(e["assigned_at"], "2026-05-01T09:00:00.000Z");
    }
    let mut expected = String::from("Id,ChannelType,Address,User.UserId\n");
    for i in (0..n).filter(|i| arm(*i) == "treatment") {
        expected.push_str(&format!("ep-{i},EMAIL,user{i}@example.com,user-{i}\n"));
    }
    assert_eq!(send, expected, "treatment rows only, as they were");
    let control = log.iter().filter(|e| e["arm"] == "control").count();
    assert!(
        (100..=300).contains(&control),
        "{control} of {n} held out at 20 %"
    );
}

const ARGS: [&str; 10] = [
    "--campaign",
    "welcome-7",
    "--percent",
    "20",
    "--salt",
    "q2",
    "--label",
    "Welcome",
    "--assigned-at",
    "2026-05-01T09:00:00Z",
];

#[test]
fn a_csv_segment_splits_into_the_send_list_and_the_exposure_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spring.csv");
    std::fs::write(&path, segment_csv(1000)).unwrap();
    let out = holdout(&[&ARGS[..], &[path.to_str().unwrap()]].concat());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // The bad row is named with its line (the header is line 1), and does not stop the rest.
    assert!(
        err.contains("spring.csv: line 1002: User.UserId: empty"),
        "{err}"
    );
    assert!(err.contains("1000 users (id column User.UserId)"), "{err}");
    let send = std::fs::read_to_string(dir.path().join("spring.send.csv")).unwrap();
    let log = std::fs::read_to_string(dir.path().join("spring.exposures.jsonl")).unwrap();
    check_split(1000, &send, &log);

    // The same split again gives the same groups (nothing is stored between runs).
    let again = dir.path().join("again");
    let out = holdout(
        &[
            &ARGS[..],
            &["--output", again.to_str().unwrap(), path.to_str().unwrap()],
        ]
        .concat(),
    );
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(again.join("spring.send.csv")).unwrap(),
        send
    );
}

#[test]
fn bad_arguments_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    std::fs::write(&path, "phone\n123\n").unwrap();
    let p = path.to_str().unwrap();
    let err = |args: &[&str]| {
        let out = holdout(args);
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(
        err(&["--campaign", "c", "--percent", "12.345", p]).contains(
            "--percent: holdout: `12.345` is not a percentage from 0 to 100 with at most two decimals"
        )
    );
    assert!(
        err(&["--campaign", "c", "--percent", "10", p])
            .contains("no id column: the header has phone")
    );
    assert!(
        err(&[
            "--campaign",
            "c",
            "--percent",
            "10",
            "--assigned-at",
            "yesterday",
            p
        ])
        .contains("--assigned-at \"yesterday\": not an RFC 3339 time")
    );
}

async fn moto_s3() -> aws_sdk_s3::Client {
    let config = common::moto_sdk().await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

async fn get(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> String {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    String::from_utf8(out.body.collect().await.unwrap().to_vec()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs moto: run scripts/test.d/35-cli-moto.sh"]
async fn an_s3_segment_splits_to_an_s3_prefix() {
    assert!(
        std::env::var("AWS_ENDPOINT_URL").is_ok(),
        "needs moto: run scripts/test.d/35-cli-moto.sh"
    );
    let s3 = moto_s3().await;
    let bucket = format!("segments-{}", std::process::id());
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    s3.put_object()
        .bucket(&bucket)
        .key("exports/spring.csv")
        .body(ByteStream::from(segment_csv(1000).into_bytes()))
        .send()
        .await
        .unwrap();

    // Beside the segment by default ...
    let segment = format!("s3://{bucket}/exports/spring.csv");
    let out = tokio::task::spawn_blocking({
        let segment = segment.clone();
        move || holdout(&[&ARGS[..], &[segment.as_str()]].concat())
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let send = get(&s3, &bucket, "exports/spring.send.csv").await;
    let log = get(&s3, &bucket, "exports/spring.exposures.jsonl").await;
    check_split(1000, &send, &log);

    // ... or under --output.
    let output = format!("s3://{bucket}/holdouts/welcome-7/");
    let out = tokio::task::spawn_blocking(move || {
        holdout(&[&ARGS[..], &["--output", output.as_str(), segment.as_str()]].concat())
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        get(&s3, &bucket, "holdouts/welcome-7/spring.exposures.jsonl").await,
        log
    );

    // A missing segment is named.
    let missing = format!("s3://{bucket}/exports/nope.csv");
    let out =
        tokio::task::spawn_blocking(move || holdout(&[&ARGS[..], &[missing.as_str()]].concat()))
            .await
            .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("exports/nope.csv: no such key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

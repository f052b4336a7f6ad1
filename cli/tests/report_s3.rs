//! `journey-attribution report s3://…` against a moto server over the AWS wire protocol,
//! with the same numbers as the same records read from local files. Run through
//! scripts/test.d/35-cli-moto.sh (starts moto); `#[ignore]`d for a plain `cargo test`, and
//! they fail without moto.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::path::Path;
use std::process::Command;

use aws_sdk_s3::primitives::ByteStream;
use serde_json::Value;

mod common;
use common::fixture;

const BIN: &str = env!("CARGO_BIN_EXE_journey-attribution");

/// A client of moto's S3, path-style (a bucket is no host name on 127.0.0.1), with a fresh
/// bucket.
async fn fresh_bucket() -> (aws_sdk_s3::Client, String) {
    let config = common::moto_sdk().await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let bucket = bucket_name();
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    (s3, bucket)
}

fn report(args: &[&str]) -> (bool, String, String) {
    assert!(
        std::env::var("AWS_ENDPOINT_URL").is_ok(),
        "needs moto: run scripts/test.d/35-cli-moto.sh"
    );
    let out = Command::new(BIN).arg("report").args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_report(args: &[&str]) -> Value {
    let (ok, out, err) = report(args);
    assert!(ok, "report failed: {err}");
    serde_json::from_str(&out).unwrap()
}

/// The figures a marketer reads (the line count differs by design: an S3 object written
/// back to back is read a record a line).
fn figures(r: &Value) -> (Value, Value, Value, Value) {
    (
        r["campaigns"].clone(),
        r["events"].clone(),
        r["attributed_events"].clone(),
        r["skipped_lines"].clone(),
    )
}

/// The well-formed records of a fixture, one JSON object each.
fn records(name: &str) -> Vec<String> {
    std::fs::read_to_string(fixture(name))
        .unwrap()
        .lines()
        .filter(|l| serde_json::from_str::<Value>(l).is_ok_and(|v| v.is_object()))
        .map(str::to_owned)
        .collect()
}

fn gzip(text: &str) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap()
}

fn bucket_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("events-{}-{nanos}", std::process::id())
}

async fn put(s3: &aws_sdk_s3::Client, bucket: &str, key: impl Into<String>, body: Vec<u8>) {
    s3.put_object()
        .bucket(bucket)
        .key(key.into())
        .body(ByteStream::from(body))
        .send()
        .await
        .unwrap();
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs moto: run scripts/test.d/35-cli-moto.sh"]
async fn an_s3_prefix_gives_the_numbers_of_the_same_records_read_locally() {
    let (s3, bucket) = fresh_bucket().await;

    let amplify = records("amplify-firehose.jsonl");
    let pinpoint = records("stream.jsonl");
    let kinesis = records("kinesis-records.jsonl");
    // Firehose's layout: gzip, a line each (AppendDelimiterToRecord) ...
    put(
        &s3,
        &bucket,
        "firehose/2024/05/01/10/shop-1-a.gz",
        gzip(&amplify.join("\n")),
    )
    .await;
    // ... and records back to back, no delimiter, plain and gzip.
    put(
        &s3,
        &bucket,
        "firehose/2024/05/01/11/shop-1-b",
        pinpoint.concat().into_bytes(),
    )
    .await;
    put(
        &s3,
        &bucket,
        "firehose/2024/05/02/09/shop-1-c.gz",
        gzip(&kinesis.concat()),
    )
    .await;
    put(&s3, &bucket, "firehose/2024/05/01/", Vec::new()).await; // a console "folder"
    put(
        &s3,
        &bucket,
        "elsewhere/not-read.jsonl",
        pinpoint.concat().into_bytes(),
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    let local = [
        write(dir.path(), "a.jsonl", &amplify.join("\n")),
        write(dir.path(), "b.jsonl", &pinpoint.join("\n")),
        write(dir.path(), "c.jsonl", &kinesis.join("\n")),
    ];
    let url = format!("s3://{bucket}/firehose/");
    let run = |inputs: &[&str]| {
        let options = [
            "--format",
            "json",
            "--goal",
            "purchase",
            "--revenue-metric",
            "revenue",
        ];
        json_report(&[inputs, &options[..]].concat())
    };
    let [a, b, c] = [&local[0], &local[1], &local[2]].map(String::as_str);
    let whole_local = run(&[a, b, c]);
    let whole_s3 = run(&[&url]);
    assert_eq!(figures(&whole_s3), figures(&whole_local));
    assert!(
        whole_s3["attributed_events"].as_u64().unwrap() > 10,
        "{whole_s3}"
    );
    // One object at a time: the same.
    let serial = run(&[&url, "--s3-concurrency", "1"]);
    assert_eq!(figures(&serial), figures(&whole_local));

    // --from / --to list only Firehose's prefixes of those hours.
    let hour = run(&[&url, "--from", "2024-05-01T11", "--to", "2024-05-01T11"]);
    let b_local = run(&[b]);
    assert_eq!(figures(&hour), figures(&b_local));
    let day = run(&[&url, "--from", "2024-05-01", "--to", "2024-05-01"]);
    assert_eq!(figures(&day), figures(&run(&[a, b])));

    // S3 and local paths mix.
    let mixed = run(&[&url, b]);
    assert_eq!(
        mixed["events"].as_u64().unwrap(),
        whole_local["events"].as_u64().unwrap() + b_local["events"].as_u64().unwrap()
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs moto: run scripts/test.d/35-cli-moto.sh"]
async fn listings_are_paginated_and_a_large_back_to_back_object_is_read_a_record_a_line() {
    let (s3, bucket) = fresh_bucket().await;
    let record = |i: usize| {
        format!(
            r#"{{"event_type":"purchase","event_timestamp":1714521600000,"client":{{"client_id":"c{i}"}},"attributes":{{"campaign":"Spring","campaign_id":"j-1"}},"metrics":{{"revenue":1}}}}"#
        )
    };
    // 1 050 objects: more than ListObjectsV2's 1 000 keys a page.
    for batch in (0..1050).collect::<Vec<_>>().chunks(50) {
        let puts = batch.iter().map(|&i| {
            put(
                &s3,
                &bucket,
                format!("many/{i:05}.json"),
                record(i).into_bytes(),
            )
        });
        futures::future::join_all(puts).await;
    }
    // 40 000 records back to back in one object, far over --max-line-bytes (1 MiB).
    let big: String = (0..40_000).map(record).collect();
    assert!(big.len() > 4 << 20, "{}", big.len());
    put(&s3, &bucket, "big/2024/05/01/10/stream-1.gz", gzip(&big)).await;

    let options = ["--format", "json", "--revenue-metric", "revenue"];
    let many =
        json_report(&[&[format!("s3://{bucket}/many/").as_str()][..], &options[..]].concat());
    assert_eq!(
        (many["events"].as_u64(), many["skipped_lines"].as_u64()),
        (Some(1050), Some(0))
    );
    assert_eq!(many["campaigns"][0]["revenue"].as_f64(), Some(1050.0));
    let big = json_report(&[&[format!("s3://{bucket}/big/").as_str()][..], &options[..]].concat());
    assert_eq!(
        (big["events"].as_u64(), big["skipped_lines"].as_u64()),
        (Some(40_000), Some(0))
    );
    assert_eq!(
        big["campaigns"][0]["converted_users"].as_u64(),
        Some(40_000)
    );
}

#[test]
#[ignore = "needs moto: run scripts/test.d/35-cli-moto.sh"]
fn s3_errors_name_the_bucket_and_the_cause() {
    let (ok, _, err) = report(&["s3://no-such-bucket-for-the-report/events/"]);
    assert!(!ok);
    assert!(
        err.contains("s3://no-such-bucket-for-the-report: no such bucket"),
        "{err}"
    );
    let (ok, _, err) = report(&["s3:///events/"]);
    assert!(!ok);
    assert!(err.contains("expected s3://<bucket>/<prefix>"), "{err}");
    let (ok, _, err) = report(&["s3://b/", "--from", "2024-13-01"]);
    assert!(!ok);
    assert!(err.contains("--from / --to: \"2024-13-01\""), "{err}");
}

/// An S3 key listed under two prefixes given together (or a prefix given twice) is read
/// once, and the report says how many repeats it skipped; a local copy of a back-to-back
/// object is read like the object itself.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs moto: run scripts/test.d/35-cli-moto.sh"]
async fn an_s3_key_reached_through_two_prefixes_is_read_once() {
    let (s3, bucket) = fresh_bucket().await;
    let pinpoint = records("stream.jsonl");
    put(
        &s3,
        &bucket,
        "events/2024/05/01/10/a.gz",
        gzip(&pinpoint.concat()),
    )
    .await;
    put(
        &s3,
        &bucket,
        "events/2024/05/02/09/b",
        pinpoint.concat().into_bytes(),
    )
    .await;
    let options = ["--format", "json", "--revenue-metric", "revenue"];
    let run = |inputs: &[&str]| json_report(&[inputs, &options[..]].concat());
    let all = format!("s3://{bucket}/events/");
    let day = format!("s3://{bucket}/events/2024/05/01/");
    let once = run(&[&all]);
    assert_eq!(once.get("repeated_inputs"), None, "absent when none");
    let overlapping = run(&[&all, &day, &all]);
    assert_eq!(figures(&overlapping), figures(&once));
    assert_eq!(overlapping["repeated_inputs"], 3);
    let ranged = run(&[&all, &all, "--from", "2024-05-01", "--to", "2024-05-01"]);
    assert_eq!(figures(&ranged), figures(&run(&[&day])));
    assert_eq!(ranged["repeated_inputs"], 1);

    let dir = tempfile::tempdir().unwrap();
    let local = write(dir.path(), "b", &pinpoint.concat());
    let object_b = run(&[&format!("s3://{bucket}/events/2024/05/02/")]);
    assert_eq!(figures(&run(&[&local])), figures(&object_b));
}

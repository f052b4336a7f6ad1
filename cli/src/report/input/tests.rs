//! The input layer end to end (discovery, framing, the pool) at chunk sizes and thread
//! counts the CLI never uses, so every cut falls everywhere.
#![allow(clippy::unwrap_used)]
use std::fs::File;
use std::io::Write as _;
use std::path::PathBuf;

use journey_attribution_report::{Report, ReportOptions};

use super::pool::Outcome;
use super::*;

const STREAM: &str = include_str!("../../../../tests/fixtures/report/stream.jsonl");

fn report(outcome: Outcome) -> Report {
    outcome.aggregator.finish(&[]).unwrap()
}

fn run(paths: &[PathBuf], options: &ReportOptions, threads: usize, limits: Limits) -> Outcome {
    let inputs = discover(paths, None).unwrap();
    let job = Job {
        options: options.clone(),
        touch: None,
        lift: None,
        threads,
        strict: false,
        limits,
        s3_concurrency: 1,
    };
    aggregate(&job, &inputs).unwrap()
}

fn chunked(chunk_bytes: usize) -> Limits {
    Limits {
        chunk_bytes,
        max_record_bytes: MAX_LINE_BYTES,
    }
}

fn gzip(path: &std::path::Path, text: &str) {
    let mut enc =
        flate2::write::GzEncoder::new(File::create(path).unwrap(), flate2::Compression::fast());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap();
}

fn skipped(out: &Outcome) -> Vec<u64> {
    out.skips
        .iter()
        .map(|s| s.to_string().split(':').nth(1).unwrap().parse().unwrap())
        .collect()
}

/// Over-long records, whether inside a chunk, across chunks, at the end of the file or
/// among records written back to back, are skipped with their reason and number; the
/// others count as if they were not there, whatever the chunk size, plain or gzip.
#[test]
fn records_longer_than_the_limit_are_skipped_with_their_reason() {
    let lines: Vec<&str> = STREAM.lines().collect();
    let (a, b) = (lines[1], lines[2]);
    let long = "x".repeat(5_000);
    let long_object = format!("{{\"pad\":\"{long}\"}}");
    // Records 1-6 a line each; then a line of records back to back: 7 `a`, 8 the long
    // object, 9 `b`; then 10 `a`, 11 a long line to the end.
    let text = format!(
        "{a}\n{long}\n{b}\n{long}{{\"tail\":1}}\n{a}\n{long}\n{a}{long_object}{b}\n{a}\n{long}"
    );
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("long.jsonl");
    std::fs::write(&plain, &text).unwrap();
    let gz = dir.path().join("long.jsonl.gz");
    gzip(&gz, &text);
    let clean = dir.path().join("clean.jsonl");
    std::fs::write(&clean, format!("{a}\n{b}\n{a}\n{a}\n{b}\n{a}\n")).unwrap();
    let options = ReportOptions::default();
    let expected = report(run(&[clean], &options, 1, chunked(1 << 20)));
    for chunk_bytes in [64, 1000, 4096, 1 << 20] {
        for file in [&plain, &gz] {
            let limits = Limits {
                chunk_bytes,
                max_record_bytes: 2_000,
            };
            let out = run(std::slice::from_ref(file), &options, 2, limits);
            assert_eq!(
                skipped(&out),
                [2, 4, 6, 8, 11],
                "chunk {chunk_bytes} {file:?}: {:?}",
                out.skips
            );
            let reasons: Vec<String> = out.skips.iter().map(ToString::to_string).collect();
            assert!(
                reasons[1].ends_with(
                    ":4: record of 5010 bytes, longer than --max-line-bytes (2000): skipped"
                ),
                "{reasons:?}"
            );
            assert!(
                reasons[3].contains(":8: record of 5010 bytes"),
                "{reasons:?}"
            );
            let got = report(out);
            assert_eq!(got.skipped_lines, 5);
            assert_eq!(got.lines, expected.lines + 5);
            assert_eq!(got.campaigns, expected.campaigns, "chunk {chunk_bytes}");
            assert_eq!(got.events, expected.events);
        }
    }
}

/// Tiny chunks (smaller than a record), several threads and gzip give the same report
/// and the same record numbers as reading the file whole.
#[test]
fn chunking_threads_and_gzip_do_not_change_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("a.jsonl");
    std::fs::write(&plain, STREAM.repeat(3)).unwrap();
    let gz = dir.path().join("b.jsonl.gz");
    gzip(&gz, &STREAM.repeat(3));
    let options = ReportOptions {
        goals: vec!["purchase".into()],
        revenue_metric: Some("revenue".into()),
        ..Default::default()
    };

    let whole = run(std::slice::from_ref(&plain), &options, 1, chunked(1 << 20));
    assert_eq!(skipped(&whole), [11, 26, 41]);
    let whole = report(whole);
    for (threads, chunk) in [(1, 7), (3, 300), (4, 1000)] {
        for file in [&plain, &gz] {
            let got = run(
                std::slice::from_ref(file),
                &options,
                threads,
                chunked(chunk),
            );
            assert_eq!(
                skipped(&got),
                [11, 26, 41],
                "threads {threads}, chunk {chunk}, {file:?}"
            );
            assert_eq!(
                report(got),
                whole,
                "threads {threads}, chunk {chunk}, {file:?}"
            );
        }
    }
    let both = report(run(&[plain, gz], &options, 2, chunked(500)));
    // Every record is read; the second file's are redeliveries of the first's, so each
    // attributed event still counts once.
    assert_eq!(both.events, 2 * whole.events);
    assert_eq!(
        both.campaigns[0].attributed_events,
        whole.campaigns[0].attributed_events
    );
    assert!(both.duplicates > whole.duplicates);
    assert_eq!(
        both.campaigns[0].converted_users,
        whole.campaigns[0].converted_users
    );
}

/// The same records, a line each or back to back (with blank space between some), in one
/// line or several: the same report at any chunk size, each record numbered the same.
#[test]
fn back_to_back_records_read_as_records_a_line_each() {
    let records: Vec<&str> = STREAM
        .lines()
        .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
        .collect();
    let options = ReportOptions {
        goals: vec!["purchase".into()],
        revenue_metric: Some("revenue".into()),
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let lines = dir.path().join("lines.jsonl");
    std::fs::write(&lines, records.join("\n")).unwrap();
    let expected = report(run(&[lines], &options, 1, chunked(1 << 20)));
    assert!(expected.events > 10);
    let mixed = records
        .iter()
        .enumerate()
        .map(|(i, r)| match i % 3 {
            0 => r.to_string(),
            1 => format!("{r} \t"),
            _ => format!("{r}\r\n"),
        })
        .collect::<String>();
    for (name, text) in [("concat", records.concat()), ("mixed", mixed)] {
        let path = dir.path().join(name);
        std::fs::write(&path, &text).unwrap();
        for chunk in [16, 333, 1 << 20] {
            let got = run(std::slice::from_ref(&path), &options, 2, chunked(chunk));
            assert!(got.skips.is_empty(), "{name} {chunk}: {:?}", got.skips);
            assert_eq!(report(got), expected, "{name}, chunk {chunk}");
        }
    }
}

#[test]
fn invalid_utf8_costs_one_record_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.jsonl");
    let mut bytes = STREAM.as_bytes().to_vec();
    bytes.extend_from_slice(b"{\"event_type\":\"\xff\"}\n");
    bytes.extend_from_slice(STREAM.as_bytes());
    std::fs::write(&path, bytes).unwrap();
    let got = run(&[path], &ReportOptions::default(), 2, chunked(1 << 20));
    let found: Vec<(u64, bool)> = skipped(&got)
        .into_iter()
        .zip(
            got.skips
                .iter()
                .map(|s| s.to_string().contains("not UTF-8")),
        )
        .collect();
    assert_eq!(found, [(11, false), (16, true), (27, false)]);
    let r = report(got);
    assert_eq!((r.lines, r.skipped_lines, r.events), (29, 3, 26));
}

/// Records split at newlines and where objects written back to back meet; strings,
/// escapes and nesting hide what looks like a boundary; a newline ends a broken record.
#[test]
fn records_split_where_objects_meet() {
    fn split(input: &str) -> Vec<&str> {
        framing::records(input.as_bytes())
            .map(|r| &input[r])
            .collect()
    }
    assert_eq!(
        split(r#"{"a":1}{"b":"}{"} {"c":[{}]}"#),
        [r#"{"a":1}"#, r#"{"b":"}{"} "#, r#"{"c":[{}]}"#]
    );
    assert_eq!(
        split("{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3} \n"),
        ["{\"a\":1}", "{\"b\":2}\r", "", "{\"c\":3} "]
    );
    assert_eq!(
        split(r#"{"a":"\"}{"}{"b":1}"#),
        [r#"{"a":"\"}{"}"#, r#"{"b":1}"#]
    );
    assert_eq!(
        split("{\"a\":\n{\"b\":1}{\"c\":2}"),
        ["{\"a\":", "{\"b\":1}", "{\"c\":2}"]
    );
    assert_eq!(
        split("{\"a\":\"x\\\n{\"b\":1}"),
        ["{\"a\":\"x\\", "{\"b\":1}"]
    );
    assert!(split("").is_empty());
}

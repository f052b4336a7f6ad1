//! The report's input rules through the CLI: one framing for every input (records a line
//! each or back to back, `--max-line-bytes` per record, local files, `.gz` and standard
//! input alike) and every input read once (overlapping directories, links).
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

mod common;
use common::{BIN, run, success};

/// A purchase of revenue 1 by user `c{i}` for campaign Spring (`j-1`).
fn purchase(i: usize) -> String {
    format!(
        r#"{{"event_type":"purchase","event_timestamp":1714521600000,"client":{{"client_id":"c{i}"}},"attributes":{{"campaign":"Spring","campaign_id":"j-1"}},"metrics":{{"revenue":1}}}}"#
    )
}

/// `n` purchases written back to back, as Firehose writes an object without
/// `AppendDelimiterToRecord`.
fn back_to_back(range: std::ops::Range<usize>) -> String {
    range.map(purchase).collect()
}

fn json_report(args: &[&str]) -> Value {
    let mut all = vec!["--format", "json", "--revenue-metric", "revenue"];
    all.extend_from_slice(args);
    serde_json::from_str(&success(&run(&all))).unwrap()
}

/// (events, skipped records, revenue, converted users, repeated inputs)
fn figures(r: &Value) -> (u64, u64, f64, u64, u64) {
    let spring = &r["campaigns"][0];
    (
        r["events"].as_u64().unwrap(),
        r["skipped_lines"].as_u64().unwrap(),
        spring["revenue"].as_f64().unwrap_or(0.0),
        spring["converted_users"].as_u64().unwrap_or(0),
        // Absent when none.
        r.get("repeated_inputs").map_or(0, |n| n.as_u64().unwrap()),
    )
}

fn gzip(path: &Path, text: &str) {
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap();
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A downloaded Firehose object (1.6 MB of records back to back, over the 1 MiB limit) is
/// read whole, plain or gzip, like the same records a line each.
#[test]
fn a_local_object_of_back_to_back_records_is_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let text = back_to_back(0..10_000);
    assert!(
        text.len() > 1_600_000 && !text.contains('\n'),
        "{}",
        text.len()
    );
    let plain = dir.path().join("shop-1-2026-03-01-10-00-00-abc");
    std::fs::write(&plain, &text).unwrap();
    let gz = dir.path().join("shop-1-2026-03-01-11-00-00-def.gz");
    gzip(&gz, &text);
    let lines = dir.path().join("lines.jsonl");
    std::fs::write(
        &lines,
        (0..10_000).map(purchase).collect::<Vec<_>>().join("\n"),
    )
    .unwrap();

    let expected = (10_000, 0, 10_000.0, 10_000, 0);
    assert_eq!(figures(&json_report(&[path(&lines)])), expected);
    assert_eq!(figures(&json_report(&[path(&plain)])), expected);
    assert_eq!(
        figures(&json_report(&[path(&gz), "--threads", "2"])),
        expected
    );
}

/// One record over `--max-line-bytes` among good ones written back to back: that record
/// is skipped with its reason and number, every other one counts.
#[test]
fn an_over_long_record_costs_itself_only() {
    let dir = tempfile::tempdir().unwrap();
    let huge = format!(
        r#"{{"event_type":"purchase","client":{{"client_id":"x"}},"attributes":{{"campaign":"Spring","campaign_id":"j-1","pad":"{}"}},"metrics":{{"revenue":1000}}}}"#,
        "x".repeat(1_200_000)
    );
    let text = format!("{}{huge}{}", back_to_back(0..100), back_to_back(100..200));
    let file = dir.path().join("object");
    std::fs::write(&file, &text).unwrap();
    let out = run(&[
        "--format",
        "json",
        "--revenue-metric",
        "revenue",
        path(&file),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report: Value = serde_json::from_str(&success(&out)).unwrap();
    assert_eq!(figures(&report), (200, 1, 200.0, 200, 0));
    assert!(
        stderr.contains(&format!(
            "object:101: record of {} bytes, longer than --max-line-bytes (1048576): skipped",
            huge.len()
        )),
        "{stderr}"
    );
    // A lower limit applies to each record, not to the object.
    let small = json_report(&[path(&file), "--max-line-bytes", "1000"]);
    assert_eq!(figures(&small), (200, 1, 200.0, 200, 0));
}

/// `report dir dir/2026/03` reads the files under `dir/2026/03` once, and says so in every
/// format.
#[test]
fn overlapping_directories_are_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let march = dir.path().join("2026/03/01");
    std::fs::create_dir_all(&march).unwrap();
    std::fs::create_dir_all(dir.path().join("2026/02")).unwrap();
    std::fs::write(dir.path().join("2026/02/a"), back_to_back(0..10)).unwrap();
    std::fs::write(march.join("b"), back_to_back(10..30)).unwrap();
    gzip(&march.join("c.gz"), &back_to_back(30..60));
    let root = path(dir.path());
    let sub = dir.path().join("2026/03");

    let once = json_report(&[root]);
    assert_eq!(figures(&once), (60, 0, 60.0, 60, 0));
    let both = json_report(&[root, path(&sub)]);
    assert_eq!(figures(&both), (60, 0, 60.0, 60, 2));
    let reversed = json_report(&[path(&sub), root, root]);
    assert_eq!(figures(&reversed), (60, 0, 60.0, 60, 5));

    let out = run(&[root, path(&sub)]);
    let table = success(&out);
    assert!(table.contains("2 repeated input(s) read once"), "{table}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("2 input(s) reached through more than one path"),
        "{stderr}"
    );
    let html = success(&run(&["--format", "html", root, path(&sub)]));
    assert!(html.contains("2 repeated input(s) read once"), "{html}");
}

/// A symbolic link to a file also listed (or inside a listed directory) is the same
/// input; a link back up the tree is not followed round.
#[cfg(unix)]
#[test]
fn a_link_to_a_listed_file_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let file = data.join("events.jsonl");
    std::fs::write(&file, back_to_back(0..10)).unwrap();
    let link = dir.path().join("latest.jsonl");
    std::os::unix::fs::symlink(&file, &link).unwrap();
    std::os::unix::fs::symlink(&data, data.join("again")).unwrap();

    assert_eq!(
        figures(&json_report(&[path(&file), path(&link)])),
        (10, 0, 10.0, 10, 1)
    );
    assert_eq!(
        figures(&json_report(&[path(&link), path(&data)])),
        (10, 0, 10.0, 10, 1)
    );
}

/// `-` reads standard input through the same framing: records back to back, gzip told by
/// its first bytes.
#[test]
fn standard_input_is_an_input_like_the_others() {
    let feed = |bytes: Vec<u8>| {
        let mut child = Command::new(BIN)
            .args([
                "report",
                "-",
                "--format",
                "json",
                "--revenue-metric",
                "revenue",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || stdin.write_all(&bytes));
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        serde_json::from_str::<Value>(&success(&out)).unwrap()
    };
    let text = back_to_back(0..10_000);
    assert_eq!(
        figures(&feed(text.clone().into_bytes())),
        (10_000, 0, 10_000.0, 10_000, 0)
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    assert_eq!(
        figures(&feed(gz.finish().unwrap())),
        (10_000, 0, 10_000.0, 10_000, 0)
    );
}

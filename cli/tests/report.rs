//! `journey-attribution report`, run as a user runs it, on temporary files.

use serde_json::{Value, json};
use std::io::Write as _;
use std::path::{Path, PathBuf};

mod common;
use common::{run, success as stdout};

fn fixture() -> PathBuf {
    common::fixture("stream.jsonl")
}

fn json_report(args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    serde_json::from_str(&stdout(&run(&all))).expect("JSON report")
}

fn costs_file(dir: &Path) -> PathBuf {
    let path = dir.join("costs.csv");
    std::fs::write(
        &path,
        "campaign,cost,note\nj-spring,100,\"email, then sms\"\n\"Winter \"\"Warm-up\"\", 2024\",20,\nNewsletter,30.5,\n",
    )
    .expect("write costs");
    path
}

#[test]
fn json_report_has_the_known_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let costs = costs_file(dir.path());
    let fixture = fixture();
    let out = run(&[
        fixture.to_str().expect("path"),
        "--goal",
        "purchase",
        "--revenue-metric",
        "revenue",
        "--costs",
        costs.to_str().expect("path"),
        "--format",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert!(
        stderr.contains("stream.jsonl:11: EOF while parsing"),
        "stderr names the file and line: {stderr}"
    );
    assert_eq!(v["skipped_lines"], 1);
    assert_eq!(
        v["campaigns"],
        json!([
            {"campaign": "Spring Sale", "campaign_id": "j-spring", "attributed_events": 5,
             "events_by_type": {"add_to_cart": 1, "page_view": 1, "purchase": 3},
             "converted_users": 2, "revenue": 110.5, "cost": 100.0, "roi": 0.105},
            {"campaign": "Newsletter", "campaign_id": null, "attributed_events": 2,
             "events_by_type": {"purchase": 1, "sign_up": 1},
             "converted_users": 1, "revenue": 15.25, "cost": 30.5, "roi": -0.5},
            {"campaign": "Spring Sale", "campaign_id": "j-spring-2", "attributed_events": 1,
             "events_by_type": {"purchase": 1},
             "converted_users": 1, "revenue": 5.0, "cost": null, "roi": null},
            {"campaign": "Winter \"Warm-up\", 2024", "campaign_id": "j-winter", "attributed_events": 1,
             "events_by_type": {"purchase": 1},
             "converted_users": 1, "revenue": 0.0, "cost": 20.0, "roi": -1.0},
        ])
    );
}

#[test]
fn table_is_the_default_format() {
    let fixture = fixture();
    let out = stdout(&run(&[
        fixture.to_str().expect("path"),
        "--revenue-metric",
        "revenue",
    ]));
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("CAMPAIGN") && lines[0].ends_with("ROI"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("Spring Sale") && lines[1].contains("110.50"),
        "{out}"
    );
    assert!(out.contains("skipped lines: 1"), "{out}");
}

#[test]
fn csv_output_quotes_and_round_trips() {
    let dir = tempfile::tempdir().expect("tempdir");
    let costs = costs_file(dir.path());
    let fixture = fixture();
    let out = stdout(&run(&[
        fixture.to_str().expect("path"),
        "--goal",
        "purchase",
        "--revenue-metric",
        "revenue",
        "--costs",
        costs.to_str().expect("path"),
        "--format",
        "csv",
    ]));
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .expect("headers")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headers,
        [
            "campaign",
            "campaign_id",
            "attributed_events",
            "converted_users",
            "revenue",
            "cost",
            "roi",
            "events_by_type"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    assert_eq!(rows.len(), 4);
    let winter = &rows[3];
    assert_eq!(&winter[0], "Winter \"Warm-up\", 2024");
    assert_eq!((&winter[5], &winter[6]), ("20", "-1"));
    assert_eq!(&rows[2][5], "", "no cost: empty field");
    let types: Value = serde_json::from_str(&rows[0][7]).expect("events_by_type JSON");
    assert_eq!(types["purchase"], 3);
}

#[test]
fn html_is_one_self_contained_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let costs = costs_file(dir.path());
    let html_path = dir.path().join("report.html");
    let fixture = fixture();
    let out = run(&[
        fixture.to_str().expect("path"),
        "--goal",
        "purchase",
        "--revenue-metric",
        "revenue",
        "--costs",
        costs.to_str().expect("path"),
        "--format",
        "html",
        "--output",
        html_path.to_str().expect("path"),
    ]);
    assert!(stdout(&out).is_empty(), "--output leaves stdout empty");
    let html = std::fs::read_to_string(&html_path).expect("report written");
    assert!(html.starts_with("<!doctype html>") && html.trim_end().ends_with("</html>"));
    assert_eq!(html.matches("<svg").count(), 1);
    // Revenue and cost bars per campaign, one conversions bar per campaign.
    assert_eq!(
        html.matches("class=\"rev\"/>").count(),
        1 + 4,
        "legend + 4 campaigns"
    );
    assert_eq!(html.matches("class=\"conv\"/>").count(), 4);
    assert!(html.contains("Winter &quot;Warm-up&quot;, 2024"));
    assert!(!html.contains("Winter \"Warm-up\""), "labels are escaped");
    // No network: nothing but the SVG namespace looks like a URL; no scripts, no links.
    let urls = html.matches("http").count();
    assert_eq!(urls, html.matches("http://www.w3.org/2000/svg").count());
    for forbidden in ["<script", "<link", "src=", "@import", "url("] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
    assert!(html.contains("110.50") && html.contains("+10.5%"));
}

#[test]
fn directories_and_gzip_add_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = std::fs::read_to_string(fixture()).expect("fixture");
    let nested = dir.path().join("export/2024/05/01");
    std::fs::create_dir_all(&nested).expect("mkdir");
    std::fs::write(nested.join("part-1"), &text).expect("write");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(nested.join("part-2.gz")).expect("create"),
        flate2::Compression::default(),
    );
    gz.write_all(text.as_bytes()).expect("gzip");
    gz.finish().expect("gzip");

    let one = json_report(&[
        fixture().to_str().expect("path"),
        "--revenue-metric",
        "revenue",
    ]);
    let both = json_report(&[
        dir.path().join("export").to_str().expect("path"),
        "--revenue-metric",
        "revenue",
        "--threads",
        "3",
    ]);
    assert_eq!(both["skipped_lines"], 2);
    assert_eq!(both["events"], 2 * one["events"].as_u64().expect("events"));
    let spring = &both["campaigns"][0];
    assert_eq!(spring["campaign_id"], "j-spring");
    // The second copy holds the same records: read, and counted once.
    assert_eq!(spring["attributed_events"], 5);
    assert_eq!(spring["revenue"], 110.5);
    assert_eq!(spring["converted_users"], 2, "same users in both files");
    assert_eq!(both["attributed_events"], one["attributed_events"]);
    assert_eq!(both["duplicates"], one["attributed_events"]);
}

#[test]
fn strict_makes_a_malformed_line_fatal() {
    let fixture = fixture();
    let out = run(&[
        fixture.to_str().expect("path"),
        "--strict",
        "--format",
        "json",
    ]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no report on failure");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("stream.jsonl:11:") && stderr.contains("--strict"),
        "{stderr}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let clean = dir.path().join("clean.jsonl");
    let text = std::fs::read_to_string(&fixture).expect("fixture");
    let good: Vec<&str> = text
        .lines()
        .filter(|l| !l.ends_with("\"Spring Sale\""))
        .collect();
    std::fs::write(&clean, good.join("\n")).expect("write");
    let v = json_report(&[clean.to_str().expect("path"), "--strict"]);
    assert_eq!(v["skipped_lines"], 0);
}

#[test]
fn bad_inputs_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = fixture();
    let fixture = fixture.to_str().expect("path");
    let missing = dir.path().join("nope.jsonl");
    let out = run(&[missing.to_str().expect("path")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.jsonl"));

    let costs = dir.path().join("bad.csv");
    std::fs::write(&costs, "campaign,cost\nj-spring,lots\n").expect("write");
    let out = run(&[fixture, "--costs", costs.to_str().expect("path")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("bad.csv: line 2"),
        "{stderr}"
    );

    std::fs::write(&costs, "campaign,cost\nSpring Sale,10\n").expect("write");
    let out = run(&[fixture, "--costs", costs.to_str().expect("path")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("several campaigns"),
        "{stderr}"
    );

    let out = run(&[fixture, "--format", "xml"]);
    assert!(!out.status.success());
}

/// Peak resident memory of a child while it runs (VmHWM, polled; Linux).
fn peak_rss_kb(child: &mut std::process::Child) -> u64 {
    let mut peak = 0;
    while child.try_wait().expect("wait").is_none() {
        let status = std::fs::read_to_string(format!("/proc/{}/status", child.id()));
        if let Some(kb) = status.ok().and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        }) {
            peak = peak.max(kb);
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    peak
}

/// A 48 MiB line of zeros in 50 KB of gzip (a small "gzip bomb"), between two events: the
/// report skips it with its reason, keeps the events, and its memory stays far below the
/// line's size (before the limit it held the whole line, copied quadratically).
#[test]
fn a_gzip_bomb_line_is_skipped_in_bounded_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stream = std::fs::read_to_string(fixture()).expect("fixture");
    let event = stream.lines().nth(1).expect("an event line");
    let path = dir.path().join("bomb.jsonl.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).expect("create"),
        flate2::Compression::best(),
    );
    writeln!(gz, "{event}").expect("write");
    let zeros = vec![b'0'; 1 << 20];
    for _ in 0..48 {
        gz.write_all(&zeros).expect("write");
    }
    writeln!(gz, "\n{event}").expect("write");
    gz.finish().expect("finish");
    assert!(std::fs::metadata(&path).expect("meta").len() < 200_000);

    let mut child = std::process::Command::new(common::BIN)
        .args(["report", "--format", "json", "--threads", "1"])
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run");
    let peak = peak_rss_kb(&mut child);
    let out = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(":2: record of 50331648 bytes, longer than --max-line-bytes (1048576)"),
        "{stderr}"
    );
    let report: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(
        (report["skipped_lines"].as_u64(), report["events"].as_u64()),
        (Some(1), Some(2))
    );
    println!("gzip bomb: peak RSS {} KiB for a 48 MiB line", peak);
    assert!(peak < 40 * 1024, "peak RSS {peak} KiB");
}

//! Bad-input corpus for the report: malformed event-stream lines, generated
//! deterministically from the valid fixtures. For each: no panic, and a skip reason that
//! names the field and says why, or acceptance; bad lines never lose the good ones. Counts
//! are printed (`--nocapture`) and recorded in FUZZING.md ("Bad-input corpus").
#![allow(clippy::unwrap_used)]

use journey_attribution_report::{Aggregator, ReportOptions};
use journey_attribution_test_support::bad::{
    Seg, Tally, assert_located, assert_names_field, bad_texts, bad_values, dotted, paths, prefixes,
    text_with,
};
use serde_json::Value;

fn fixture(name: &str) -> String {
    journey_attribution_test_support::fixtures::text(name)
}

// ---------------------------------------------------------------- report lines

#[test]
fn report_lines() {
    let text = fixture("report/stream.jsonl");
    let good: Vec<&str> = text
        .lines()
        .filter(|l| serde_json::from_str::<Value>(l).is_ok())
        .collect();
    assert!(good.len() >= 10);
    let options = || ReportOptions {
        goals: vec!["purchase".into()],
        revenue_metric: Some("revenue".into()),
        ..Default::default()
    };
    let mut tally = Tally::default();
    let mut rejected_lines: Vec<String> = Vec::new();
    let mut accepted_lines: Vec<String> = Vec::new();
    let mut judge = |kind: &str, path: &[Seg], line: String, tally: &mut Tally| {
        let mut agg = Aggregator::new(options());
        match agg.push_line(&line) {
            Ok(()) => {
                tally.count(kind, "accepted");
                accepted_lines.push(line);
            }
            Err(e) => {
                if kind == "truncated" {
                    assert_located(&e.reason, kind);
                } else {
                    let input = format!("{kind} at {}", dotted(path));
                    assert_names_field(&e.reason, path, "in the record", &input);
                }
                tally.count(kind, "skipped_line");
                rejected_lines.push(line);
            }
        }
    };
    // Mutations of three records: a session event, an attributed purchase, a page view.
    let samples: Vec<Value> = good
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["event_type"] == "purchase" || v["event_type"] == "page_view")
        .take(2)
        .chain(std::iter::once(serde_json::from_str(good[0]).unwrap()))
        .collect();
    // Serialized once: a 1 MB string is slow to serialize in a debug build.
    let raw_bad_values: Vec<(&str, String)> = bad_values()
        .into_iter()
        .map(|(kind, v)| (kind, serde_json::to_string(&v).unwrap()))
        .collect();
    for (n, valid) in samples.iter().enumerate() {
        for path in paths(valid) {
            for (kind, raw) in &raw_bad_values {
                if *kind == "huge_string" && n > 0 {
                    continue; // one record's paths suffice (1 MB lines are slow in debug)
                }
                judge(kind, &path, text_with(valid, &path, raw), &mut tally);
            }
            for (kind, line) in bad_texts(valid, &path) {
                judge(kind, &path, line, &mut tally);
            }
        }
    }
    for line in good.iter().take(3) {
        for prefix in prefixes(line) {
            judge("truncated", &[], prefix.to_owned(), &mut tally);
        }
    }

    // Bad lines among good ones: the good ones count, every bad one is a skipped line. Each
    // round of the good lines is a distinct set of events (its own `event_id`s): the report
    // counts an event once, so repeating the same lines would not add up.
    let distinct = |round: usize, i: usize| -> String {
        let mut v: Value = serde_json::from_str(good[i]).unwrap();
        v["event_id"] = Value::String(format!("round-{round}-line-{i}"));
        v.to_string()
    };
    let mut only_good = Aggregator::new(options());
    for i in 0..good.len() {
        only_good.push_line(&distinct(0, i)).unwrap();
    }
    let only_good = only_good.finish(&[]).unwrap();
    let mut mixed_text = String::new();
    for (i, bad) in rejected_lines.iter().enumerate() {
        mixed_text.push_str(&distinct(i / good.len(), i % good.len()));
        mixed_text.push('\n');
        mixed_text.push_str(bad);
        mixed_text.push('\n');
    }
    let rounds = rejected_lines.len().div_ceil(good.len());
    let mut mixed = Aggregator::new(options());
    let mut skipped = 0;
    mixed.push_text(&mixed_text, |_, _| skipped += 1);
    // Pad to whole rounds of the good lines so the totals compare exactly.
    for i in rejected_lines.len()..rounds * good.len() {
        mixed
            .push_line(&distinct(i / good.len(), i % good.len()))
            .unwrap();
    }
    let mixed = mixed.finish(&[]).unwrap();
    assert_eq!(skipped, rejected_lines.len());
    assert_eq!(mixed.skipped_lines, rejected_lines.len() as u64);
    let r = rounds as u64;
    assert_eq!(mixed.events, only_good.events * r, "good lines lost");
    assert_eq!(mixed.attributed_events, only_good.attributed_events * r);
    assert_eq!(mixed.duplicates, 0, "distinct events are not repeats");
    assert_eq!(
        mixed.lines,
        only_good.lines * r + rejected_lines.len() as u64
    );
    println!(
        "bad-input corpus: report mixed text: {} good + {} bad lines -> events {} (= {} x {r}), skipped_lines {}",
        rounds * good.len(),
        rejected_lines.len(),
        mixed.events,
        only_good.events,
        mixed.skipped_lines
    );
    assert!(!accepted_lines.is_empty() || tally.tried() > 0);
    tally.print("report::Aggregator::push_line");
}

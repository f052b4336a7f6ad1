//! Bad-input corpus for the stream records `sync` reads: every path of each
//! stream fixture with every malformation of the shared generator (`tests/support`). For
//! each: no panic, and either an error that names the field and says why, or acceptance
//! where the field is one the rule ignores by design. Counts are printed (`--nocapture`)
//! and recorded in FUZZING.md.
#![allow(clippy::unwrap_used)]

use journey_attribution_core::sync;
use journey_attribution_table::stream::decode_record;
use journey_attribution_test_support::bad::{
    Seg, Tally, assert_located, assert_names_field, bad_texts, bad_values, dotted, paths, prefixes,
    wire, with,
};
use journey_attribution_test_support::fixtures::text as fixture;
use serde_json::Value;

/// `decode_record` then the sync rule (`decide`), as `sync` applies a record.
fn stream_run(record: &Value) -> Result<(), String> {
    let decoded = decode_record(record).map_err(|e| e.to_string())?;
    sync::decide(&decoded.change).map_err(|e| e.to_string())?;
    Ok(())
}

#[test]
fn stream_records() {
    let mut tally = Tally::default();
    for name in [
        "dynamodb-stream-insert.json",
        "dynamodb-stream-modify.json",
        "dynamodb-stream-ttl-remove.json",
    ] {
        let text = fixture(name);
        let event: Value = serde_json::from_str(&text).unwrap();
        let valid = event["Records"][0].clone();
        stream_run(&valid).unwrap();
        let judge = |kind: &str, path: &[Seg], v: &Value, tally: &mut Tally| {
            let input = format!("{name}: {kind} at {}", dotted(path));
            match stream_run(v) {
                Ok(()) => tally.count(kind, "accepted"),
                Err(message) => {
                    assert_names_field(&message, path, "dynamodb", &input);
                    tally.count(kind, "error");
                }
            }
        };
        for path in paths(&valid) {
            for (kind, bad) in bad_values() {
                judge(kind, &path, &with(&valid, &path, bad), &mut tally);
            }
            for (kind, text) in bad_texts(&valid, &path) {
                match wire(&text, "(record)") {
                    Ok(v) => judge(kind, &path, &v, &mut tally),
                    Err(message) => {
                        assert_names_field(&message, &path, "(record)", kind);
                        tally.count(kind, "json_error");
                    }
                }
            }
        }
        let record_text = serde_json::to_string(&valid).unwrap();
        for prefix in prefixes(&record_text) {
            let message = wire(prefix, "(record)").expect_err("a strict prefix is not JSON");
            assert_located(&message, "truncated");
            tally.count("truncated", "json_error");
        }
    }
    tally.print("stream::decode_record + sync::decide");
}

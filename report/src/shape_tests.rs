//! Amplify stream data and Kinesis record envelopes, alone and mixed with Pinpoint records.
#![allow(clippy::unwrap_used)]

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::{Value, json};

use super::shapes::{self, Shape};
use super::*;
use journey_attribution_core::ses::SesConfig;

const STREAM: &str = include_str!("../../tests/fixtures/report/stream.jsonl");
const AMPLIFY: &str = include_str!("../../tests/fixtures/report/amplify-firehose.jsonl");
const KINESIS: &str = include_str!("../../tests/fixtures/report/kinesis-records.jsonl");

fn opts() -> ReportOptions {
    ReportOptions {
        goals: vec!["purchase".into()],
        revenue_metric: Some("revenue".into()),
        ..Default::default()
    }
}

fn aggregate(text: &str) -> (Report, Vec<(u64, String)>) {
    let mut agg = Aggregator::new(opts());
    let mut skipped = Vec::new();
    agg.push_text(text, |n, e| skipped.push((n, e.reason)));
    (agg.finish(&[]).unwrap(), skipped)
}

type Row<'a> = (&'a str, Option<&'a str>, u64, u64, Option<f64>);

fn rows(r: &Report) -> Vec<Row<'_>> {
    r.campaigns
        .iter()
        .map(|c| {
            (
                c.campaign.as_str(),
                c.campaign_id.as_deref(),
                c.attributed_events,
                c.converted_users,
                c.revenue,
            )
        })
        .collect()
}

fn b64(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for group in text.as_bytes().chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            out.push(if i <= group.len() {
                ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

/// `aws kinesis get-records` style envelope around `data`.
fn envelope(data: &Value, partition_key: &str, arrival: Value) -> String {
    json!({
        "SequenceNumber": "49651234567890123456789012345678901234567890123456789099",
        "ApproximateArrivalTimestamp": arrival,
        "Data": b64(&data.to_string()),
        "PartitionKey": partition_key,
        "EncryptionType": "NONE",
    })
    .to_string()
}

/// Lambda's Kinesis event record around `data`.
fn lambda_envelope(data: &Value, partition_key: &str, arrival: f64) -> String {
    json!({
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": partition_key,
            "sequenceNumber": "49590338271490256608559692538361571095921575989136588898",
            "data": b64(&data.to_string()),
            "approximateArrivalTimestamp": arrival,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": "shardId-000000000006:49590338271490256608559692538361571095921575989136588898",
        "eventName": "aws:kinesis:record",
        "awsRegion": "us-east-1",
    })
    .to_string()
}

fn parse(text: &str) -> Result<shapes::Parsed<'_>, String> {
    let spans = shapes::split(text).expect("one JSON object");
    assert_eq!(spans.len(), 1);
    match shapes::parse_object(text, spans[0].shape, 0)? {
        shapes::Object::Event(p) => Ok(p),
        other => panic!("not an event: {other:?}"),
    }
}

fn user<'a>(p: &'a shapes::Parsed<'_>) -> Option<&'a str> {
    p.record.client.as_ref()?.client_id.as_deref()
}

// ------------------------------------------------------------------ shapes, one by one

#[test]
fn amplify_data_reads_name_user_id_timestamp_and_metrics_borrowing_plain_strings() {
    let line = r#"{"name":"purchase","attributes":{"plan":"pro","campaign":"Spring","campaign_id":"j-1","user_id":"alice"},"metrics":{"revenue":19.5,"items":2},"timestamp":1714557600000}"#;
    let p = parse(line).unwrap();
    assert!(matches!(p.record.event_type, Cow::Borrowed("purchase")));
    assert_eq!(user(&p), Some("alice"));
    assert_eq!(p.record.event_timestamp, Some(1_714_557_600_000));
    let a = p.record.attributes.as_ref().unwrap();
    assert!(matches!(a.campaign, Some(Cow::Borrowed("Spring"))));
    assert_eq!(a.campaign_id.as_deref(), Some("j-1"));
    assert_eq!(
        p.record.metrics.as_ref().unwrap().get("revenue"),
        Some(19.5)
    );
    assert!(p.amplify, "Amplify data, never a journey touch");

    // Only `name` is required; an empty user id is no user id.
    let p = parse(r#"{"name":"page_view","attributes":{"user_id":""}}"#).unwrap();
    assert_eq!((user(&p), p.record.event_timestamp), (None, None));
    assert!(p.record.metrics.is_none());
}

#[test]
fn amplify_timestamp_is_epoch_ms_or_rfc_3339() {
    for (ts, want) in [
        (json!(1714557600000i64), 1_714_557_600_000),
        (json!(1714557600000.4), 1_714_557_600_000),
        (json!("2024-05-01T10:00:00Z"), 1_714_557_600_000),
        (json!("2024-05-01T12:00:00.250+02:00"), 1_714_557_600_250),
    ] {
        let line = json!({"name": "v", "timestamp": ts}).to_string();
        assert_eq!(
            parse(&line).unwrap().record.event_timestamp,
            Some(want),
            "{ts}"
        );
    }
    // Unreadable: no time, and the record still counts.
    for bad in [json!("yesterday"), json!(true), json!({}), json!(1e300)] {
        let line = json!({"name": "v", "timestamp": bad}).to_string();
        assert_eq!(parse(&line).unwrap().record.event_timestamp, None, "{bad}");
    }
}

#[test]
fn kinesis_record_user_is_the_partition_key_unless_the_data_has_a_user_id() {
    let data = json!({"name": "purchase", "attributes": {"campaign": "Flash", "campaign_id": "j-f"}, "metrics": {"revenue": 25}});
    let line = envelope(
        &data,
        "us-east-1:identity-a",
        json!("2024-05-02T09:00:00.123000+00:00"),
    );
    let p = parse(&line).unwrap();
    assert_eq!(p.record.event_type, "purchase");
    assert_eq!(user(&p), Some("us-east-1:identity-a"));
    assert_eq!(p.record.event_timestamp, Some(1_714_640_400_123));
    assert_eq!(
        p.record.metrics.as_ref().unwrap().get("revenue"),
        Some(25.0)
    );
    assert!(p.amplify);
    // Lift's and touch reconstruction's user: the partition key too.
    let a = p.record.attributes.as_ref().unwrap();
    assert_eq!(a.user.as_deref(), Some("us-east-1:identity-a"));
    assert!(
        a.touch.is_none(),
        "touch reconstruction's only when it reads"
    );

    // The app's user id and time win over the envelope's.
    let data = json!({"name": "purchase", "attributes": {"user_id": "grace"}, "timestamp": 1714641000000i64});
    let line = envelope(&data, "us-east-1:identity-b", json!(1714641999.5));
    let p = parse(&line).unwrap();
    assert_eq!(user(&p), Some("grace"));
    assert_eq!(p.record.event_timestamp, Some(1_714_641_000_000));
}

#[test]
fn arrival_time_is_epoch_seconds_milliseconds_or_rfc_3339() {
    let data = json!({"name": "v"});
    for (arrival, want) in [
        (json!(1545084650.987), 1_545_084_650_987),
        (json!(1545084650), 1_545_084_650_000),
        (json!(1545084650987i64), 1_545_084_650_987),
        (json!("2018-12-17T22:10:50.987Z"), 1_545_084_650_987),
        (json!("2018-12-17T22:10:50.987000+00:00"), 1_545_084_650_987),
        (json!(null), -1),
    ] {
        let line = envelope(&data, "k", arrival.clone());
        let p = parse(&line).unwrap();
        assert_eq!(p.record.event_timestamp.unwrap_or(-1), want, "{arrival}");
    }
    // Unreadable: no time, and the record still counts.
    for bad in [json!("soon"), json!([])] {
        let line = envelope(&data, "k", bad.clone());
        let p = parse(&line).unwrap();
        assert_eq!(p.record.event_timestamp, None, "{bad}");
    }
}

#[test]
fn lambda_kinesis_record_is_read_like_get_records_output() {
    let data = json!({"name": "purchase", "attributes": {"campaign": "Flash"}, "metrics": {"revenue": 30}});
    let line = lambda_envelope(&data, "identity-b", 1545084650.987);
    let p = parse(&line).unwrap();
    assert_eq!(
        (user(&p), p.record.event_timestamp),
        (Some("identity-b"), Some(1_545_084_650_987))
    );
    assert_eq!(
        p.record.attributes.as_ref().unwrap().campaign.as_deref(),
        Some("Flash")
    );
    // The documented example's data is not an event.
    let line = r#"{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"1","sequenceNumber":"4959","data":"SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==","approximateArrivalTimestamp":1545084650.987},"eventSource":"aws:kinesis"}"#;
    let reason = parse(line).unwrap_err();
    assert!(
        reason.starts_with("in the base64-decoded kinesis.data: expected value"),
        "{reason}"
    );
}

#[test]
fn a_pinpoint_record_in_a_kinesis_record_counts_as_pinpoint() {
    let pinpoint = json!({"event_type": "purchase", "event_timestamp": 1714550400000i64,
        "client": {"client_id": "endpoint-1"}, "attributes": {"campaign": "Spring"},
        "metrics": {"revenue": 7}});
    let line = envelope(&pinpoint, "partition-7", json!(1714550401.0));
    let p = parse(&line).unwrap();
    assert_eq!(
        user(&p),
        Some("endpoint-1"),
        "client.client_id, not the partition key"
    );
    assert_eq!(p.record.event_timestamp, Some(1_714_550_400_000));
    assert!(!p.amplify);
}

#[test]
fn bad_envelopes_are_skipped_with_a_reason_naming_the_field() {
    let data = json!({"name": "purchase"});
    let good = envelope(&data, "k", json!(1545084650.9));
    let with_data = |d: &str| {
        let mut v: Value = serde_json::from_str(&good).unwrap();
        v["Data"] = json!(d);
        v.to_string()
    };
    let encoded = b64(&data.to_string());
    let cases = [
        (
            with_data(&format!("!{}", &encoded[1..])),
            "invalid base64 in Data: invalid character '!' at offset 0",
        ),
        (
            with_data(&encoded[..encoded.len() - 1]),
            "invalid base64 in Data: length",
        ),
        (
            with_data(&format!("{encoded}=")),
            "invalid base64 in Data: misplaced padding",
        ),
        (
            with_data("/w=="),
            "Data is not UTF-8 text once base64-decoded",
        ),
        (
            with_data(&b64(r#"{"name":"v","metrics":{"revenue":"12"}}"#)),
            "in the base64-decoded Data: invalid type: string \"12\", expected f64 at metrics.revenue",
        ),
        (
            with_data(&b64(r#"{"event":"v"}"#)),
            "in the base64-decoded Data: not an event: no `name`",
        ),
        (
            with_data(&b64("[1]")),
            "in the base64-decoded Data: invalid type: sequence",
        ),
        (
            good.replace(r#""PartitionKey":"k""#, r#""PartitionKey":7"#),
            "invalid type: integer `7`, expected a string at PartitionKey",
        ),
        (
            good.replace(&format!("\"{encoded}\""), "null"),
            "invalid type: null, expected a string at Data",
        ),
    ];
    for (line, want) in cases {
        let reason = parse(&line).unwrap_err();
        assert!(
            reason.starts_with(want),
            "{line}\n  {reason}\n  wanted {want}"
        );
    }
    let lambda = lambda_envelope(&data, "k", 1.0).replace(&encoded, "e30=!");
    assert!(
        parse(&lambda)
            .unwrap_err()
            .starts_with("invalid base64 in kinesis.data:"),
    );
}

#[test]
fn an_object_of_no_known_shape_is_named_so() {
    let (r, skipped) =
        aggregate("{\"attributes\":{}}\n  {\"data\":\"e30=\",\"recordId\":\"r1\"}\n");
    assert_eq!((r.lines, r.skipped_lines, r.events), (2, 2, 0));
    assert_eq!(
        skipped[1].1,
        "not an event record: no `event_type` (Pinpoint), `name` (Amplify stream data), \
         `Data` (Kinesis record), `kinesis` (Lambda Kinesis record), or `eventType` and \
         `mail` (SES event record) in the record (column 3)"
    );
    // Type errors name the field, shape by shape; the column is the line's.
    let (_, skipped) = aggregate(concat!(
        r#"{"name":"a"}{"name":"b","attributes":{"campaign":3}}"#,
        "\n",
        r#"{"name":"a"}{"event_type":"b","metrics":{"revenue":"x"}}"#,
    ));
    assert_eq!(
        skipped,
        [
            (
                1,
                "invalid type: integer `3`, expected a string at attributes.campaign (column 50)"
                    .to_owned()
            ),
            (
                2,
                "invalid type: string \"x\", expected f64 at metrics.revenue (column 54)"
                    .to_owned()
            ),
        ]
    );
}

#[test]
fn pinpoint_lines_take_the_fast_path_and_keep_their_errors() {
    assert!(shapes::may_be_pinpoint(r#"{"event_type":"x"}"#));
    assert!(shapes::may_be_pinpoint(r#" { "application":{}}"#));
    assert!(shapes::may_be_pinpoint("not json"));
    assert!(shapes::may_be_pinpoint(r#"{"na\"me":1}"#));
    for other in [
        r#"{"name":"x"}"#,
        r#"  { "Data":"e30="}"#,
        r#"{"SequenceNumber":"1"}"#,
        r#"{"kinesis":{}}"#,
    ] {
        assert!(!shapes::may_be_pinpoint(other), "{other}");
    }
    // Key order does not matter: a Pinpoint record starting with another key, or with a
    // `name` attribute, is read the same.
    let (a, _) = aggregate(
        r#"{"event_type":"purchase","name":"n","client":{"client_id":"c"},"attributes":{"campaign":"C"},"metrics":{"revenue":2}}"#,
    );
    let (b, _) = aggregate(
        r#"{"name":"n","metrics":{"revenue":2},"attributes":{"campaign":"C"},"client":{"client_id":"c"},"event_type":"purchase"}"#,
    );
    assert_eq!(a, b);
    assert_eq!(rows(&a), [("C", None, 1, 1, Some(2.0))]);
    // The same Pinpoint error whichever path found it.
    let (_, x) = aggregate(r#"{"event_type":"x","metrics":{"revenue":"1"}}"#);
    let (_, y) = aggregate(r#"{"name":"n","event_type":"x","metrics":{"revenue":"1"}}"#);
    assert_eq!(
        x[0].1,
        "invalid type: string \"1\", expected f64 at metrics.revenue (column 42)"
    );
    assert_eq!(
        y[0].1,
        "invalid type: string \"1\", expected f64 at metrics.revenue (column 53)"
    );
    let (_, z) = aggregate(r#"{"name":"purchase","attributes":{"campaign":"Spring""#);
    assert_eq!(
        z[0].1,
        "EOF while parsing an object at attributes (column 52)"
    );
}

// ------------------------------------------------------------------ fixtures

#[test]
fn known_answer_on_the_amplify_firehose_fixture() {
    let (r, skipped) = aggregate(AMPLIFY);
    assert_eq!(
        skipped,
        [(
            8,
            "invalid type: string \"12\", expected f64 at metrics.revenue (column 127)".to_owned()
        ),],
        "line 10's unreadable `timestamp` does not drop it"
    );
    assert_eq!(
        (
            r.lines,
            r.skipped_lines,
            r.events,
            r.custom_events,
            r.attributed_events
        ),
        (9, 1, 10, 10, 9)
    );
    assert_eq!(
        rows(&r),
        [
            ("Spring Sale", Some("j-spring"), 6, 2, Some(110.5)),
            (
                "Winter \"Warm-up\", 2024",
                Some("j-winter"),
                1,
                1,
                Some(20.0)
            ),
            ("Newsletter", None, 2, 1, Some(15.25)),
        ]
    );
    let spring: Vec<(&str, u64)> = r.campaigns[0]
        .events_by_type
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        spring,
        [("add_to_cart", 2), ("page_view", 1), ("purchase", 3)]
    );
}

#[test]
fn known_answer_on_the_kinesis_records_fixture() {
    let (r, skipped) = aggregate(KINESIS);
    assert_eq!(
        skipped,
        [(
            6,
            "invalid base64 in Data: invalid character '!' at offset 20".to_owned()
        )]
    );
    assert_eq!(
        (r.lines, r.skipped_lines, r.events, r.attributed_events),
        (6, 1, 5, 5)
    );
    assert_eq!(
        rows(&r),
        [
            ("Flash sale 48h", Some("j-flash"), 4, 2, Some(75.0)),
            ("Spring Sale", Some("j-spring"), 1, 1, Some(5.0)),
        ]
    );
}

// ------------------------------------------------------------------ mixing with Pinpoint

/// The Pinpoint record equivalent to Amplify data: `name` → `event_type`, user id →
/// `client.client_id`, `timestamp` → `event_timestamp`.
fn as_pinpoint(data: &Value) -> Value {
    let mut r = json!({"event_type": data["name"], "attributes": data["attributes"], "metrics": data["metrics"]});
    if let Some(u) = data["attributes"]["user_id"].as_str() {
        r["client"] = json!({"client_id": u});
    }
    if let Some(t) = data["timestamp"].as_i64() {
        r["event_timestamp"] = json!(t);
    }
    r
}

/// The good lines of the Amplify fixture, and the same lines as Pinpoint records.
fn amplify_and_pinpoint_lines() -> (Vec<&'static str>, Vec<String>) {
    let (_, skipped) = aggregate(AMPLIFY);
    let bad: Vec<u64> = skipped.iter().map(|(n, _)| *n).collect();
    AMPLIFY
        .lines()
        .zip(1u64..)
        .filter(|(l, n)| !l.trim().is_empty() && !bad.contains(n))
        .map(|(l, _)| {
            let pinpoint: String = serde_json::Deserializer::from_str(l)
                .into_iter::<Value>()
                .map(|v| as_pinpoint(&v.unwrap()).to_string())
                .collect();
            (l, pinpoint)
        })
        .unzip()
}

#[test]
fn amplify_lines_give_the_figures_of_the_equivalent_pinpoint_lines() {
    let (amplify, pinpoint) = amplify_and_pinpoint_lines();
    let (a, _) = aggregate(&amplify.join("\n"));
    let (p, _) = aggregate(&pinpoint.join("\n"));
    assert_eq!(a, p);

    // Interleaved with a Pinpoint export, line by line and within lines: the report of the
    // Pinpoint export plus the equivalent Pinpoint lines.
    let stream: Vec<&str> = STREAM.lines().collect();
    let mut mixed = Vec::new();
    let mut reference = Vec::new();
    for i in 0..stream.len().max(amplify.len()) {
        let s = stream.get(i);
        if let Some(s) = s {
            mixed.push(s.to_string());
            reference.push(s.to_string());
        }
        let Some((a, p)) = amplify.get(i).zip(pinpoint.get(i)) else {
            continue;
        };
        // Every other Amplify line is glued to the (complete) Pinpoint line before it.
        if i % 2 == 0 && s.is_some_and(|s| s.ends_with('}')) {
            mixed.last_mut().unwrap().push_str(a);
            reference.last_mut().unwrap().push_str(p);
        } else {
            mixed.push(a.to_string());
            reference.push(p.clone());
        }
    }
    let (m, m_skipped) = aggregate(&mixed.join("\n"));
    let (r, r_skipped) = aggregate(&reference.join("\n"));
    assert_eq!(m, r);
    assert_eq!(m_skipped, r_skipped, "the same lines are skipped");
    assert!(m.events > 20 && m.campaigns.len() == 4, "{m:?}");
    let spring = m
        .campaigns
        .iter()
        .find(|c| c.campaign_id.as_deref() == Some("j-spring"))
        .unwrap();
    assert_eq!(
        (
            spring.attributed_events,
            spring.converted_users,
            spring.revenue
        ),
        (11, 4, Some(221.0))
    );
}

#[test]
fn kinesis_envelopes_give_the_figures_of_the_equivalent_pinpoint_lines() {
    let kinesis: Vec<&str> = KINESIS.lines().filter(|l| !l.contains('!')).collect();
    let pinpoint: Vec<String> = kinesis
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let (data, key) = match v.get("kinesis") {
                Some(k) => (&k["data"], &k["partitionKey"]),
                None => (&v["Data"], &v["PartitionKey"]),
            };
            let bytes = super::base64::decode(data.as_str().unwrap()).unwrap();
            let mut data: Value = serde_json::from_slice(&bytes).unwrap();
            if data["attributes"]["user_id"].is_null() {
                data["attributes"]["user_id"] = key.clone();
            }
            as_pinpoint(&data).to_string()
        })
        .collect();
    let (k, _) = aggregate(&kinesis.join("\n"));
    let (p, _) = aggregate(&pinpoint.join("\n"));
    assert_eq!(k, p);
}

#[test]
fn merging_mixed_partials_gives_the_whole() {
    let text = format!("{STREAM}\n{AMPLIFY}\n{KINESIS}");
    let lines: Vec<&str> = text.lines().collect();
    let whole = aggregate(&text).0;
    for split in [0, 7, 19, 30, lines.len()] {
        let mut a = Aggregator::new(opts());
        let mut b = Aggregator::new(opts());
        a.push_text(&lines[..split].join("\n"), |_, _| {});
        b.push_text(&lines[split..].join("\n"), |_, _| {});
        b.merge(a);
        assert_eq!(b.finish(&[]).unwrap(), whole, "split at {split}");
    }
    assert_eq!(whole.skipped_lines, 1 + 1 + 1);
}

// ------------------------------------------------------------------ touch reconstruction

const DAY: i64 = 86_400_000;
const T0: i64 = 1_714_521_600_000;

fn click(day: i64, journey: &str, user: &str) -> String {
    let endpoint = json!({"ChannelType": "EMAIL", "User": {"UserId": user}}).to_string();
    json!({
        "event_type": "_email.click",
        "event_timestamp": T0 + day * DAY,
        "client": {"client_id": format!("email-{user}")},
        "attributes": {"journey_id": journey},
        "client_context": {"custom": {"endpoint": endpoint}},
    })
    .to_string()
}

fn touch_report(lines: &[String], touch: TouchOptions) -> TouchAttribution {
    let mut agg = Aggregator::with_touches(opts(), touch);
    for l in lines {
        agg.push_line(l).unwrap();
    }
    agg.finish_with_endpoints(&[], &HashMap::new())
        .unwrap()
        .touch_attribution
        .unwrap()
}

#[test]
fn amplify_conversions_join_journey_touches_by_user_id_or_partition_key() {
    let purchase = |user: Option<&str>, day: Option<i64>, revenue: f64| {
        let mut d = json!({"name": "purchase", "attributes": {"page": "/checkout"}, "metrics": {"revenue": revenue}});
        if let Some(u) = user {
            d["attributes"]["user_id"] = json!(u);
        }
        if let Some(day) = day {
            d["timestamp"] = json!(T0 + day * DAY);
        }
        d
    };
    let arrival = |day: i64| json!((T0 + day * DAY) as f64 / 1000.0);
    let lines = vec![
        click(1, "j-a", "alice"),
        click(1, "j-b", "us-east-1:identity-b"),
        // Firehose data with the app's user id and time.
        purchase(Some("alice"), Some(2), 30.0).to_string(),
        // A Kinesis record: user from the partition key, time from the arrival.
        envelope(&purchase(None, None, 10.0), "us-east-1:identity-b", arrival(3)),
        // Lambda's form, with the user id in the data.
        lambda_envelope(
            &purchase(Some("alice"), None, 5.0),
            "us-east-1:identity-a",
            (T0 + 4 * DAY) as f64 / 1000.0,
        ),
        // Firehose data without a time, or without a user: counted, not joined.
        purchase(Some("alice"), None, 1.0).to_string(),
        purchase(None, Some(3), 1.0).to_string(),
        // Not a goal, and never a touch.
        json!({"name": "page_view", "attributes": {"user_id": "alice"}, "timestamp": T0 + 2 * DAY}).to_string(),
        json!({"name": "_email.click", "attributes": {"user_id": "alice", "journey_id": "j-x"}, "timestamp": T0}).to_string(),
    ];
    let t = touch_report(&lines, TouchOptions::new(TouchModel::Last));
    assert_eq!(
        (
            t.conversions,
            t.joined_conversions,
            t.conversions_without_user,
            t.touches
        ),
        (5, 3, 2, 2)
    );
    let credits: Vec<(&str, f64, Option<f64>)> = t
        .campaigns
        .iter()
        .map(|c| (c.campaign_id.as_str(), c.conversions, c.revenue))
        .collect();
    assert_eq!(
        credits,
        [("j-a", 2.0, Some(35.0)), ("j-b", 1.0, Some(10.0))]
    );

    // Another user attribute: the partition key stands in when the data lacks it.
    let lines = vec![
        click(1, "j-a", "alice"),
        click(1, "j-b", "us-east-1:identity-b"),
        purchase(Some("alice"), Some(2), 30.0).to_string(),
        envelope(
            &purchase(Some("alice"), None, 10.0),
            "us-east-1:identity-b",
            arrival(3),
        ),
    ];
    let t = touch_report(
        &lines,
        TouchOptions {
            user_attribute: "username".into(),
            ..TouchOptions::new(TouchModel::Last)
        },
    );
    assert_eq!((t.conversions, t.joined_conversions), (2, 1));
    assert_eq!(t.campaigns[0].campaign_id, "j-b");
}

#[test]
fn touch_input_of_a_mixed_line_feeds_each_object() {
    let line = format!(
        "{}{}",
        click(1, "j-a", "alice"),
        json!({"name": "purchase", "attributes": {"user_id": "alice"}, "metrics": {"revenue": 4}, "timestamp": T0 + 2 * DAY})
    );
    let t = touch_report(&[line], TouchOptions::new(TouchModel::First));
    assert_eq!((t.touches, t.conversions, t.joined_conversions), (1, 1, 1));
    assert_eq!(t.campaigns[0].revenue, Some(4.0));
    assert_eq!(
        shapes::split(r#"{"name":"a"} {"Data":""}"#).unwrap().len(),
        2
    );
    assert_eq!(
        shapes::split(r#"{"name":"a"}{"event_type":"b"}"#)
            .unwrap()
            .iter()
            .map(|s| s.shape)
            .collect::<Vec<_>>(),
        [Shape::Amplify, Shape::Pinpoint]
    );
}

// ------------------------------------------------------------------ SES event records

const SES: &str = include_str!("../../tests/fixtures/report/ses-firehose.jsonl");
const SES_AMPLIFY: &str = include_str!("../../tests/fixtures/report/ses-amplify-firehose.jsonl");
const SES_OPEN_SNS: &str = include_str!("../../tests/fixtures/ses-open-sns.json");

/// An SES event record as a configuration set's Firehose destination writes it (the
/// documented fields; `open` / `click` / `delivery` by type).
fn ses(event_type: &str, day: i64, journey: Option<&str>, user: &str) -> Value {
    let at = journey_attribution_core::rfc3339::format_ms(T0 + day * DAY);
    let sent = journey_attribution_core::rfc3339::format_ms(T0 + day * DAY - 60_000);
    let mut tags = json!({"ses:configuration-set": ["journeys"], "username": [user]});
    if let Some(j) = journey {
        tags["journey_id"] = json!([j]);
        tags["campaign"] = json!([format!("label of {j}")]);
    }
    let mut r = json!({
        "eventType": event_type,
        "mail": {
            "timestamp": sent,
            "source": "news@example.com",
            "sendingAccountId": "123456789012",
            "messageId": format!("msg-{user}-{day}"),
            "destination": [format!("{user}@example.com")],
            "headersTruncated": false,
            "tags": tags,
        },
    });
    match event_type {
        "Open" => {
            r["open"] =
                json!({"ipAddress": "198.51.100.7", "timestamp": at, "userAgent": "Mozilla/5.0"})
        }
        "Click" => {
            r["click"] = json!({"ipAddress": "198.51.100.7", "link": "https://shop.example.com/", "linkTags": {}, "timestamp": at, "userAgent": "Mozilla/5.0"})
        }
        "Delivery" => {
            r["delivery"] = json!({"timestamp": at, "processingTimeMillis": 120, "recipients": [format!("{user}@example.com")], "smtpResponse": "250 2.0.0 OK", "reportingMTA": "a8-12.smtp-out.amazonses.com"})
        }
        _ => {}
    }
    r
}

/// The SNS notification carrying `record`, as an SNS subscription delivers it.
fn sns_notification(record: &Value) -> Value {
    json!({
        "Type": "Notification",
        "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:ses-events",
        "Message": record.to_string(),
        "Timestamp": "2024-05-01T00:00:01.000Z",
        "SignatureVersion": "1",
        "Signature": "EXAMPLE",
        "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-EXAMPLE.pem",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
    })
}

/// A purchase as Amplify data, in a Kinesis record envelope whose partition key is not the
/// user (the data's `user_id`, the Cognito username, is).
fn kinesis_purchase(day: i64, user: &str, revenue: f64) -> String {
    let data = json!({"name": "purchase", "attributes": {"user_id": user}, "metrics": {"revenue": revenue}});
    envelope(
        &data,
        "us-east-1:identity-x",
        json!((T0 + day * DAY) as f64 / 1000.0),
    )
}

fn credits(t: &TouchAttribution) -> Vec<(&str, f64, Option<f64>)> {
    t.campaigns
        .iter()
        .map(|c| (c.campaign_id.as_str(), c.conversions, c.revenue))
        .collect()
}

fn with_touches(text: &str, touch: TouchOptions) -> (Report, Vec<(u64, String)>) {
    let mut agg = Aggregator::with_touches(opts(), touch);
    let mut skipped = Vec::new();
    agg.push_text(text, |n, e| skipped.push((n, e.reason)));
    (agg.finish(&[]).unwrap(), skipped)
}

#[test]
fn ses_records_and_sns_notifications_are_told_by_their_keys() {
    let open = ses("Open", 1, Some("j-a"), "alice");
    let mut legacy = open.clone();
    let t = legacy.as_object_mut().unwrap().remove("eventType").unwrap();
    legacy["notificationType"] = t;
    let shape = |v: &Value| shapes::split(&v.to_string()).unwrap()[0].shape;
    assert_eq!(shape(&open), Shape::Ses);
    assert_eq!(shape(&legacy), Shape::Ses);
    assert_eq!(shape(&sns_notification(&open)), Shape::SnsNotification);
    assert_eq!(shape(&json!({"eventType": "Open"})), Shape::Unknown);
    assert_eq!(shape(&json!({"mail": {}})), Shape::Unknown);
    assert_eq!(shape(&json!({"Type": "Notification"})), Shape::Unknown);
    // Pinpoint's own key wins, whatever else the object holds.
    assert_eq!(
        shape(&json!({"eventType": "Open", "mail": {}, "event_type": "x"})),
        Shape::Pinpoint
    );
    // SES lines skip the Pinpoint attempt (SES and SNS write `eventType` / `Type` first);
    // Pinpoint lines still take it.
    let sns = format!(
        r#"{{"Type":"Notification","MessageId":"m-1","Message":{}}}"#,
        Value::String(open.to_string())
    );
    assert_eq!(
        shape(&serde_json::from_str(&sns).unwrap()),
        Shape::SnsNotification
    );
    for line in [open.to_string(), legacy.to_string(), sns] {
        assert!(!shapes::may_be_pinpoint(&line), "{line}");
    }
    assert!(shapes::may_be_pinpoint(r#"{"event_type":"_email.open"}"#));
}

#[test]
fn an_ses_open_then_a_kinesis_purchase_credits_the_journey() {
    let lines = vec![
        ses("Open", 1, Some("j-a"), "alice").to_string(),
        ses("Click", 3, Some("j-b"), "alice").to_string(),
        // Another user's touch never credits alice's purchase.
        ses("Open", 2, Some("j-c"), "bob").to_string(),
        kinesis_purchase(5, "alice", 30.0),
    ];
    let first = touch_report(&lines, TouchOptions::new(TouchModel::First));
    assert_eq!(credits(&first), [("j-a", 1.0, Some(30.0))]);
    assert_eq!(
        (
            first.conversions,
            first.joined_conversions,
            first.touches,
            first.touches_without_user
        ),
        (1, 1, 3, 0)
    );
    assert_eq!(
        first.note,
        "1 of 1 conversions could be joined to a journey touch (_email.open/_email.click or \
         SES Open/Click with a journey_id, same user id, within 30d before)"
    );
    let last = touch_report(&lines, TouchOptions::new(TouchModel::Last));
    assert_eq!(credits(&last), [("j-b", 1.0, Some(30.0))]);
    let linear = touch_report(&lines, TouchOptions::new(TouchModel::Linear));
    assert_eq!(
        credits(&linear),
        [("j-a", 0.5, Some(15.0)), ("j-b", 0.5, Some(15.0))]
    );
    // Outside the window: nothing.
    let short = touch_report(
        &lines,
        TouchOptions {
            lookback: "1d".parse().unwrap(),
            ..TouchOptions::new(TouchModel::Linear)
        },
    );
    assert_eq!((short.joined_conversions, short.touches), (0, 3));
}

#[test]
fn ses_records_are_never_events_and_are_read_only_with_touches() {
    let lines = [
        ses("Open", 1, Some("j-a"), "alice").to_string(),
        ses("Delivery", 1, Some("j-a"), "alice").to_string(),
        sns_notification(&ses("Click", 2, Some("j-a"), "alice")).to_string(),
        // Malformed, and a notification of another topic: unread without touches.
        r#"{"eventType":"Open","mail":{"tags":7}}"#.to_owned(),
        r#"{"Type":"Notification","Message":"hello"}"#.to_owned(),
    ]
    .join("\n");
    let (r, skipped) = aggregate(&lines);
    assert_eq!(skipped, []);
    assert_eq!(
        (r.lines, r.skipped_lines, r.events, r.custom_events),
        (5, 0, 0, 0)
    );
    assert!(r.campaigns.is_empty());
    let (r, skipped) = with_touches(&lines, TouchOptions::new(TouchModel::Last));
    assert_eq!(
        skipped,
        [
            (
                4,
                "malformed SES event record: mail.tags: invalid type: integer `7`, expected a \
                 map (column 1)"
                    .to_owned()
            ),
            (
                5,
                "malformed SES event record in an SNS notification: Message: not JSON: \
                 expected value at line 1 column 1 (column 1)"
                    .to_owned()
            ),
        ]
    );
    assert_eq!(
        (r.lines, r.skipped_lines, r.events, r.custom_events),
        (5, 2, 0, 0)
    );
    let t = r.touch_attribution.unwrap();
    assert_eq!((t.touches, t.conversions), (2, 0));
}

#[test]
fn ses_records_that_are_not_touches_are_ignored_and_malformed_ones_name_the_field() {
    let mut untagged = ses("Open", 1, None, "alice");
    untagged["mail"]["tags"]["journey_id"] = json!([""]);
    let mut no_user = ses("Click", 1, Some("j-a"), "alice");
    no_user["mail"]["tags"]
        .as_object_mut()
        .unwrap()
        .remove("username");
    let ignored = [
        ses("Delivery", 1, Some("j-a"), "alice"),
        ses("Send", 1, Some("j-a"), "alice"),
        ses("Bounce", 1, Some("j-a"), "alice"),
        ses("Open", 1, None, "alice"),
        untagged,
        no_user,
        // Not an engagement: its shape is not looked at.
        json!({"eventType": "Delivery", "mail": 1}),
    ];
    for record in &ignored {
        for line in [record.to_string(), sns_notification(record).to_string()] {
            let (r, skipped) = with_touches(&line, TouchOptions::new(TouchModel::Last));
            assert_eq!(skipped, [], "{line}");
            let t = r.touch_attribution.unwrap();
            assert_eq!((r.skipped_lines, t.touches), (0, 0), "{line}");
        }
    }

    let mut no_id = ses("Open", 1, Some("j-a"), "alice");
    no_id["mail"].as_object_mut().unwrap().remove("messageId");
    let mut bad_time = ses("Click", 1, Some("j-a"), "alice");
    bad_time["click"]["timestamp"] = json!("soon");
    bad_time["mail"]["timestamp"] = json!(null);
    let mut bad_type = ses("Open", 1, Some("j-a"), "alice");
    bad_type["eventType"] = json!(["Open"]);
    let mut bad_destination = ses("Open", 1, Some("j-a"), "alice");
    bad_destination["mail"]["destination"] = json!("alice@example.com");
    let cases = [
        (no_id, "mail: missing field `messageId`"),
        (
            bad_time,
            "click.timestamp: missing or not RFC 3339 (and so is mail.timestamp)",
        ),
        (bad_type, "eventType: not a string"),
        (
            bad_destination,
            "mail.destination: invalid type: string \"alice@example.com\", expected a sequence",
        ),
    ];
    for (record, want) in cases {
        let (_, skipped) = with_touches(&record.to_string(), TouchOptions::new(TouchModel::Last));
        assert_eq!(
            skipped,
            [(1, format!("malformed SES event record: {want} (column 1)"))]
        );
        let (_, skipped) = with_touches(
            &format!("  {}", sns_notification(&record)),
            TouchOptions::new(TouchModel::Last),
        );
        assert_eq!(
            skipped,
            [(
                1,
                format!(
                    "malformed SES event record in an SNS notification: Message.{want} (column 3)"
                )
            )]
        );
    }
    // An SNS message that is not a notification.
    let mut confirmation = sns_notification(&json!({}));
    confirmation["Type"] = json!("SubscriptionConfirmation");
    let (_, skipped) = with_touches(
        &confirmation.to_string(),
        TouchOptions::new(TouchModel::Last),
    );
    assert_eq!(
        skipped,
        [(
            1,
            "SNS message of Type \"SubscriptionConfirmation\": not a Notification, so no SES \
             event record (column 1)"
                .to_owned()
        )]
    );
    // After an event on the same line, the column is the SES record's.
    let line = format!(
        r#"{{"name":"page_view"}}{}"#,
        json!({"eventType": "Open", "mail": "x"})
    );
    let (r, skipped) = with_touches(&line, TouchOptions::new(TouchModel::Last));
    assert_eq!(
        skipped,
        [(
            1,
            "malformed SES event record: mail: invalid type: string \"x\", expected struct Mail \
             (column 21)"
                .to_owned()
        )]
    );
    assert_eq!(r.events, 0, "a skipped line counts no event");
}

#[test]
fn an_sns_notification_is_read_like_the_record_it_carries() {
    // The Sns object of the SNS Lambda event fixture is the notification SNS delivers.
    let event: Value = serde_json::from_str(SES_OPEN_SNS).unwrap();
    let notification = event["Records"][0]["Sns"].to_string();
    let record = event["Records"][0]["Sns"]["Message"].as_str().unwrap();
    let purchase = json!({"name": "purchase", "attributes": {"user_id": "alice"},
        "metrics": {"revenue": 12}, "timestamp": "2017-08-10T09:00:00Z"})
    .to_string();
    let via_sns = touch_report(
        &[notification, purchase.clone()],
        TouchOptions::new(TouchModel::Last),
    );
    let bare = touch_report(
        &[record.to_owned(), purchase],
        TouchOptions::new(TouchModel::Last),
    );
    assert_eq!(via_sns, bare);
    assert_eq!(
        credits(&bare),
        [("f4a4c5b1d9e84c4e8a0e1b9c6example", 1.0, Some(12.0))]
    );
}

#[test]
fn the_ses_configuration_names_the_tags_and_the_user() {
    let mut record = ses("Open", 1, Some("j-a"), "alice");
    let tags = record["mail"]["tags"].as_object_mut().unwrap();
    let journey = tags.remove("journey_id").unwrap();
    tags.remove("username");
    tags.insert("jid".into(), journey);
    let lines = [
        record.to_string(),
        json!({"name": "purchase", "attributes": {"user_id": "alice@example.com"},
            "metrics": {"revenue": 3}, "timestamp": T0 + 2 * DAY})
        .to_string(),
    ];
    let run = |ses: SesConfig| {
        let mut agg =
            Aggregator::with_touches(opts(), TouchOptions::new(TouchModel::Last)).with_ses(ses);
        for l in &lines {
            agg.push_line(l).unwrap();
        }
        agg.finish(&[]).unwrap().touch_attribution.unwrap()
    };
    // The defaults: no journey_id tag, not a journey's email.
    assert_eq!(run(SesConfig::default()).touches, 0);
    let t = run(SesConfig {
        journey_tag: "jid".into(),
        user_from_destination: true,
        ..SesConfig::default()
    });
    assert_eq!(credits(&t), [("j-a", 1.0, Some(3.0))]);
    // Clicks only turns SES opens off whatever the configuration says.
    let mut agg = Aggregator::with_touches(
        opts(),
        TouchOptions {
            clicks_only: true,
            ..TouchOptions::new(TouchModel::Last)
        },
    )
    .with_ses(SesConfig {
        journey_tag: "jid".into(),
        user_from_destination: true,
        opens: true,
        ..SesConfig::default()
    });
    for l in &lines {
        agg.push_line(l).unwrap();
    }
    let t = agg.finish(&[]).unwrap().touch_attribution.unwrap();
    assert_eq!((t.touches, t.joined_conversions), (0, 0));
    // Without touch reconstruction there is nothing to configure.
    let plain = Aggregator::new(opts()).with_ses(SesConfig::default());
    assert!(plain.touch_options().is_none());
}

#[test]
fn known_answer_on_the_ses_and_amplify_firehose_fixtures() {
    let text = format!("{SES}{SES_AMPLIFY}");
    let (r, skipped) = aggregate(&text);
    assert_eq!(skipped, [], "SES records are unread without touches");
    assert_eq!((r.lines, r.skipped_lines, r.events), (15, 0, 6));
    assert_eq!(
        rows(&r),
        [
            ("Summer Preview", Some("j-summer"), 1, 1, Some(30.0)),
            ("Spring Sale", Some("j-spring"), 1, 1, Some(10.0)),
        ]
    );

    let (r, skipped) = with_touches(&text, TouchOptions::new(TouchModel::First));
    assert_eq!(
        skipped,
        [(
            7,
            "malformed SES event record: mail.tags.journey_id: invalid type: string \
             \"j-summer\", expected a sequence (column 1)"
                .to_owned()
        )]
    );
    assert_eq!((r.lines, r.skipped_lines, r.events), (15, 1, 6));
    let t = r.touch_attribution.unwrap();
    assert_eq!(
        (
            t.conversions,
            t.joined_conversions,
            t.unjoined_conversions,
            t.conversions_without_user,
            t.touches,
            t.touches_without_user
        ),
        (5, 2, 3, 1, 5, 0)
    );
    assert_eq!(credits(&t), [("j-spring", 2.0, Some(40.0))]);
    let last = with_touches(&text, TouchOptions::new(TouchModel::Last)).0;
    assert_eq!(
        credits(last.touch_attribution.as_ref().unwrap()),
        [("j-summer", 1.0, Some(30.0)), ("j-spring", 1.0, Some(10.0))]
    );
    let linear = with_touches(&text, TouchOptions::new(TouchModel::Linear)).0;
    let linear = linear.touch_attribution.unwrap();
    assert_eq!(
        credits(&linear),
        [("j-spring", 1.5, Some(25.0)), ("j-summer", 0.5, Some(15.0))]
    );
    let clicks = with_touches(
        &text,
        TouchOptions {
            clicks_only: true,
            ..TouchOptions::new(TouchModel::Linear)
        },
    )
    .0
    .touch_attribution
    .unwrap();
    assert_eq!((clicks.touches, clicks.joined_conversions), (3, 1));
    assert_eq!(credits(&clicks), [("j-summer", 1.0, Some(30.0))]);

    // Split anywhere and merged: the same answer.
    let lines: Vec<&str> = text.lines().collect();
    for split in 0..=lines.len() {
        let mut a = Aggregator::with_touches(opts(), TouchOptions::new(TouchModel::Linear));
        let mut b = Aggregator::with_touches(opts(), TouchOptions::new(TouchModel::Linear));
        a.push_text(&lines[..split].join("\n"), |_, _| {});
        b.push_text(&lines[split..].join("\n"), |_, _| {});
        b.merge(a);
        assert_eq!(
            b.finish(&[]).unwrap().touch_attribution.unwrap(),
            linear,
            "split at {split}"
        );
    }
}

// ------------------------------------------------------------------ flat Amplify data

/// Nested Amplify data made flat, as Amplify's migration guide records it: the attributes
/// and metrics become top-level fields. Lines that are not Amplify data stay as they are.
fn flatten_line(line: &str) -> String {
    serde_json::Deserializer::from_str(line)
        .into_iter::<Value>()
        .map(|v| {
            let v = v.unwrap();
            if v.get("name").is_none() {
                return v.to_string();
            }
            let mut flat = serde_json::Map::new();
            for (k, value) in v.as_object().unwrap() {
                match k.as_str() {
                    "attributes" | "metrics" => {
                        for (field, x) in value.as_object().into_iter().flatten() {
                            flat.insert(field.clone(), x.clone());
                        }
                    }
                    _ => {
                        flat.insert(k.clone(), value.clone());
                    }
                }
            }
            // Fields the report does not read, of every JSON type, change nothing.
            flat.insert("favourite".into(), json!(true));
            flat.insert("tags".into(), json!(["a", {"b": 1}]));
            flat.insert("detail".into(), json!({"campaign": "not at the top level"}));
            Value::Object(flat).to_string()
        })
        .collect()
}

#[test]
fn flat_amplify_data_gives_the_figures_of_the_nested_data() {
    let (amplify, _) = amplify_and_pinpoint_lines();
    let flat: Vec<String> = amplify.iter().map(|l| flatten_line(l)).collect();
    assert_ne!(flat.join("\n"), amplify.join("\n"));
    let (nested, _) = aggregate(&amplify.join("\n"));
    let (flat, skipped) = aggregate(&flat.join("\n"));
    assert_eq!(skipped, []);
    assert_eq!(flat, nested);
    assert_eq!((flat.attributed_events, flat.campaigns.len()), (9, 3));
}

#[test]
fn flat_data_is_told_per_record_and_read_as_attributes_and_metrics() {
    let line = concat!(
        r#"{"name":"albumVisit","genre":"jazz","minutesListened":30,"campaign":"Spring","campaign_id":"j-1","user_id":"u1"}"#,
        r#"{"name":"purchase","campaign":"Spring","campaign_id":"j-1","revenue":12.5,"user_id":"u1"}"#,
        r#"{"name":"purchase","attributes":{"campaign":"Spring","campaign_id":"j-1"},"metrics":{"revenue":2},"revenue":100,"campaign":"ignored"}"#,
    );
    let (r, skipped) = aggregate(line);
    assert_eq!(skipped, []);
    assert_eq!(r.events, 3);
    // The third record has `attributes`: nested, so its top-level fields are not read.
    assert_eq!(rows(&r), [("Spring", Some("j-1"), 3, 1, Some(14.5))]);

    let p = parse(r#"{"name":"albumVisit","genre":"jazz","minutesListened":30,"user_id":"u9"}"#)
        .unwrap();
    assert_eq!(user(&p), Some("u9"));
    assert_eq!(
        p.record.metrics.as_ref().unwrap().get("minutesListened"),
        Some(30.0)
    );
    // A flat metric named like a nested map is a type error at that field.
    let err = parse(r#"{"name":"x","metrics":30}"#).unwrap_err();
    assert!(err.contains("at metrics"), "{err}");
}

#[test]
fn flat_data_in_kinesis_envelopes_and_touch_reconstruction() {
    let data =
        json!({"name": "purchase", "revenue": 40, "campaign": "Spring", "campaign_id": "j-1"});
    let line = envelope(&data, "user-7", json!(1_714_608_000.0));
    let (r, skipped) = aggregate(&line);
    assert_eq!(skipped, []);
    assert_eq!(rows(&r), [("Spring", Some("j-1"), 1, 1, Some(40.0))]);

    // Touch reconstruction reads flat data like nested data.
    let text = format!("{SES}{SES_AMPLIFY}");
    let flat: String = text.lines().map(|l| flatten_line(l) + "\n").collect();
    for model in [TouchModel::First, TouchModel::Last, TouchModel::Linear] {
        let nested = with_touches(&text, TouchOptions::new(model)).0;
        let flat = with_touches(&flat, TouchOptions::new(model)).0;
        assert_eq!(
            flat.touch_attribution, nested.touch_attribution,
            "{model:?}"
        );
        assert_eq!(flat.campaigns, nested.campaigns);
    }
}

/// One rule for every time the report reads: seconds below 10^11, else milliseconds; RFC
/// 3339 or `YYYY-MM-DD HH:MM:SS` (UTC); anything else is no time, never an error.
#[test]
fn every_time_is_read_by_one_rule_and_never_fails_a_record() {
    use super::time::EpochMs;
    let read = |v: &str| serde_json::from_str::<EpochMs>(v).map(|t| t.0).unwrap();
    assert_eq!(read("1700000000000"), Some(1_700_000_000_000));
    assert_eq!(read("1700000000"), Some(1_700_000_000_000), "seconds");
    assert_eq!(read("1700000000.25"), Some(1_700_000_000_250));
    assert_eq!(read("99999999999"), Some(99_999_999_999_000));
    assert_eq!(read("100000000000"), Some(100_000_000_000));
    assert_eq!(read("\"1970-01-01T00:00:01Z\""), Some(1000));
    assert_eq!(read("\"1970-01-01 00:00:01\""), Some(1000));
    for unreadable in [
        "1e16",
        "-1e16",
        "18446744073709551615",
        "\"soon\"",
        "{}",
        "[1]",
    ] {
        assert_eq!(read(unreadable), None, "{unreadable}");
    }
    // A record whose time is unreadable still counts, revenue and all.
    let line = r#"{"event_type":"purchase","event_timestamp":"Sun Mar 01 2026","client":{"client_id":"c1"},"attributes":{"campaign":"Spring","campaign_id":"j-1"},"metrics":{"revenue":30}}"#;
    let (report, skipped) = aggregate(line);
    assert!(skipped.is_empty(), "{skipped:?}");
    assert_eq!(report.campaigns[0].revenue, Some(30.0));
}

/// Structs are read from objects only: serde's derive also took an array of the fields in
/// order (`["purchase"]` was a purchase), a form no export has; now such a line is a
/// skipped line whose reason says so. Objects read exactly as before.
#[test]
fn structs_are_objects_not_arrays() {
    let reasons = |line: &str| {
        let mut agg = Aggregator::new(opts());
        let mut reasons = Vec::new();
        agg.push_text(line, |_, e| reasons.push(e.reason));
        (agg.finish(&[]).unwrap().events, reasons)
    };
    assert_eq!(
        reasons(r#"["purchase"]"#),
        (
            0,
            vec![
                "invalid type: sequence, expected struct Record in the record (column 0)"
                    .to_owned()
            ]
        )
    );
    assert_eq!(
        reasons(r#"{"event_type":"p","client":["c1"]}"#),
        (
            0,
            vec!["invalid type: sequence, expected struct Client at client (column 27)".to_owned()]
        )
    );
    assert_eq!(
        reasons(r#"{"kinesis":["eA=="]}"#),
        (
            0,
            vec![
                "invalid type: sequence, expected struct LambdaKinesis at kinesis (column 11)"
                    .to_owned()
            ]
        )
    );
    assert_eq!(
        reasons(r#"{"kinesis":{"data":"e30=","data":1}}"#).1,
        vec!["duplicate field `data` at kinesis (column 32)".to_owned()]
    );
    assert_eq!(
        reasons(r#"{"kinesis":{}}"#).1,
        vec!["missing field `data` at kinesis (column 13)".to_owned()]
    );
    assert_eq!(
        reasons(r#"{"event_type":"p","client":{"client_id":"c"}}"#),
        (1, vec![])
    );
}

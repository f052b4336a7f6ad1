//! `journey-attribution report`'s counting rules, run as a user runs it: every event once
//! (event id, else content; goal events once per order id), refunds, bounded revenue, cost
//! rows matching one campaign, timestamps that never drop a record, labels that cannot
//! reach a spreadsheet or a terminal as code.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

mod common;
use common::{run, success as ok};

const T0: i64 = 1_772_359_200_000; // 2026-03-01T10:00:00Z

/// A Pinpoint purchase by `user`, stamped with `campaign` / `campaign_id` when given.
fn purchase(user: &str, stamp: Option<(&str, &str)>, revenue: Value, extra: Value) -> Value {
    let mut attributes = json!({"plan": "pro"});
    if let Some((label, id)) = stamp {
        attributes["campaign"] = json!(label);
        attributes["campaign_id"] = json!(id);
    }
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        attributes[k] = v;
    }
    json!({
        "event_type": "purchase",
        "event_timestamp": T0,
        "arrival_timestamp": T0 + 500,
        "client": {"client_id": user},
        "attributes": attributes,
        "metrics": {"revenue": revenue},
    })
}

fn write_lines(dir: &Path, name: &str, records: &[Value]) -> PathBuf {
    let path = dir.join(name);
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&path, text).expect("write export");
    path
}

fn report_json(args: &[&str]) -> Value {
    let mut all = vec![
        "--format",
        "json",
        "--goal",
        "purchase",
        "--revenue-metric",
        "revenue",
    ];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(&run(&all))).expect("JSON report")
}

fn p(path: &Path) -> &str {
    path.to_str().expect("UTF-8 path")
}

const SPRING: Option<(&str, &str)> = Some(("Spring sale", "j-spring"));

/// 10 purchases of 100, 5 of them redelivered byte for byte (no id), 3 sent twice with the
/// same `event_id` (a retried `PutRecords`), and one order recorded twice by a reloaded
/// thank-you page (two event ids, one order id): 1,000 of revenue, not 1,900.
fn duplicate_laden() -> (Vec<Value>, Vec<Value>) {
    let mut first = Vec::new();
    let mut second = Vec::new();
    for i in 0..10 {
        let extra = if i < 5 {
            json!({})
        } else {
            json!({"event_id": format!("e-{i}")})
        };
        let mut r = purchase(&format!("u{i}"), SPRING, json!(100), extra);
        r["event_timestamp"] = json!(T0 + i);
        first.push(r.clone());
        if i < 5 {
            second.push(r); // redelivered as is
        } else if i < 8 {
            // The same event id, delivered again with another arrival time.
            r["arrival_timestamp"] = json!(T0 + 9_000);
            second.push(r);
        }
    }
    // The reload: the same order, a later event with its own id, stamped otherwise.
    let order = |id: &str, at: i64, stamp| {
        let mut r = purchase(
            "buyer",
            stamp,
            json!(250),
            json!({"event_id": id, "order_id": "o-1"}),
        );
        r["event_timestamp"] = json!(at);
        r
    };
    first.push(order("reload-2", T0 + 60_000, Some(("Other", "j-other"))));
    second.push(order("reload-1", T0 + 1_000, SPRING));
    (first, second)
}

#[test]
fn redelivered_records_and_repeated_orders_count_once_however_the_input_is_split() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (first, second) = duplicate_laden();
    let a = write_lines(dir.path(), "a.jsonl", &first);
    let b = write_lines(dir.path(), "b.jsonl", &second);
    let one = report_json(&[p(&a), p(&b), "--threads", "1"]);
    assert_eq!(one["campaigns"].as_array().expect("rows").len(), 1, "{one}");
    let spring = &one["campaigns"][0];
    assert_eq!(spring["campaign_id"], "j-spring");
    // 10 purchases of 100, and the order's earliest record (250, stamped Spring).
    assert_eq!(spring["revenue"], 1_250.0);
    assert_eq!(spring["attributed_events"], 11);
    assert_eq!(spring["converted_users"], 11);
    assert_eq!(one["attributed_events"], 11);
    assert_eq!(one["duplicates"], 5 + 3 + 1);
    assert_eq!(
        one["events"],
        11 + 9,
        "every record read is still an event read"
    );
    // The same figures whatever the threads and the order of the inputs.
    for args in [
        vec![p(&b), p(&a), "--threads", "2"],
        vec![p(&a), p(&b), "--threads", "4"],
    ] {
        assert_eq!(report_json(&args), one, "{args:?}");
    }
    // The table says what was set aside.
    let table = ok(&run(&[
        p(&a),
        p(&b),
        "--goal",
        "purchase",
        "--revenue-metric",
        "revenue",
    ]));
    assert!(
        table.contains("9 duplicates not counted"),
        "the table says it: {table}"
    );
}

#[test]
fn the_order_attribute_is_a_setting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let records: Vec<Value> = (0..3)
        .map(|i| {
            purchase(
                "u",
                SPRING,
                json!(40),
                json!({"event_id": format!("e{i}"), "txn": "t-1"}),
            )
        })
        .collect();
    let path = write_lines(dir.path(), "orders.jsonl", &records);
    let by_default = report_json(&[p(&path)]);
    assert_eq!(
        by_default["campaigns"][0]["revenue"], 120.0,
        "no order_id: three events"
    );
    let by_txn = report_json(&[p(&path), "--order-attribute", "txn"]);
    assert_eq!(by_txn["campaigns"][0]["revenue"], 40.0);
    assert_eq!(by_txn["duplicates"], 2);
}

#[test]
fn a_refund_takes_the_orders_revenue_off_the_campaign_that_earned_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut refund = purchase(
        "buyer",
        Some(("Winter", "j-winter")),
        json!(0),
        json!({"event_id": "r-1", "order_id": "o-1"}),
    );
    refund["event_type"] = json!("refund");
    let mut unknown = refund.clone();
    unknown["attributes"]["event_id"] = json!("r-2");
    unknown["attributes"]["order_id"] = json!("o-unknown");
    let records = vec![
        purchase(
            "buyer",
            SPRING,
            json!(300),
            json!({"event_id": "p-1", "order_id": "o-1"}),
        ),
        purchase(
            "other",
            SPRING,
            json!(50),
            json!({"event_id": "p-2", "order_id": "o-2"}),
        ),
        purchase(
            "w",
            Some(("Winter", "j-winter")),
            json!(70),
            json!({"event_id": "p-3"}),
        ),
        refund.clone(),
        refund, // redelivered: one refund
        unknown,
    ];
    let path = write_lines(dir.path(), "refunds.jsonl", &records);
    let off = report_json(&[p(&path)]);
    let revenue = |r: &Value, id: &str| {
        r["campaigns"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|c| c["campaign_id"] == id)
            .map(|c| c["revenue"].clone())
    };
    assert_eq!(
        revenue(&off, "j-spring"),
        Some(json!(350.0)),
        "off by default"
    );
    assert_eq!(off["refunds"], 0);
    let on = report_json(&[p(&path), "--refund-event", "refund"]);
    assert_eq!(revenue(&on, "j-spring"), Some(json!(50.0)), "{on}");
    assert_eq!(
        revenue(&on, "j-winter"),
        Some(json!(70.0)),
        "the refund's own stamp takes nothing"
    );
    assert_eq!(
        (on["refunds"].clone(), on["unmatched_refunds"].clone()),
        (json!(1), json!(1))
    );
    let html = ok(&run(&[
        p(&path),
        "--goal",
        "purchase",
        "--revenue-metric",
        "revenue",
        "--refund-event",
        "refund",
        "--format",
        "html",
    ]));
    assert!(html.contains("1 refunds applied (1 unmatched)"), "{html}");
}

#[test]
fn absurd_revenue_is_skipped_and_no_format_shows_inf_or_nan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut records: Vec<Value> = (0..10)
        .map(|i| {
            purchase(
                &format!("u{i}"),
                SPRING,
                json!(100),
                json!({"event_id": format!("g{i}")}),
            )
        })
        .collect();
    for (i, bad) in [json!(1e308), json!(1e308), json!(-5000), json!(2_000_000)]
        .into_iter()
        .enumerate()
    {
        records.push(purchase(
            &format!("x{i}"),
            SPRING,
            bad,
            json!({"event_id": format!("b{i}")}),
        ));
    }
    let path = write_lines(dir.path(), "absurd.jsonl", &records);
    let out = run(&[
        p(&path),
        "--format",
        "json",
        "--goal",
        "purchase",
        "--revenue-metric",
        "revenue",
    ]);
    let r: Value = serde_json::from_str(&ok(&out)).expect("JSON");
    let spring = &r["campaigns"][0];
    assert_eq!(spring["revenue"], 1_000.0, "{r}");
    assert_eq!(spring["attributed_events"], 14, "their events still count");
    assert_eq!(spring["converted_users"], 14);
    assert_eq!(r["skipped_revenue"], 4);
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped 4 revenue values"));
    // A higher bound takes the 2,000,000 one.
    let high = report_json(&[p(&path), "--max-revenue", "5000000"]);
    assert_eq!(high["campaigns"][0]["revenue"], 2_001_000.0);
    assert!(!run(&[p(&path), "--max-revenue", "inf"]).status.success());
    let costs = dir.path().join("costs.csv");
    std::fs::write(&costs, "campaign,cost\nj-spring,1e-320\n").expect("costs");
    for format in ["table", "csv", "html", "json"] {
        let text = ok(&run(&[
            p(&path),
            "--goal",
            "purchase",
            "--revenue-metric",
            "revenue",
            "--costs",
            p(&costs),
            "--format",
            format,
        ]));
        for bad in ["inf", "NaN", "Infinity"] {
            assert!(!text.contains(bad), "{format} shows {bad}: {text}");
        }
    }
}

#[test]
fn a_cost_row_matching_two_campaigns_is_refused_with_both_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A UTM link without utm_id stamped its label as the id before `utm:<label>` ids.
    let mut records: Vec<Value> = (0..10)
        .map(|i| {
            purchase(
                &format!("u{i}"),
                Some(("Spring sale", "j-spring")),
                json!(100),
                json!({"event_id": format!("j{i}")}),
            )
        })
        .collect();
    records.push(purchase(
        "v",
        Some(("Spring sale", "Spring sale")),
        json!(40),
        json!({"event_id": "utm"}),
    ));
    let path = write_lines(dir.path(), "utm.jsonl", &records);
    let costs = dir.path().join("costs.csv");
    std::fs::write(&costs, "campaign,cost\nSpring sale,250\n").expect("costs");
    let out = run(&[
        p(&path),
        "--revenue-metric",
        "revenue",
        "--costs",
        p(&costs),
    ]);
    assert!(!out.status.success(), "an ambiguous cost row is an error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Spring sale (j-spring)") && stderr.contains("Spring sale (Spring sale)"),
        "both campaigns named: {stderr}"
    );
    // By journey id it matches one campaign.
    std::fs::write(&costs, "campaign,cost\nj-spring,250\n").expect("costs");
    let r = report_json(&[p(&path), "--costs", p(&costs)]);
    let spring = r["campaigns"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|c| c["campaign_id"] == "j-spring")
        .cloned();
    assert_eq!(spring.expect("j-spring")["roi"], 3.0);
}

#[test]
fn an_unreadable_timestamp_never_drops_the_purchase_and_epoch_seconds_are_seconds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stamps = [
        json!("2026-03-01 10:00:00"),
        json!("Sun Mar 01 2026 10:00:00 GMT+0000 (Coordinated Universal Time)"),
        json!(T0 / 1000),
        json!({"nested": true}),
    ];
    let records: Vec<Value> = stamps
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut r = purchase(
                &format!("u{i}"),
                SPRING,
                json!(25),
                json!({"event_id": format!("t{i}")}),
            );
            r["event_timestamp"] = t.clone();
            r
        })
        .collect();
    let path = write_lines(dir.path(), "times.jsonl", &records);
    let r = report_json(&[p(&path)]);
    assert_eq!(r["skipped_lines"], 0, "{r}");
    assert_eq!(r["campaigns"][0]["revenue"], 100.0);

    // Touch reconstruction reads epoch seconds as seconds: a click an hour before a
    // purchase stamped in seconds is credited (read as milliseconds it would be 1970).
    let click = json!({
        "event_type": "_email.click", "event_timestamp": T0 - 3_600_000,
        "client": {"client_id": "endpoint-1"},
        "attributes": {"journey_id": "j-spring", "user_id": "alice"},
    });
    let mut bought = purchase(
        "web-1",
        SPRING,
        json!(80),
        json!({"event_id": "s1", "user_id": "alice"}),
    );
    bought["event_timestamp"] = json!(T0 / 1000);
    let mut unreadable = purchase(
        "web-2",
        SPRING,
        json!(20),
        json!({"event_id": "s2", "user_id": "bob"}),
    );
    unreadable["event_timestamp"] = json!("soon");
    let path = write_lines(dir.path(), "touch.jsonl", &[click, bought, unreadable]);
    let r = report_json(&[p(&path), "--touch-model", "last"]);
    let t = &r["touch_attribution"];
    assert_eq!(t["joined_conversions"], 1, "{t}");
    assert_eq!(t["campaigns"][0]["revenue"], 80.0);
    assert_eq!(
        t["conversions"], 2,
        "the unreadable one is a conversion without a time"
    );
    assert_eq!(
        r["campaigns"][0]["revenue"], 100.0,
        "and its revenue still counts"
    );
}

#[test]
fn labels_cannot_reach_a_spreadsheet_or_a_terminal_as_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let formula = "=HYPERLINK(\"http://evil.example\",\"x\")";
    let escape = "Spring\u{1b}]0;pwned\u{7}\u{1b}[2J";
    let records = vec![
        purchase(
            "a",
            Some((formula, "j-1")),
            json!(10),
            json!({"event_id": "1"}),
        ),
        purchase(
            "b",
            Some((escape, "@j-2")),
            json!(20),
            json!({"event_id": "2"}),
        ),
        purchase(
            "c",
            Some(("-12", "j-3")),
            json!(30),
            json!({"event_id": "3"}),
        ),
    ];
    let path = write_lines(dir.path(), "labels.jsonl", &records);
    let args = |format| vec![p(&path), "--revenue-metric", "revenue", "--format", format];
    let csv_text = ok(&run(&args("csv")));
    let mut rows = csv::Reader::from_reader(csv_text.as_bytes());
    let cells: Vec<(String, String)> = rows
        .records()
        .map(|r| {
            let r = r.expect("CSV row");
            (r[0].to_owned(), r[1].to_owned())
        })
        .collect();
    assert!(
        cells.contains(&(format!("'{formula}"), "j-1".to_owned())),
        "{cells:?}"
    );
    assert!(
        cells.contains(&(escape.to_owned(), "'@j-2".to_owned())),
        "{cells:?}"
    );
    assert!(
        cells.contains(&("-12".to_owned(), "j-3".to_owned())),
        "a number stays: {cells:?}"
    );
    let table = ok(&run(&args("table")));
    assert!(
        !table.contains('\u{1b}') && !table.contains('\u{7}'),
        "{table:?}"
    );
    assert!(table.contains("Spring\\u{1b}]0;pwned\\u{7}"), "{table}");
    let html = ok(&run(&args("html")));
    assert!(!html.contains("\"http://evil") && html.contains("=HYPERLINK(&quot;http://evil"));
}

/// The duplicate-laden fixture the browser module's tests read too (wasm/report): the
/// same known answer through both (10 purchases of 100, 5 redelivered as is, 3 retried
/// with their event id, an order recorded twice and refunded, an absurd revenue, flat
/// Amplify data redelivered).
#[test]
fn the_duplicate_laden_fixture_has_the_known_answer() {
    let fixture = common::fixture("duplicates.jsonl");
    let r = report_json(&[p(&fixture), "--refund-event", "refund"]);
    let rows: Vec<(Value, Value, Value, Value)> = r["campaigns"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|c| {
            (
                c["campaign_id"].clone(),
                c["attributed_events"].clone(),
                c["converted_users"].clone(),
                c["revenue"].clone(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (json!("j-spring"), json!(12), json!(12), json!(1000.0)),
            (json!("j-winter"), json!(3), json!(2), json!(100.0)),
        ]
    );
    assert_eq!(
        [
            &r["events"],
            &r["attributed_events"],
            &r["duplicates"],
            &r["refunds"],
            &r["skipped_revenue"]
        ],
        [&json!(26), &json!(15), &json!(11), &json!(1), &json!(1)]
    );
}

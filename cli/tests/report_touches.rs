//! `journey-attribution report --touch-model`: credit from journey email events in the
//! same stream, joined by user id, with known answers.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

mod common;
use common::{run, success as ok};

const DAY: i64 = 86_400_000;
const T0: i64 = 1_714_521_600_000;

/// A journey email event; its endpoint (a JSON string, as Pinpoint embeds it) carries the
/// user id when given.
fn email(kind: &str, day: i64, journey: &str, endpoint: &str, user: Option<&str>) -> Value {
    let mut ep = json!({"ChannelType": "EMAIL", "EndpointStatus": "ACTIVE"});
    if let Some(u) = user {
        ep["User"] = json!({"UserId": u});
    }
    json!({
        "event_type": format!("_email.{kind}"),
        "event_timestamp": T0 + day * DAY,
        "arrival_timestamp": T0 + day * DAY + 500,
        "event_version": "3.1",
        "application": {"app_id": "app1", "sdk": {}},
        "client": {"client_id": endpoint},
        "attributes": {"journey_id": journey, "journey_activity_id": "act1", "journey_run_id": "run1"},
        "client_context": {"custom": {"endpoint": ep.to_string()}},
    })
}

fn app(
    kind: &str,
    day: i64,
    user: Option<&str>,
    revenue: f64,
    campaign: Option<(&str, &str)>,
) -> Value {
    let mut attributes = json!({"page": "/checkout"});
    if let Some(u) = user {
        attributes["user_id"] = json!(u);
    }
    if let Some((label, id)) = campaign {
        attributes["campaign"] = json!(label);
        attributes["campaign_id"] = json!(id);
    }
    json!({
        "event_type": kind,
        "event_timestamp": T0 + day * DAY,
        "client": {"client_id": format!("web-{}", user.unwrap_or("anon"))},
        "attributes": attributes,
        "metrics": {"revenue": revenue},
    })
}

fn write_stream(dir: &Path, records: &[Value]) -> PathBuf {
    let path = dir.join("stream.jsonl");
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(&path, text).expect("write stream");
    path
}

fn stream(dir: &Path) -> PathBuf {
    write_stream(
        dir,
        &[
            // u1: two journey clicks, then a purchase (live-stamped with the last journey).
            email("click", 1, "j-spring", "email-u1", Some("u1")),
            email("open", 3, "j-summer", "email-u1", Some("u1")),
            app(
                "purchase",
                5,
                Some("u1"),
                30.0,
                Some(("Summer", "j-summer")),
            ),
            // u2: a touch 40 days before the purchase (outside 30d), then one inside.
            email("click", -35, "j-winter", "email-u2", Some("u2")),
            email("click", 4, "j-spring", "email-u2", Some("u2")),
            app("purchase", 6, Some("u2"), 10.0, None),
            // u3: purchases before any touch.
            app("purchase", 0, Some("u3"), 5.0, None),
            email("click", 1, "j-summer", "email-u3", Some("u3")),
            // A purchase without a user id: unjoinable.
            app("purchase", 6, None, 7.0, None),
            // An email endpoint without a user id (joinable only via --endpoints) and u4's purchase.
            email("click", 2, "j-winter", "email-u4", None),
            app("purchase", 3, Some("u4"), 2.0, None),
        ],
    )
}

fn credits(t: &Value) -> Vec<(String, f64, f64)> {
    t["campaigns"]
        .as_array()
        .expect("campaigns")
        .iter()
        .map(|c| {
            (
                c["campaign_id"].as_str().expect("id").to_owned(),
                c["conversions"].as_f64().expect("conversions"),
                c["revenue"].as_f64().expect("revenue"),
            )
        })
        .collect()
}

fn touch_json(path: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        path.to_str().expect("path"),
        "--goal",
        "purchase",
        "--revenue-metric",
        "revenue",
        "--format",
        "json",
        "--threads",
        "2",
    ];
    args.extend_from_slice(extra);
    let report: Value = serde_json::from_str(&ok(&run(&args))).expect("JSON");
    report["touch_attribution"].clone()
}

#[test]
fn touch_models_have_known_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = stream(dir.path());

    let first = touch_json(&path, &["--touch-opens", "--touch-model", "first"]);
    assert_eq!(first["model"], "first");
    assert_eq!(first["lookback"], "30d");
    assert_eq!(first["conversions"], 5);
    assert_eq!(first["joined_conversions"], 2);
    assert_eq!(first["unjoined_conversions"], 3);
    assert_eq!(first["conversions_without_user"], 1);
    assert_eq!(first["touches"], 6);
    assert_eq!(first["touches_without_user"], 1);
    assert_eq!(
        credits(&first),
        [("j-spring".to_owned(), 2.0, 40.0)],
        "u1's first touch and u2's only touch inside 30d"
    );
    assert!(
        first["note"]
            .as_str()
            .expect("note")
            .starts_with("2 of 5 conversions could be joined"),
        "{}",
        first["note"]
    );

    let last = touch_json(&path, &["--touch-opens", "--touch-model", "last"]);
    assert_eq!(
        credits(&last),
        [
            ("j-summer".to_owned(), 1.0, 30.0),
            ("j-spring".to_owned(), 1.0, 10.0)
        ]
    );

    let linear = touch_json(&path, &["--touch-opens", "--touch-model", "linear"]);
    assert_eq!(
        credits(&linear),
        [
            ("j-spring".to_owned(), 1.5, 25.0),
            ("j-summer".to_owned(), 0.5, 15.0)
        ]
    );

    // By default only clicks are touches (an open is close to a delivery under Apple Mail
    // Privacy Protection): u1's open does not count. `--touch-clicks-only` is the same.
    let clicks = touch_json(&path, &["--touch-model", "linear"]);
    assert_eq!(credits(&clicks), [("j-spring".to_owned(), 2.0, 40.0)]);
    let alias = touch_json(&path, &["--touch-model", "linear", "--touch-clicks-only"]);
    assert_eq!(alias, clicks);

    // A longer window reaches u2's old touch.
    let long = touch_json(
        &path,
        &[
            "--touch-opens",
            "--touch-model",
            "first",
            "--lookback",
            "60d",
        ],
    );
    assert_eq!(
        credits(&long),
        [
            ("j-spring".to_owned(), 1.0, 30.0),
            ("j-winter".to_owned(), 1.0, 10.0)
        ]
    );

    // An endpoint export joins the email endpoint without a user id to u4.
    let endpoints = dir.path().join("endpoints.jsonl");
    std::fs::write(
        &endpoints,
        "{\"Id\":\"email-u4\",\"ChannelType\":\"EMAIL\",\"User\":{\"UserId\":\"u4\"}}\n{\"Id\":\"other\"}\n",
    )
    .expect("write endpoints");
    let joined = touch_json(
        &path,
        &[
            "--touch-opens",
            "--touch-model",
            "last",
            "--endpoints",
            endpoints.to_str().expect("path"),
        ],
    );
    assert_eq!(joined["joined_conversions"], 3);
    assert_eq!(joined["touches_without_user"], 0);
    assert!(credits(&joined).contains(&("j-winter".to_owned(), 1.0, 2.0)));

    // Without --touch-model the report is unchanged: no touch section.
    let plain: Value = serde_json::from_str(&ok(&run(&[
        path.to_str().expect("path"),
        "--goal",
        "purchase",
        "--format",
        "json",
    ])))
    .expect("JSON");
    assert!(plain.get("touch_attribution").is_none());

    // Table, CSV and HTML render a second section.
    for (format, needle) in [
        (
            "table",
            "JOURNEY TOUCHES (last model, lookback 30d): 2 of 5 conversions joined",
        ),
        (
            "csv",
            "touch_model,lookback,campaign_id,conversions,revenue\nlast,30d,j-summer,1,30\n",
        ),
        (
            "html",
            "<h2>Journey touches (last model, 30d lookback)</h2>",
        ),
    ] {
        let out = ok(&run(&[
            path.to_str().expect("path"),
            "--goal",
            "purchase",
            "--revenue-metric",
            "revenue",
            "--touch-opens",
            "--touch-model",
            "last",
            "--format",
            format,
        ]));
        assert!(out.contains(needle), "{format}: {out}");
    }
}

#[test]
fn says_plainly_when_nothing_can_be_joined() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write_stream(
        dir.path(),
        &[
            email("click", 1, "j-spring", "email-u1", Some("u1")),
            app("purchase", 2, None, 3.0, None),
            app("purchase", 3, None, 4.0, None),
        ],
    );
    let out = run(&[
        path.to_str().expect("path"),
        "--goal",
        "purchase",
        "--touch-model",
        "linear",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_str(&ok(&out)).expect("JSON");
    let expected = "0 of 2 conversions could be joined to a journey touch: the app's custom \
                    events carry no user id (record attribute user_id, e.g. the Cognito \
                    username, or give --endpoints with an endpoint export)";
    assert_eq!(report["touch_attribution"]["note"], expected);
    assert_eq!(report["touch_attribution"]["campaigns"], json!([]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("warning: {expected}")), "{stderr}");

    // Touch options need --touch-model.
    let out = run(&[path.to_str().expect("path"), "--lookback", "7d"]);
    assert!(!out.status.success());
}

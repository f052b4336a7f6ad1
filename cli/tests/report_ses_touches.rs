//! `journey-attribution report --touch-model` on journeys that send email through SES: the
//! configuration set's event records (Firehose to S3, gzip) are the journey touches, the
//! app's Amplify Firehose data the conversions, joined by the Cognito username. Known answers.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

mod common;
use common::{fixture, run, success};

fn ok(out: &Output) -> (Value, String) {
    let report = serde_json::from_str(&success(out)).expect("JSON report");
    (report, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// An export bucket: the SES configuration set's Firehose delivery (gzip, one event record a
/// line), an SNS subscription's notification of one more record, and the app's Amplify
/// Firehose data.
fn export(dir: &Path) -> PathBuf {
    let root = dir.join("export");
    let ses = root.join("ses-events/2026/03/02");
    let sns = root.join("sns/2026/03/05");
    let app = root.join("app-analytics/2026/03/05");
    for d in [&ses, &sns, &app] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    let records = std::fs::read(fixture("ses-firehose.jsonl")).expect("fixture");
    let gz = ses.join("journeys-ses-events-1-2026-03-02-09-00-00-5f0c3e8a-1b2c-4d3e-8f9a.gz");
    let mut enc = flate2::write::GzEncoder::new(
        File::create(&gz).expect("create"),
        flate2::Compression::default(),
    );
    enc.write_all(&records).expect("gzip");
    enc.finish().expect("gzip");

    // carol clicks a journey email the day before her purchase; SNS delivers it.
    let click = json!({
        "eventType": "Click",
        "mail": {
            "timestamp": "2026-03-05T08:00:00.000Z",
            "source": "news@example.com",
            "sendingAccountId": "123456789012",
            "messageId": "0100018e0a08b1c2-5d8e9f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a-000000",
            "destination": ["carol@example.com"],
            "headersTruncated": false,
            "tags": {"ses:configuration-set": ["journeys"], "journey_id": ["j-spring"],
                "campaign": ["Spring Sale"], "username": ["carol"]},
        },
        "click": {"ipAddress": "198.51.100.9", "link": "https://shop.example.com/sale",
            "linkTags": {}, "timestamp": "2026-03-05T08:10:00.000Z", "userAgent": "Mozilla/5.0"},
    });
    let notification = format!(
        r#"{{"Type":"Notification","MessageId":"0a1b2c3d-4e5f-5a6b-8c7d-9e0f1a2b3c4d","TopicArn":"arn:aws:sns:us-east-1:123456789012:ses-events","Message":{},"Timestamp":"2026-03-05T08:10:01.000Z","SignatureVersion":"1","Signature":"EXAMPLE","SigningCertURL":"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-EXAMPLE.pem","UnsubscribeURL":"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"}}"#,
        Value::String(click.to_string())
    );
    std::fs::write(sns.join("notifications.jsonl"), notification + "\n").expect("write");
    std::fs::copy(
        fixture("ses-amplify-firehose.jsonl"),
        app.join("shop-analytics-1-2026-03-05-10-00-00-abcd"),
    )
    .expect("copy");
    root
}

fn report(root: &Path, extra: &[&str]) -> (Value, String) {
    let mut args = vec![
        root.to_str().expect("path"),
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
    ok(&run(&args))
}

const MALFORMED: &str = "malformed SES event record: mail.tags.journey_id: invalid type: \
                         string \"j-summer\", expected a sequence (column 1)";

#[test]
fn ses_event_records_are_journey_touches_with_known_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = export(dir.path());

    let (r, stderr) = report(&root, &["--touch-opens", "--touch-model", "first"]);
    assert_eq!(
        r["touch_attribution"],
        json!({
            "model": "first",
            "lookback": "30d",
            "conversions": 5,
            "joined_conversions": 3,
            "unjoined_conversions": 2,
            "conversions_without_user": 1,
            "touches": 6,
            "touches_without_user": 0,
            "campaigns": [
                {"campaign_id": "j-spring", "conversions": 3.0, "revenue": 47.0},
            ],
            "note": "3 of 5 conversions could be joined to a journey touch \
                     (_email.open/_email.click or SES Open/Click with a journey_id, same \
                     user id, within 30d before); 1 conversions carry no user id (record \
                     attribute user_id on the app's custom events)",
        })
    );
    // SES records are not events; the malformed one is a skipped line naming the field.
    assert_eq!(
        (
            &r["lines"],
            &r["skipped_lines"],
            &r["events"],
            &r["custom_events"]
        ),
        (&json!(16), &json!(1), &json!(6), &json!(6))
    );
    assert!(
        stderr.contains(&format!(
            "ses-events/2026/03/02/journeys-ses-events-1-2026-03-02-09-00-00-5f0c3e8a-1b2c-4d3e-8f9a.gz:7: {MALFORMED}"
        )),
        "{stderr}"
    );

    // Last: alice's summer click; bob's summer click came after his purchase.
    let (r, _) = report(&root, &["--touch-opens", "--touch-model", "last"]);
    assert_eq!(
        r["touch_attribution"]["campaigns"],
        json!([
            {"campaign_id": "j-spring", "conversions": 2.0, "revenue": 17.0},
            {"campaign_id": "j-summer", "conversions": 1.0, "revenue": 30.0},
        ])
    );

    let (r, _) = report(&root, &["--touch-opens", "--touch-model", "linear"]);
    assert_eq!(
        r["touch_attribution"]["campaigns"],
        json!([
            {"campaign_id": "j-spring", "conversions": 2.5, "revenue": 32.0},
            {"campaign_id": "j-summer", "conversions": 0.5, "revenue": 15.0},
        ])
    );

    // By default only clicks are touches: SES opens are not (alice's and bob's spring
    // opens), whatever ses-tagging's SES_EVENTS says; `--touch-clicks-only` is the same.
    let (alias, _) = report(&root, &["--touch-model", "linear", "--touch-clicks-only"]);
    let (r, _) = report(&root, &["--touch-model", "linear"]);
    assert_eq!(alias["touch_attribution"], r["touch_attribution"]);
    let t = &r["touch_attribution"];
    assert_eq!(
        (&t["touches"], &t["joined_conversions"]),
        (&json!(4), &json!(2))
    );
    assert_eq!(
        t["campaigns"],
        json!([
            {"campaign_id": "j-summer", "conversions": 1.0, "revenue": 30.0},
            {"campaign_id": "j-spring", "conversions": 1.0, "revenue": 7.0},
        ])
    );
}

#[test]
fn without_touch_reconstruction_ses_records_are_accepted_unread() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = export(dir.path());
    let (r, stderr) = report(&root, &[]);
    assert!(r.get("touch_attribution").is_none());
    assert_eq!(
        (&r["lines"], &r["skipped_lines"], &r["events"]),
        (&json!(16), &json!(0), &json!(6))
    );
    assert!(!stderr.contains("skipped"), "{stderr}");
    assert_eq!(
        r["campaigns"],
        json!([
            {"campaign": "Summer Preview", "campaign_id": "j-summer", "attributed_events": 1,
             "events_by_type": {"purchase": 1}, "converted_users": 1, "revenue": 30.0,
             "cost": null, "roi": null},
            {"campaign": "Spring Sale", "campaign_id": "j-spring", "attributed_events": 1,
             "events_by_type": {"purchase": 1}, "converted_users": 1, "revenue": 10.0,
             "cost": null, "roi": null},
        ])
    );
    // --strict still refuses the malformed SES record when touches read it.
    let out = run(&[
        root.to_str().expect("path"),
        "--goal",
        "purchase",
        "--touch-model",
        "last",
        "--strict",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(MALFORMED), "{stderr}");
}

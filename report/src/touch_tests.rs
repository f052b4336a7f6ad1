#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use super::*;

const DAY: i64 = 86_400_000;
const T0: i64 = 1_714_521_600_000;

/// A journey email event whose embedded endpoint (`client_context.custom.endpoint`, a JSON
/// string as Pinpoint writes it) carries `user` as `User.UserId`, when given.
fn email(kind: &str, day: i64, journey: &str, endpoint: &str, user: Option<&str>) -> String {
    let user = user.map_or(String::new(), |u| format!(r#","User":{{"UserId":"{u}"}}"#));
    let endpoint_json = format!(r#"{{"ChannelType":"EMAIL","EndpointStatus":"ACTIVE"{user}}}"#);
    serde_json::json!({
        "event_type": format!("_email.{kind}"),
        "event_timestamp": T0 + day * DAY,
        "client": {"client_id": endpoint},
        "attributes": {"journey_id": journey, "journey_activity_id": "a1"},
        "client_context": {"custom": {"endpoint": endpoint_json}},
    })
    .to_string()
}

/// A custom event from the web app, with the user id attribute when given.
fn app(kind: &str, day: i64, user: Option<&str>, revenue: f64) -> String {
    let mut attributes = serde_json::json!({"page": "/cart"});
    if let Some(u) = user {
        attributes["user_id"] = u.into();
    }
    serde_json::json!({
        "event_type": kind,
        "event_timestamp": T0 + day * DAY,
        "client": {"client_id": "web-endpoint"},
        "attributes": attributes,
        "metrics": {"revenue": revenue},
    })
    .to_string()
}

fn opts() -> ReportOptions {
    ReportOptions {
        goals: vec!["purchase".into()],
        revenue_metric: Some("revenue".into()),
        ..Default::default()
    }
}

fn touch_report(
    lines: &[String],
    model: TouchModel,
    endpoints: &[(&str, &str)],
) -> TouchAttribution {
    let mut agg = Aggregator::with_touches(opts(), TouchOptions::new(model));
    for l in lines {
        agg.push_line(l).unwrap();
    }
    let endpoints: HashMap<String, String> = endpoints
        .iter()
        .map(|(e, u)| (e.to_string(), u.to_string()))
        .collect();
    agg.finish_with_endpoints(&[], &endpoints)
        .unwrap()
        .touch_attribution
        .unwrap()
}

fn credits(t: &TouchAttribution) -> Vec<(&str, f64, Option<f64>)> {
    t.campaigns
        .iter()
        .map(|c| (c.campaign_id.as_str(), c.conversions, c.revenue))
        .collect()
}

fn two_clicks_then_purchase() -> Vec<String> {
    vec![
        email("click", 1, "j-a", "email-1", Some("u1")),
        email("click", 3, "j-b", "email-1", Some("u1")),
        // Another user's touch never credits u1's purchase.
        email("click", 2, "j-c", "email-2", Some("u2")),
        app("page_view", 4, Some("u1"), 0.0),
        app("purchase", 5, Some("u1"), 30.0),
    ]
}

#[test]
fn first_last_and_linear_credit_two_clicks_then_a_purchase() {
    let lines = two_clicks_then_purchase();
    let first = touch_report(&lines, TouchModel::First, &[]);
    assert_eq!(credits(&first), [("j-a", 1.0, Some(30.0))]);
    assert_eq!(
        (
            first.conversions,
            first.joined_conversions,
            first.unjoined_conversions
        ),
        (1, 1, 0)
    );
    assert_eq!((first.touches, first.touches_without_user), (3, 0));
    assert_eq!(first.lookback, "30d");
    assert!(
        first.note.starts_with("1 of 1 conversions could be joined"),
        "{}",
        first.note
    );

    let last = touch_report(&lines, TouchModel::Last, &[]);
    assert_eq!(credits(&last), [("j-b", 1.0, Some(30.0))]);

    let linear = touch_report(&lines, TouchModel::Linear, &[]);
    assert_eq!(
        credits(&linear),
        [("j-a", 0.5, Some(15.0)), ("j-b", 0.5, Some(15.0))]
    );
}

#[test]
fn a_touch_outside_the_lookback_is_ignored() {
    let lines = vec![
        email("open", -40, "j-old", "email-1", Some("u1")),
        email("click", 1, "j-a", "email-1", Some("u1")),
        app("purchase", 5, Some("u1"), 10.0),
    ];
    let t = touch_report(&lines, TouchModel::Linear, &[]);
    assert_eq!(credits(&t), [("j-a", 1.0, Some(10.0))]);
    let t = touch_report(&lines, TouchModel::First, &[]);
    assert_eq!(credits(&t), [("j-a", 1.0, Some(10.0))]);

    // A shorter window leaves nothing.
    let mut agg = Aggregator::with_touches(
        opts(),
        TouchOptions {
            lookback: "3d".parse().unwrap(),
            ..TouchOptions::new(TouchModel::Last)
        },
    );
    for l in &lines {
        agg.push_line(l).unwrap();
    }
    let t = agg.finish(&[]).unwrap().touch_attribution.unwrap();
    assert_eq!((t.joined_conversions, t.unjoined_conversions), (0, 1));
    assert!(t.note.contains("within 3d"), "{}", t.note);
}

#[test]
fn a_conversion_before_any_touch_is_not_credited() {
    let lines = vec![
        app("purchase", 0, Some("u1"), 10.0),
        email("click", 1, "j-a", "email-1", Some("u1")),
        app("purchase", 2, Some("u1"), 5.0),
    ];
    let t = touch_report(&lines, TouchModel::Last, &[]);
    assert_eq!(
        (t.conversions, t.joined_conversions, t.unjoined_conversions),
        (2, 1, 1)
    );
    assert_eq!(credits(&t), [("j-a", 1.0, Some(5.0))]);

    let t = touch_report(&lines[..1], TouchModel::Last, &[]);
    assert_eq!((t.conversions, t.joined_conversions), (1, 0));
    assert!(t.campaigns.is_empty());
}

#[test]
fn records_without_a_user_id_are_counted_as_unjoinable() {
    let lines = vec![
        email("click", 1, "j-a", "email-1", Some("u1")),
        app("purchase", 2, None, 10.0),
        app("purchase", 3, None, 10.0),
    ];
    let t = touch_report(&lines, TouchModel::Linear, &[]);
    assert_eq!(
        (
            t.conversions,
            t.joined_conversions,
            t.unjoined_conversions,
            t.conversions_without_user
        ),
        (2, 0, 2, 2)
    );
    assert!(t.campaigns.is_empty());
    assert_eq!(
        t.note,
        "0 of 2 conversions could be joined to a journey touch: the app's custom events carry \
         no user id (record attribute user_id, e.g. the Cognito username, or give --endpoints \
         with an endpoint export)"
    );

    // Email events whose endpoint has no user id: joinable only through an endpoint map.
    let lines = vec![
        email("click", 1, "j-a", "email-1", None),
        app("purchase", 2, Some("u1"), 10.0),
    ];
    let t = touch_report(&lines, TouchModel::Linear, &[]);
    assert_eq!((t.joined_conversions, t.touches_without_user), (0, 1));
    assert!(
        t.note.contains("journey email events carry no user id"),
        "{}",
        t.note
    );
    let t = touch_report(&lines, TouchModel::Linear, &[("email-1", "u1")]);
    assert_eq!((t.joined_conversions, t.touches_without_user), (1, 0));
    assert_eq!(credits(&t), [("j-a", 1.0, Some(10.0))]);
}

#[test]
fn clicks_only_ignores_opens() {
    let lines = vec![
        email("open", 1, "j-a", "email-1", Some("u1")),
        email("click", 2, "j-b", "email-1", Some("u1")),
        app("purchase", 3, Some("u1"), 8.0),
    ];
    let mut agg = Aggregator::with_touches(
        opts(),
        TouchOptions {
            clicks_only: true,
            ..TouchOptions::new(TouchModel::First)
        },
    );
    for l in &lines {
        agg.push_line(l).unwrap();
    }
    let t = agg.finish(&[]).unwrap().touch_attribution.unwrap();
    assert_eq!(t.touches, 1);
    assert_eq!(credits(&t), [("j-b", 1.0, Some(8.0))]);
}

#[test]
fn merging_partials_gives_the_same_answer() {
    let mut lines = two_clicks_then_purchase();
    lines.push(app("purchase", 6, Some("u2"), 4.0));
    lines.push(app("purchase", 7, None, 4.0));
    let whole = touch_report(&lines, TouchModel::Linear, &[]);
    for split in 0..lines.len() {
        let mut a = Aggregator::with_touches(opts(), TouchOptions::new(TouchModel::Linear));
        let mut b = Aggregator::with_touches(opts(), TouchOptions::new(TouchModel::Linear));
        for l in &lines[..split] {
            b.push_line(l).unwrap();
        }
        for l in &lines[split..] {
            a.push_line(l).unwrap();
        }
        a.merge(b);
        assert_eq!(a.finish(&[]).unwrap().touch_attribution.unwrap(), whole);
    }
    assert_eq!(
        (
            whole.conversions,
            whole.joined_conversions,
            whole.conversions_without_user
        ),
        (3, 2, 1)
    );
}

#[test]
fn without_touches_the_report_has_no_touch_section() {
    let mut agg = Aggregator::new(opts());
    for l in two_clicks_then_purchase() {
        agg.push_line(&l).unwrap();
    }
    let r = agg.finish(&[]).unwrap();
    assert!(r.touch_attribution.is_none());
    let json = serde_json::to_value(&r).unwrap();
    assert!(json.get("touch_attribution").is_none());
}

#[test]
fn malformed_lines_do_not_count_as_touches() {
    let mut agg = Aggregator::with_touches(opts(), TouchOptions::new(TouchModel::Last));
    let good = app("purchase", 1, Some("u1"), 1.0);
    assert!(agg.push_line(&format!("{good}{{\"event_type\":")).is_err());
    let t = agg.finish(&[]).unwrap().touch_attribution.unwrap();
    assert_eq!(t.conversions, 0);
    assert_eq!(t.note, "no conversions (goal events) in the input");
}

/// A bare SES event record (as Firehose writes it) of a journey email to `user` (the
/// `username` tag, the Cognito username).
fn ses(event_type: &str, day: i64, journey: &str, user: &str) -> String {
    let at = journey_attribution_core::rfc3339::format_ms(T0 + day * DAY);
    let field = event_type.to_ascii_lowercase();
    serde_json::json!({
        "eventType": event_type,
        "mail": {
            "timestamp": journey_attribution_core::rfc3339::format_ms(T0 + day * DAY - 60_000),
            "source": "news@example.com",
            "messageId": format!("msg-{journey}-{user}"),
            "destination": [format!("{user}@example.com")],
            "tags": {"ses:configuration-set": ["journeys"], "journey_id": [journey],
                "campaign": ["Spring"], "username": [user]},
        },
        field: {"timestamp": at, "ipAddress": "198.51.100.7", "userAgent": "Mozilla/5.0"},
    })
    .to_string()
}

#[test]
fn clicks_only_ignores_ses_opens() {
    let lines = vec![
        ses("Open", 1, "j-a", "u1"),
        ses("Click", 2, "j-b", "u1"),
        ses("Open", 3, "j-c", "u1"),
        app("purchase", 4, Some("u1"), 8.0),
    ];
    let all = touch_report(&lines, TouchModel::First, &[]);
    assert_eq!(all.touches, 3);
    assert_eq!(credits(&all), [("j-a", 1.0, Some(8.0))]);
    let mut agg = Aggregator::with_touches(
        opts(),
        TouchOptions {
            clicks_only: true,
            ..TouchOptions::new(TouchModel::Linear)
        },
    );
    for l in &lines {
        agg.push_line(l).unwrap();
    }
    let t = agg.finish(&[]).unwrap().touch_attribution.unwrap();
    assert_eq!(t.touches, 1);
    assert_eq!(credits(&t), [("j-b", 1.0, Some(8.0))]);

    // Only opens: said plainly.
    let mut agg = Aggregator::with_touches(
        opts(),
        TouchOptions {
            clicks_only: true,
            ..TouchOptions::new(TouchModel::Linear)
        },
    );
    for l in [&lines[0], &lines[2], &lines[3]] {
        agg.push_line(l).unwrap();
    }
    let t = agg.finish(&[]).unwrap().touch_attribution.unwrap();
    assert_eq!(
        t.note,
        "0 of 1 conversions could be joined to a journey touch: the input holds no journey \
         _email.click or SES Click events with a journey_id"
    );
}

#[test]
fn a_delivery_record_is_ignored() {
    let lines = vec![
        ses("Delivery", 1, "j-a", "u1"),
        ses("Send", 1, "j-a", "u1"),
        app("purchase", 2, Some("u1"), 8.0),
    ];
    let mut agg = Aggregator::with_touches(opts(), TouchOptions::new(TouchModel::Last));
    for l in &lines {
        agg.push_line(l).unwrap();
    }
    let r = agg.finish(&[]).unwrap();
    assert_eq!((r.lines, r.skipped_lines, r.events), (3, 0, 1));
    let t = r.touch_attribution.unwrap();
    assert_eq!((t.touches, t.conversions, t.joined_conversions), (0, 1, 0));
}

#[test]
fn a_malformed_ses_record_is_a_skipped_line_naming_the_field() {
    let mut agg = Aggregator::with_touches(opts(), TouchOptions::new(TouchModel::Last));
    let mut record: serde_json::Value =
        serde_json::from_str(&ses("Click", 1, "j-a", "u1")).unwrap();
    record["mail"]["tags"]["username"] = serde_json::json!("u1");
    let err = agg.push_line(&record.to_string()).unwrap_err();
    assert_eq!(
        err.reason,
        "malformed SES event record: mail.tags.username: invalid type: string \"u1\", \
         expected a sequence (column 1)"
    );
    let r = agg.finish(&[]).unwrap();
    assert_eq!((r.lines, r.skipped_lines), (1, 1));
    assert_eq!(r.touch_attribution.unwrap().touches, 0);
}

#[test]
fn pinpoint_and_ses_touches_mix() {
    let lines = vec![
        // Pinpoint's email: user u1 through the endpoint's User.UserId.
        email("click", 1, "j-pinpoint", "email-1", Some("u1")),
        // The same user's SES email (journeys moved to SES): the username tag.
        ses("Open", 2, "j-ses", "u1"),
        app("purchase", 3, Some("u1"), 30.0),
        // Both kinds of records on one line, back to back, for u2.
        format!(
            "{}{}",
            ses("Click", 1, "j-ses", "u2"),
            email("open", 2, "j-pinpoint", "email-2", Some("u2"))
        ),
        app("purchase", 4, Some("u2"), 10.0),
    ];
    let first = touch_report(&lines, TouchModel::First, &[]);
    assert_eq!(
        credits(&first),
        [("j-pinpoint", 1.0, Some(30.0)), ("j-ses", 1.0, Some(10.0))]
    );
    assert_eq!((first.touches, first.joined_conversions), (4, 2));
    let last = touch_report(&lines, TouchModel::Last, &[]);
    assert_eq!(
        credits(&last),
        [("j-ses", 1.0, Some(30.0)), ("j-pinpoint", 1.0, Some(10.0))]
    );
    let linear = touch_report(&lines, TouchModel::Linear, &[]);
    assert_eq!(
        credits(&linear),
        [("j-pinpoint", 1.0, Some(20.0)), ("j-ses", 1.0, Some(20.0))]
    );
}

/// A purchase of `user` with an event id and an order id.
fn order(day: i64, user: &str, revenue: f64, id: &str, order: &str) -> String {
    serde_json::json!({
        "event_type": "purchase",
        "event_timestamp": T0 + day * DAY,
        "attributes": {"user_id": user, "event_id": id, "order_id": order},
        "metrics": {"revenue": revenue},
    })
    .to_string()
}

#[test]
fn a_conversion_counts_once_as_in_the_attributed_rows() {
    let purchase = app("purchase", 4, Some("u1"), 30.0);
    let lines = vec![
        email("click", 1, "j-a", "email-1", Some("u1")),
        // Delivered twice, byte for byte.
        purchase.clone(),
        purchase,
        // One order recorded twice (an app retry: another event id): the earliest counts.
        order(5, "u1", 10.0, "e-1", "o-1"),
        order(6, "u1", 11.0, "e-2", "o-1"),
        // The same event id from a second export (another arrival time).
        order(5, "u1", 7.0, "e-3", "o-2"),
        order(5, "u1", 7.0, "e-3", "o-2")
            .replace("\"event_type\"", "\"arrival_timestamp\":1,\"event_type\""),
        // Revenue outside [0, --max-revenue]: none, the conversion still counts.
        order(5, "u1", -50.0, "e-4", "o-3"),
    ];
    let t = touch_report(&lines, TouchModel::Last, &[]);
    assert_eq!(t.conversions, 4, "{t:?}");
    assert_eq!(t.joined_conversions, 4);
    assert_eq!(credits(&t), vec![("j-a", 4.0, Some(30.0 + 10.0 + 7.0))]);
}

#[test]
fn conversions_without_a_user_count_once_too() {
    let unjoinable = serde_json::json!({
        "event_type": "purchase", "event_timestamp": T0 + DAY,
        "attributes": {"campaign": "Spring"}, "metrics": {"revenue": 3},
    })
    .to_string();
    let lines = vec![
        email("click", 1, "j-a", "email-1", Some("u1")),
        unjoinable.clone(),
        unjoinable,
        order(5, "u1", 10.0, "e-1", "o-9"),
        order(5, "u1", 10.0, "e-2", "o-9"),
    ];
    let t = touch_report(&lines, TouchModel::Last, &[]);
    assert_eq!((t.conversions, t.conversions_without_user), (2, 1), "{t:?}");
    assert!(t.note.starts_with("1 of 2 conversions"), "{}", t.note);
}

#[test]
fn touches_and_lift_each_follow_their_own_user_attribute() {
    // One reading of each record serves both: touch reconstruction joins on `member`, lift
    // on `user_id`, whichever of the two a record carries.
    let log = r#"{"campaign_id":"j-a","user_id":"u1","arm":"treatment","assigned_at":"2024-05-01T00:00:00Z"}"#;
    let exposures =
        std::sync::Arc::new(crate::lift::exposures::Exposures::parse(log, "log").unwrap());
    let touch = TouchOptions {
        user_attribute: "member".into(),
        ..TouchOptions::new(TouchModel::Last)
    };
    let mut agg = Aggregator::with_touches(opts(), touch)
        .with_lift(exposures, crate::lift::LiftOptions::default());
    let purchase = app("purchase", 4, Some("u1"), 12.0)
        .replace(r#""page":"/cart""#, r#""page":"/cart","member":"m1""#);
    for l in [
        email("click", 1, "j-a", "email-1", None).replace(
            r#""journey_activity_id":"a1""#,
            r#""journey_activity_id":"a1","member":"m1""#,
        ),
        purchase,
    ] {
        agg.push_line(&l).unwrap();
    }
    let report = agg.finish(&[]).unwrap();
    let t = report.touch_attribution.unwrap();
    assert_eq!(credits(&t), vec![("j-a", 1.0, Some(12.0))], "{t:?}");
    let lift = &report.lift.unwrap()[0];
    assert_eq!(lift.treatment_converted, 1, "lift joins on user_id");
}

#[test]
fn an_unreadable_journey_id_costs_the_attributed_rows_nothing() {
    // A lone surrogate is not text: read as a string it fails the record. Touch
    // reconstruction reads `journey_id`, the attributed rows do not, so they count the
    // line as they would without touch reconstruction.
    let stamped = app("purchase", 2, Some("u1"), 5.0).replace(
        r#""page":"/cart""#,
        r#""campaign":"Spring","journey_id":"\ud800""#,
    );
    let mut with = Aggregator::with_touches(opts(), TouchOptions::new(TouchModel::Last));
    let mut without = Aggregator::new(opts());
    with.push_line(&stamped).unwrap();
    without.push_line(&stamped).unwrap();
    let (with, without) = (with.finish(&[]).unwrap(), without.finish(&[]).unwrap());
    assert_eq!(with.skipped_lines, 0);
    assert_eq!(with.campaigns, without.campaigns);
    assert_eq!(with.touch_attribution.unwrap().conversions, 1);
}

#[test]
fn an_unreadable_attribute_costs_only_its_own_object_its_touch_data() {
    // Amplify data back to back on one Firehose line: the second object's touch user
    // attribute is not text. The report reads it again without it; the first object keeps
    // its user.
    let touch = TouchOptions {
        user_attribute: "member".into(),
        ..TouchOptions::new(TouchModel::Last)
    };
    let mut agg = Aggregator::with_touches(opts(), touch);
    let click = email("click", 1, "j-a", "email-1", None).replace(
        r#""journey_activity_id":"a1""#,
        r#""journey_activity_id":"a1","member":"u1""#,
    );
    let at = T0 + 2 * DAY;
    let amplify = format!(
        r#"{{"name":"purchase","attributes":{{"member":"u1"}},"metrics":{{"revenue":5}},"timestamp":{at}}}{{"name":"view","attributes":{{"member":"\ud800"}},"timestamp":{at}}}"#
    );
    agg.push_line(&click).unwrap();
    agg.push_line(&amplify).unwrap();
    let t = agg.finish(&[]).unwrap().touch_attribution.unwrap();
    assert_eq!((t.conversions, t.joined_conversions), (1, 1), "{t:?}");
}

#[test]
fn one_attribute_may_be_both_the_order_id_and_the_journey_id() {
    // An odd setting, but each role reads the attribute: here `--order-attribute journey_id`.
    let options = ReportOptions {
        order_attribute: "journey_id".into(),
        ..opts()
    };
    let mut agg = Aggregator::with_touches(options, TouchOptions::new(TouchModel::Last));
    for l in [
        email("click", 1, "j-a", "email-1", Some("u1")),
        app("purchase", 2, Some("u1"), 9.0),
    ] {
        agg.push_line(&l).unwrap();
    }
    let t = agg.finish(&[]).unwrap().touch_attribution.unwrap();
    assert_eq!((t.touches, t.joined_conversions), (1, 1), "{t:?}");
}

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use super::*;
use crate::{Aggregator, ReportOptions};

const LOG: &str = r#"{"campaign_id":"j-1","campaign":"Spring","user_id":"t1","arm":"treatment","assigned_at":"2026-03-01T00:00:00Z"}
{"campaign_id":"j-1","user_id":"t2","arm":"treatment","assigned_at":"2026-03-01T00:00:00Z"}
{"campaign_id":"j-1","user_id":"c1","arm":"control","assigned_at":"2026-03-01T00:00:00Z","holdout":10,"salt":"s"}
{"campaign_id":"j-1","user_id":"c2","arm":"control","assigned_at":"2026-03-01T00:00:00Z"}
"#;

/// 2026-03-01T00:00:00Z in epoch ms.
const T0: i64 = 1_772_323_200_000;
const DAY: i64 = 86_400_000;

fn event(user: &str, at: i64, revenue: f64, stamped: bool) -> String {
    let stamp = if stamped {
        r#","campaign":"Spring","campaign_id":"j-1""#
    } else {
        ""
    };
    format!(
        r#"{{"event_type":"purchase","event_timestamp":{at},"client":{{"client_id":"e-{user}"}},"attributes":{{"user_id":"{user}"{stamp}}},"metrics":{{"revenue":{revenue}}}}}"#
    )
}

fn report(log: &str, lines: &[String], window: &str) -> (crate::Report, Arc<Exposures>) {
    let exposures = Arc::new(Exposures::parse(log, "log").unwrap());
    let options = ReportOptions {
        goals: vec!["purchase".into()],
        revenue_metric: Some("revenue".into()),
        ..Default::default()
    };
    let lift = LiftOptions {
        window: window.parse().unwrap(),
        ..LiftOptions::default()
    };
    let mut agg = Aggregator::new(options).with_lift(exposures.clone(), lift);
    for l in lines {
        agg.push_line(l).unwrap();
    }
    (agg.finish(&[]).unwrap(), exposures)
}

#[test]
fn counts_conversions_of_both_arms_in_the_window_from_assignment() {
    let lines = vec![
        event("t1", T0 + DAY, 30.0, true),
        // Control users are never stamped: still a conversion.
        event("c1", T0 + 2 * DAY, 20.0, false),
        // Before the assignment, and at its window's end (exclusive): not counted.
        event("t2", T0 - 1, 50.0, false),
        event("c2", T0 + 7 * DAY, 50.0, false),
        // A user of no campaign.
        event("x", T0 + DAY, 99.0, false),
    ];
    let (r, _) = report(LOG, &lines, "7d");
    let lift = r.lift.unwrap();
    assert_eq!(lift.len(), 1);
    let row = &lift[0];
    assert_eq!(row.campaign_id, "j-1");
    assert_eq!(row.campaign.as_deref(), Some("Spring"));
    assert_eq!((row.treatment_users, row.control_users), (2, 2));
    assert_eq!((row.treatment_converted, row.control_converted), (1, 1));
    assert_eq!(row.treatment_revenue, Some(30.0));
    assert_eq!(row.control_revenue, Some(20.0));
    assert_eq!(row.rate_difference, Some(0.0));
    assert_eq!(row.relative_lift, Some(0.0));
    // (15 - 10) x 2 treatment users.
    assert_eq!(row.incremental_revenue, Some(10.0));
    assert!(!row.conclusive);
    assert!(
        row.note
            .as_deref()
            .unwrap()
            .contains("too small to conclude")
    );

    // A longer window takes the control's event at day 7.
    let (r, _) = report(LOG, &lines, "8d");
    assert_eq!(r.lift.unwrap()[0].control_converted, 2);
}

#[test]
fn a_user_in_both_arms_is_refused_with_a_reason() {
    let log = format!(
        "{LOG}{}\n",
        r#"{"campaign_id":"j-1","user_id":"t1","arm":"control","assigned_at":"2026-03-02T00:00:00Z"}"#
    );
    let (r, exposures) = report(&log, &[event("t1", T0 + DAY, 30.0, true)], "7d");
    let row = &r.lift.unwrap()[0];
    assert_eq!((row.treatment_users, row.control_users), (1, 2));
    assert_eq!(row.treatment_converted, 0);
    assert_eq!(row.refused_users, 1);
    let refusal = &exposures.refusals()[0];
    assert_eq!(refusal.origin, "log:5");
    assert!(refusal.reason.contains("both arms"), "{}", refusal.reason);
}

#[test]
fn a_repeated_assignment_counts_once_from_the_earliest() {
    let log = format!(
        "{LOG}{}\n{}\n",
        r#"{"campaign_id":"j-1","user_id":"t2","arm":"treatment","assigned_at":"2026-02-27T00:00:00Z"}"#,
        r#"{"campaign_id":"j-1","user_id":"t2","arm":"treatment","assigned_at":"2026-03-01T00:00:00Z"}"#
    );
    // At T0 - 1 day: in the window of the earlier assignment.
    let (r, _) = report(&log, &[event("t2", T0 - DAY, 5.0, false)], "7d");
    let row = &r.lift.unwrap()[0];
    assert_eq!(row.treatment_users, 2);
    assert_eq!(row.treatment_converted, 1);
    assert_eq!(row.refused_users, 0);
}

#[test]
fn a_malformed_exposure_line_names_the_field() {
    let cases = [
        (
            r#"{"campaign_id":"j","user_id":"u","arm":"holdout","assigned_at":"2026-03-01T00:00:00Z"}"#,
            "holdout",
        ),
        (
            r#"{"campaign_id":"j","user_id":"u","arm":"control"}"#,
            "assigned_at",
        ),
        (
            r#"{"campaign_id":"j","user_id":"u","arm":"control","assigned_at":"yesterday"}"#,
            "assigned_at",
        ),
        (
            r#"{"campaign_id":"","user_id":"u","arm":"control","assigned_at":"2026-03-01T00:00:00Z"}"#,
            "campaign_id",
        ),
    ];
    for (line, field) in cases {
        let e = Exposures::parse(line, "x.jsonl").unwrap_err().to_string();
        assert!(e.contains("x.jsonl:1") && e.contains(field), "{e}");
    }
}

#[test]
fn costs_match_by_id_else_by_label() {
    let exposures = Arc::new(Exposures::parse(LOG, "log").unwrap());
    let options = ReportOptions {
        goals: vec!["purchase".into()],
        revenue_metric: Some("revenue".into()),
        ..Default::default()
    };
    let mut agg = Aggregator::new(options).with_lift(exposures, LiftOptions::default());
    agg.push_line(&event("t1", T0 + DAY, 30.0, true)).unwrap();
    let cost = |c: &str| Cost {
        campaign: c.into(),
        cost: 5.0,
    };
    let rows = agg
        .finish(&[cost("Spring"), cost("j-1")])
        .unwrap()
        .lift
        .unwrap();
    assert_eq!(rows[0].cost, Some(10.0));
    // (30/2 - 0) x 2 = 30 incremental over 10.
    assert_eq!(rows[0].iroas, Some(3.0));
}

/// A purchase of `user` with an id and an order, as the wrappers stamp it.
fn order_event(user: &str, at: i64, revenue: f64, id: &str, order: &str) -> String {
    format!(
        r#"{{"event_type":"purchase","event_timestamp":{at},"attributes":{{"user_id":"{user}","event_id":"{id}","order_id":"{order}"}},"metrics":{{"revenue":{revenue}}}}}"#
    )
}

fn lift_row(lines: &[String]) -> LiftRow {
    let (r, _) = report(LOG, lines, "7d");
    r.lift.unwrap().remove(0)
}

#[test]
fn a_redelivered_goal_event_adds_its_revenue_once() {
    let once = lift_row(&[event("t1", T0 + DAY, 30.0, true)]);
    // Firehose redelivers a record byte for byte, or the same event arrives from two
    // overlapping exports (same event id, different text).
    let repeated = lift_row(&[
        event("t1", T0 + DAY, 30.0, true),
        event("t1", T0 + DAY, 30.0, true),
    ]);
    let by_id = lift_row(&[
        order_event("t1", T0 + DAY, 30.0, "e-1", "o-1"),
        format!(
            r#"{{"event_type":"purchase","event_timestamp":{},"arrival_timestamp":1,"attributes":{{"event_id":"e-1","user_id":"t1","order_id":"o-1"}},"metrics":{{"revenue":30}}}}"#,
            T0 + DAY
        ),
    ]);
    for row in [&repeated, &by_id] {
        assert_eq!(row.treatment_converted, 1);
        assert_eq!(row.treatment_revenue, once.treatment_revenue);
        assert_eq!(row.incremental_revenue, once.incremental_revenue);
    }
    assert_eq!(once.treatment_revenue, Some(30.0));
}

#[test]
fn goal_events_of_one_order_count_once_and_a_refunded_order_earns_nothing() {
    let row = lift_row(&[
        // One order sent twice (a retry with a new event id): the earliest counts.
        order_event("t1", T0 + DAY, 30.0, "e-1", "o-1"),
        order_event("t1", T0 + DAY + 5, 31.0, "e-2", "o-1"),
        order_event("c1", T0 + DAY, 20.0, "e-3", "o-2"),
        order_event("c2", T0 + DAY, 25.0, "e-4", "o-3"),
    ]);
    assert_eq!(row.treatment_revenue, Some(30.0));
    assert_eq!(row.control_revenue, Some(45.0));

    let exposures = Arc::new(Exposures::parse(LOG, "log").unwrap());
    let options = ReportOptions {
        goals: vec!["purchase".into()],
        revenue_metric: Some("revenue".into()),
        refund_event: Some("refund".into()),
        ..Default::default()
    };
    let mut agg = Aggregator::new(options).with_lift(exposures, LiftOptions::default());
    for line in [
        order_event("t1", T0 + DAY, 30.0, "e-1", "o-1"),
        order_event("t2", T0 + DAY, 40.0, "e-2", "o-2"),
        // The refund may come from anywhere (a back office): it names the order.
        r#"{"event_type":"refund","event_timestamp":1,"attributes":{"order_id":"o-1"}}"#.into(),
    ] {
        agg.push_line(&line).unwrap();
    }
    let row = agg.finish(&[]).unwrap().lift.unwrap().remove(0);
    assert_eq!(
        row.treatment_converted, 2,
        "a refunded purchase still converted"
    );
    assert_eq!(row.treatment_revenue, Some(40.0));
}

#[test]
fn revenue_outside_the_reports_bounds_is_skipped_as_in_the_attributed_rows() {
    let row = lift_row(&[
        event("t1", T0 + DAY, -30.0, false),
        event("t2", T0 + DAY, 2.0e9, false),
        event("c1", T0 + DAY, 20.0, false),
    ]);
    assert_eq!(row.treatment_converted, 2);
    assert_eq!(row.treatment_revenue, Some(0.0));
    assert_eq!(row.control_revenue, Some(20.0));
}

#[test]
fn with_every_custom_event_a_goal_a_refund_is_not_a_conversion() {
    let exposures = Arc::new(Exposures::parse(LOG, "log").unwrap());
    let options = ReportOptions {
        refund_event: Some("refund".into()),
        ..Default::default()
    };
    let mut agg = Aggregator::new(options).with_lift(exposures, LiftOptions::default());
    agg.push_line(&format!(
        r#"{{"event_type":"refund","event_timestamp":{},"attributes":{{"user_id":"t1","order_id":"o-9"}}}}"#,
        T0 + DAY
    ))
    .unwrap();
    let row = agg.finish(&[]).unwrap().lift.unwrap().remove(0);
    assert_eq!(row.treatment_converted, 0);
}

#[test]
fn the_lift_rows_do_not_depend_on_how_the_input_is_split() {
    let lines = vec![
        order_event("t1", T0 + DAY, 30.0, "e-1", "o-1"),
        order_event("t1", T0 + DAY + 5, 31.0, "e-2", "o-1"),
        event("c1", T0 + 2 * DAY, 20.0, false),
        event("c1", T0 + 2 * DAY, 20.0, false),
        order_event("t2", T0 + 3 * DAY, 12.5, "e-5", "o-5"),
        order_event("t2", T0 + 3 * DAY, 12.5, "e-5", "o-5"),
    ];
    let whole = lift_row(&lines);
    let exposures = Arc::new(Exposures::parse(LOG, "log").unwrap());
    let options = ReportOptions {
        goals: vec!["purchase".into()],
        revenue_metric: Some("revenue".into()),
        ..Default::default()
    };
    let lift = LiftOptions {
        window: "7d".parse().unwrap(),
        ..LiftOptions::default()
    };
    // Every split into two threads, in reverse order.
    for cut in 0..=lines.len() {
        let mut a = Aggregator::new(options.clone()).with_lift(exposures.clone(), lift.clone());
        let mut b = Aggregator::new(options.clone()).with_lift(exposures.clone(), lift.clone());
        for l in lines[..cut].iter().rev() {
            a.push_line(l).unwrap();
        }
        for l in lines[cut..].iter().rev() {
            b.push_line(l).unwrap();
        }
        b.merge(a);
        assert_eq!(
            b.finish(&[]).unwrap().lift.unwrap().remove(0),
            whole,
            "cut {cut}"
        );
    }
    assert_eq!(whole.treatment_revenue, Some(42.5));
    assert_eq!(whole.control_revenue, Some(20.0));
}

/// splitmix64: a fixed, dependency-free generator for the simulation.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn binomial(&mut self, n: u64, p: f64) -> u64 {
        (0..n).filter(|_| self.next() < p).count() as u64
    }
}

#[test]
fn the_95_percent_newcombe_interval_covers_the_true_difference_about_95_percent_of_the_time() {
    let (p1, p2, n1, n2) = (0.12, 0.09, 900, 1100);
    let z = stats::z(0.95);
    let mut rng = Rng(2026);
    let runs = 2000;
    let covered = (0..runs)
        .filter(|_| {
            let x1 = rng.binomial(n1, p1);
            let x2 = rng.binomial(n2, p2);
            let [lo, hi] = stats::newcombe(x1, n1, x2, n2, z);
            lo <= p1 - p2 && p1 - p2 <= hi
        })
        .count();
    let share = covered as f64 / runs as f64;
    assert!((0.935..=0.965).contains(&share), "coverage {share}");
}

#[test]
fn the_welch_interval_covers_the_true_revenue_difference_about_95_percent_of_the_time() {
    // Revenue per user: zero unless converted, then uniform on [0, 2 * mean order).
    let (p1, p2, order, n) = (0.15, 0.10, 40.0, 800);
    let truth = (p1 - p2) * order;
    let mut rng = Rng(7);
    let runs = 2000;
    let mut draw = |p: f64| -> Moments {
        let values: Vec<f64> = (0..n)
            .map(|_| {
                if rng.next() < p {
                    rng.next() * 2.0 * order
                } else {
                    0.0
                }
            })
            .collect();
        Moments::from_nonzero(n, values.into_iter().filter(|v| *v != 0.0))
    };
    let covered = (0..runs)
        .filter(|_| {
            let (a, b) = (draw(p1), draw(p2));
            let [lo, hi] = stats::welch(a, b, 0.95).unwrap();
            lo <= truth && truth <= hi
        })
        .count();
    let share = covered as f64 / runs as f64;
    assert!((0.935..=0.965).contains(&share), "coverage {share}");
}

#[test]
fn an_order_first_recorded_before_the_assignment_is_no_conversion() {
    // The purchase happened before; its repeat (a reloaded thank-you page) falls in the window.
    let row = lift_row(&[
        order_event("t1", T0 - DAY, 50.0, "e-1", "o-1"),
        order_event("t1", T0 + DAY, 50.0, "e-2", "o-1"),
        // The same event id, first delivered with its real time, again later.
        order_event("t2", T0 - DAY, 20.0, "e-3", "o-3"),
        order_event("t2", T0 + DAY, 20.0, "e-3", "o-3"),
    ]);
    assert_eq!(row.treatment_converted, 0, "{row:?}");
    assert_eq!(row.treatment_revenue, Some(0.0));
}

#[test]
fn exposures_never_cost_the_attributed_rows_a_line() {
    // A user id that is not valid text: lift cannot read it, the attributed rows still count
    // the event as they do without lift.
    let lines = [
        r#"{"event_type":"purchase","event_timestamp":1772409600000,"attributes":{"user_id":"\ud800","campaign":"Spring","campaign_id":"j-1"},"metrics":{"revenue":12}}"#,
        r#"{"event_type":"purchase","event_timestamp":1772409600000,"attributes":{"user_id":1e400,"campaign":"Spring","campaign_id":"j-1"},"metrics":{"revenue":3}}"#,
    ];
    let options = ReportOptions {
        goals: vec!["purchase".into()],
        revenue_metric: Some("revenue".into()),
        ..Default::default()
    };
    let exposures = Arc::new(Exposures::parse(LOG, "log").unwrap());
    let mut with = Aggregator::new(options.clone()).with_lift(exposures, LiftOptions::default());
    let mut without = Aggregator::new(options);
    for l in lines {
        assert!(with.push_line(l).is_ok(), "{l}");
        assert!(without.push_line(l).is_ok(), "{l}");
    }
    let (with, without) = (with.finish(&[]).unwrap(), without.finish(&[]).unwrap());
    assert_eq!(with.campaigns, without.campaigns);
    assert_eq!(with.skipped_lines, 0);
    assert_eq!(with.campaigns[0].revenue, Some(15.0));
}

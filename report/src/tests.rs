#![allow(clippy::unwrap_used)]

use proptest::prelude::*;

use std::collections::BTreeMap;

use super::*;

const STREAM: &str = include_str!("../../tests/fixtures/report/stream.jsonl");

fn options(goals: &[&str], metric: Option<&str>) -> ReportOptions {
    ReportOptions {
        goals: goals.iter().map(|g| g.to_string()).collect(),
        revenue_metric: metric.map(str::to_owned),
        ..Default::default()
    }
}

fn aggregate(text: &str, opts: &ReportOptions) -> (Aggregator, Vec<(u64, SkippedLine)>) {
    let mut agg = Aggregator::new(opts.clone());
    let mut skipped = Vec::new();
    agg.push_text(text, |n, e| skipped.push((n, e)));
    (agg, skipped)
}

fn cost(campaign: &str, cost: f64) -> Cost {
    Cost {
        campaign: campaign.into(),
        cost,
    }
}

fn by_type(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn known_answer_on_the_fixture_stream() {
    let (agg, skipped) = aggregate(STREAM, &options(&["purchase"], Some("revenue")));
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].0, 11, "the truncated record is on line 11");
    assert_eq!(
        skipped[0].1.reason,
        "EOF while parsing an object at attributes (column 63)"
    );
    let r = agg
        .finish(&[
            cost("j-spring", 100.0),
            cost("Newsletter", 30.5),
            cost("j-winter", 0.0),
        ])
        .unwrap();
    assert_eq!(
        (
            r.lines,
            r.skipped_lines,
            r.events,
            r.custom_events,
            r.attributed_events
        ),
        (14, 1, 13, 10, 9)
    );
    let summary: Vec<_> = r
        .campaigns
        .iter()
        .map(|c| {
            (
                c.campaign.as_str(),
                c.campaign_id.as_deref(),
                c.attributed_events,
                c.converted_users,
                c.revenue,
                c.cost,
                c.roi,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "Spring Sale",
                Some("j-spring"),
                5,
                2,
                Some(110.5),
                Some(100.0),
                Some(0.105)
            ),
            (
                "Newsletter",
                None,
                2,
                1,
                Some(15.25),
                Some(30.5),
                Some(-0.5)
            ),
            (
                "Spring Sale",
                Some("j-spring-2"),
                1,
                1,
                Some(5.0),
                None,
                None
            ),
            (
                "Winter \"Warm-up\", 2024",
                Some("j-winter"),
                1,
                1,
                Some(0.0),
                Some(0.0),
                None
            ),
        ]
    );
    assert_eq!(
        r.campaigns[0].events_by_type,
        by_type(&[("add_to_cart", 1), ("page_view", 1), ("purchase", 3)])
    );
    assert_eq!(
        r.campaigns[1].events_by_type,
        by_type(&[("purchase", 1), ("sign_up", 1)])
    );
}

#[test]
fn without_goals_every_attributed_custom_event_converts() {
    let mut stream = STREAM.to_owned();
    // u7 only viewed a page: a conversion without --goal, none with --goal purchase.
    stream.push_str(
        r#"{"event_type":"page_view","client":{"client_id":"u7"},"attributes":{"campaign":"Newsletter"}}"#,
    );
    let (agg, _) = aggregate(&stream, &options(&[], None));
    let r = agg.finish(&[cost("Newsletter", 10.0)]).unwrap();
    let newsletter = r
        .campaigns
        .iter()
        .find(|c| c.campaign == "Newsletter")
        .unwrap();
    assert_eq!(newsletter.converted_users, 2);
    assert_eq!(newsletter.revenue, None, "no revenue metric, no revenue");
    assert_eq!(newsletter.roi, None, "revenue unknown, ROI unknown");
    assert_eq!(newsletter.cost, Some(10.0));

    let (agg, _) = aggregate(&stream, &options(&["purchase"], None));
    let r = agg.finish(&[]).unwrap();
    let newsletter = r
        .campaigns
        .iter()
        .find(|c| c.campaign == "Newsletter")
        .unwrap();
    assert_eq!(newsletter.converted_users, 1);
    assert_eq!(newsletter.attributed_events, 3);
}

#[test]
fn several_goals_and_revenue_only_from_goal_events() {
    let text = [
        r#"{"event_type":"add_to_cart","client":{"client_id":"a"},"attributes":{"campaign":"C"},"metrics":{"revenue":1000}}"#,
        r#"{"event_type":"purchase","client":{"client_id":"a"},"attributes":{"campaign":"C"},"metrics":{"revenue":7}}"#,
        r#"{"event_type":"subscribe","client":{"client_id":"b"},"attributes":{"campaign":"C"},"metrics":{"revenue":3}}"#,
    ]
    .join("\n");
    let (agg, _) = aggregate(&text, &options(&["purchase", "subscribe"], Some("revenue")));
    let r = agg.finish(&[]).unwrap();
    assert_eq!(r.campaigns[0].revenue, Some(10.0));
    assert_eq!(r.campaigns[0].converted_users, 2);
}

#[test]
fn reserved_and_unstamped_events_are_not_attributed() {
    let text = [
        r#"{"event_type":"_email.click","client":{"client_id":"a"},"attributes":{"campaign":"C","campaign_id":"j"}}"#,
        r#"{"event_type":"purchase","client":{"client_id":"a"},"attributes":{"campaign":""}}"#,
        r#"{"event_type":"purchase","client":{"client_id":"a"},"attributes":{"campaign_id":"j"}}"#,
        r#"{"event_type":"purchase","client":{"client_id":"a"}}"#,
    ]
    .join("\n");
    let (agg, skipped) = aggregate(&text, &options(&[], Some("revenue")));
    assert!(skipped.is_empty());
    let r = agg.finish(&[]).unwrap();
    assert!(r.campaigns.is_empty());
    assert_eq!((r.events, r.custom_events, r.attributed_events), (4, 3, 0));
}

#[test]
fn concatenated_records_on_one_line_all_count_or_none_does() {
    let one =
        r#"{"event_type":"purchase","client":{"client_id":"a"},"attributes":{"campaign":"C"}}"#;
    let two =
        r#"{"event_type":"purchase","client":{"client_id":"b"},"attributes":{"campaign":"C"}}"#;
    let (agg, skipped) = aggregate(
        &format!("{one}{two}\n{one} {two} {{\"x\""),
        &options(&[], None),
    );
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].0, 2);
    let r = agg.finish(&[]).unwrap();
    assert_eq!((r.lines, r.events, r.skipped_lines), (2, 2, 1));
    assert_eq!(r.campaigns[0].attributed_events, 2);
}

#[test]
fn label_of_a_journey_is_its_most_frequent_one() {
    let text = [
        r#"{"event_type":"v","attributes":{"campaign":"Old name","campaign_id":"j","event_id":"1"}}"#,
        r#"{"event_type":"v","attributes":{"campaign":"New name","campaign_id":"j","event_id":"2"}}"#,
        r#"{"event_type":"v","attributes":{"campaign":"New name","campaign_id":"j","event_id":"3"}}"#,
    ]
    .join("\n");
    let (agg, _) = aggregate(&text, &options(&[], None));
    let r = agg.finish(&[cost("Old name", 5.0)]).unwrap();
    assert_eq!(
        r.campaigns.len(),
        2,
        "the old label no longer names the journey"
    );
    assert_eq!(r.campaigns[0].campaign, "New name");
    assert_eq!(r.campaigns[0].attributed_events, 3);
}

#[test]
fn costs_match_by_id_then_label_add_up_and_unmatched_rows_are_kept() {
    let (agg, _) = aggregate(STREAM, &options(&["purchase"], Some("revenue")));
    let r = agg
        .finish(&[
            cost("j-spring", 60.0),
            cost("j-spring", 40.0),
            cost("Black Friday", 50.0),
        ])
        .unwrap();
    let spring = &r.campaigns[0];
    assert_eq!((spring.cost, spring.roi), (Some(100.0), Some(0.105)));
    let bf = r
        .campaigns
        .iter()
        .find(|c| c.campaign == "Black Friday")
        .unwrap();
    assert_eq!(
        (
            bf.campaign_id.as_deref(),
            bf.attributed_events,
            bf.revenue,
            bf.cost,
            bf.roi
        ),
        (None, 0, Some(0.0), Some(50.0), Some(-1.0))
    );
}

#[test]
fn costs_that_cannot_be_applied_are_errors() {
    let (agg, _) = aggregate(STREAM, &options(&[], Some("revenue")));
    let err = agg.clone().finish(&[cost("Spring Sale", 1.0)]).unwrap_err();
    assert!(
        matches!(&err, ReportError::AmbiguousCost { matches, .. } if matches == "Spring Sale (j-spring), Spring Sale (j-spring-2)"),
        "{err}"
    );
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            agg.clone().finish(&[cost("j-spring", bad)]),
            Err(ReportError::InvalidCost { .. })
        ));
    }
}

#[test]
fn json_shape_is_the_public_contract() {
    let (agg, _) = aggregate(STREAM, &options(&["purchase"], Some("revenue")));
    let r = agg.finish(&[cost("j-spring", 100.0)]).unwrap();
    let v = serde_json::to_value(&r).unwrap();
    let first = &v["campaigns"][0];
    let mut keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "attributed_events",
            "campaign",
            "campaign_id",
            "converted_users",
            "cost",
            "events_by_type",
            "revenue",
            "roi"
        ]
    );
    assert_eq!(first["roi"], serde_json::json!(0.105));
    assert_eq!(v["skipped_lines"], 1);
    assert!(v["campaigns"][1]["cost"].is_null() && v["campaigns"][1]["roi"].is_null());
    let back: Report = serde_json::from_value(v).unwrap();
    assert_eq!(back, r);
}

proptest! {
    /// Any split of the input into parts aggregated separately and merged in any order
    /// gives the report of the whole.
    #[test]
    fn merge_is_split_independent(cuts in proptest::collection::vec(0usize..16, 0..5), reverse in any::<bool>()) {
        let opts = options(&["purchase"], Some("revenue"));
        let lines: Vec<&str> = STREAM.lines().collect();
        let mut cuts = cuts;
        cuts.push(0);
        cuts.push(lines.len());
        cuts.iter_mut().for_each(|c| *c = (*c).min(lines.len()));
        cuts.sort_unstable();
        let mut parts: Vec<Aggregator> = cuts
            .windows(2)
            .map(|w| aggregate(&lines[w[0]..w[1]].join("\n"), &opts).0)
            .collect();
        if reverse {
            parts.reverse();
        }
        let mut merged = Aggregator::new(opts.clone());
        for p in parts {
            merged.merge(p);
        }
        let whole = aggregate(STREAM, &opts).0;
        prop_assert_eq!(merged.finish(&[]).unwrap(), whole.finish(&[]).unwrap());
    }
}

#[test]
fn a_cost_row_matching_no_campaign_is_reported() {
    let (agg, _) = aggregate(STREAM, &options(&[], Some("revenue")));
    let r = agg
        .finish(&[cost("j-spring-2", 5.0), cost("Spring Sale ", 7.0)])
        .unwrap();
    assert_eq!(
        r.unmatched_costs,
        ["Spring Sale "],
        "compared exactly, spaces included"
    );
    let row = r
        .campaigns
        .iter()
        .find(|c| c.campaign == "Spring Sale ")
        .unwrap();
    assert_eq!((row.cost, row.attributed_events), (Some(7.0), 0));
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["unmatched_costs"], serde_json::json!(["Spring Sale "]));
}

#[test]
fn a_repeated_client_context_costs_the_report_nothing() {
    // Only touch reconstruction reads `client_context`; a record that has it twice counts
    // as it did before the report read it at all (the last one is touch reconstruction's).
    let line = r#"{"event_type":"purchase","event_timestamp":1714608000000,"client":{"client_id":"web"},"attributes":{"campaign":"spring"},"metrics":{"revenue":5},"client_context":{},"client_context":{}}"#;
    let (agg, skipped) = aggregate(line, &options(&["purchase"], Some("revenue")));
    assert!(skipped.is_empty(), "{skipped:?}");
    let report = agg.finish(&[]).unwrap();
    assert_eq!(report.attributed_events, 1);
    assert_eq!(report.campaigns[0].revenue, Some(5.0));
}

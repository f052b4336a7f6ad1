use super::*;
use crate::lift::LiftOptions;
use crate::lift::exposures::Exposures;
use std::sync::Arc;

fn input<'a>(exposures: &'a str) -> LiftInput<'a> {
    LiftInput {
        events: QueryInput {
            database: "shop",
            table: "events",
            hours: None,
        },
        exposures,
    }
}

fn opts(metric: Option<&str>) -> ReportOptions {
    ReportOptions {
        goals: vec!["purchase".into()],
        revenue_metric: metric.map(str::to_owned),
        ..Default::default()
    }
}

#[test]
fn the_query_names_both_tables_the_window_and_the_user_attribute() {
    let lift = LiftOptions {
        window: "14d".parse().unwrap(),
        user_attribute: "username".into(),
        ..Default::default()
    };
    let q = query(&input("exposures"), &opts(Some("revenue")), &lift).unwrap();
    assert!(q.contains("FROM \"shop\".\"exposures\""), "{q}");
    assert!(q.contains("FROM \"shop\".\"events\""));
    assert!(q.contains("g.time_ms < a.assigned_ms + 1209600000"));
    assert!(q.contains("attributes.username AS lift_nested_user"));
    assert!(q.contains("username AS lift_flat_user"));
    assert!(q.contains("custom AND NOT refund_type AND event_name IN ('purchase') AS goal"));
    assert!(q.contains("WHERE g.goal AND g.time_ms IS NOT NULL"));
    assert!(q.contains("sum(CASE WHEN arm = 'treatment' THEN revenue * revenue END)"));
    let without = query(&input("exposures"), &opts(None), &LiftOptions::default()).unwrap();
    assert!(!without.contains("revenue * revenue"));
}

#[test]
fn names_that_would_change_the_query_are_refused() {
    let o = opts(None);
    let lift = LiftOptions::default();
    let err = query(&input("exp\"; DROP"), &o, &lift).unwrap_err();
    assert!(err.to_string().contains("table"), "{err}");
    let bad_user = LiftOptions {
        user_attribute: "user-id".into(),
        ..Default::default()
    };
    let err = query(&input("exposures"), &o, &bad_user).unwrap_err();
    assert!(matches!(err, SqlError::UserAttribute(_)), "{err}");
    assert!(ExposureTable::new("exposures", "exposures.jsonl").is_err());
    let t = ExposureTable::new("exposures", "s3://b/log").unwrap();
    assert_eq!(t.location, "s3://b/log/");
    let json = t.to_json();
    assert_eq!(json["PartitionKeys"], serde_json::json!([]));
    // A line that is not JSON fails the query rather than vanishing as a row of nulls.
    assert_eq!(
        json["StorageDescriptor"]["SerdeInfo"]["Parameters"]["ignore.malformed.json"],
        "false"
    );
    assert_eq!(
        json["StorageDescriptor"]["Columns"][3],
        serde_json::json!({"Name": "assigned_at", "Type": "string"})
    );
}

#[test]
fn the_events_table_gains_the_user_attribute_column() {
    let t = crate::sql::GlueTable::new("events", "s3://b/e/", Some("revenue"), "2024/01/01/00")
        .unwrap();
    assert_eq!(t.clone().with_user_attribute("user_id").unwrap(), t);
    let u = t.with_user_attribute("Username").unwrap();
    let get = |n: &str| {
        u.columns
            .iter()
            .find(|c| c.name == n)
            .map(|c| c.hive_type.clone())
    };
    assert_eq!(get("username").as_deref(), Some("string"));
    assert!(
        get("attributes")
            .unwrap()
            .ends_with(",order_id:string,username:string>")
    );
    let again = u.with_user_attribute("username").unwrap_err();
    assert!(matches!(again, SqlError::UserAttribute(_)), "{again}");
}

fn header() -> Vec<String> {
    RESULT_COLUMNS.iter().map(|c| c.to_string()).collect()
}

fn row(values: &str) -> Vec<Option<String>> {
    values
        .split('|')
        .map(|v| (!v.is_empty()).then(|| v.to_owned()))
        .collect()
}

/// The rows the query returns for a small log give the streaming lift's own rows.
#[test]
fn rows_read_back_into_the_streaming_lifts_figures() {
    let log = [
        r#"{"campaign_id":"j-1","campaign":"Spring","user_id":"a","arm":"treatment","assigned_at":"2026-03-01T00:00:00Z"}"#,
        r#"{"campaign_id":"j-1","user_id":"b","arm":"treatment","assigned_at":"2026-03-01T00:00:00Z"}"#,
        r#"{"campaign_id":"j-1","user_id":"c","arm":"control","assigned_at":"2026-03-01T00:00:00Z"}"#,
        r#"{"campaign_id":"j-1","user_id":"d","arm":"control","assigned_at":"2026-03-01T00:00:00Z"}"#,
        r#"{"campaign_id":"j-1","user_id":"e","arm":"control","assigned_at":"2026-03-01T00:00:00Z"}"#,
        r#"{"campaign_id":"j-1","user_id":"e","arm":"treatment","assigned_at":"2026-03-01T00:00:00Z"}"#,
    ]
    .join("\n");
    let exposures = Arc::new(Exposures::parse(&log, "log").unwrap());
    let options = LiftOptions::default();
    let report_options = crate::ReportOptions {
        goals: vec!["purchase".to_owned()],
        revenue_metric: Some("revenue".to_owned()),
        ..Default::default()
    };
    let mut agg = crate::Aggregator::new(report_options).with_lift(exposures, options.clone());
    for (user, revenue) in [("a", 10.0), ("b", 4.0), ("c", 3.0)] {
        agg.push_line(&format!(
            r#"{{"name":"purchase","attributes":{{"user_id":"{user}"}},"metrics":{{"revenue":{revenue}}},"timestamp":"2026-03-02T00:00:00Z"}}"#
        ))
        .unwrap();
    }
    let want = agg.finish(&[]).unwrap().lift.unwrap();
    let rows = vec![
        row("exposures||||||||||||0"),
        row("campaign|j-1|Spring|2|2|2|1|14.0|116.0|3.0|9.0|1|"),
    ];
    let totals = totals_from_rows(&header(), rows, true).unwrap();
    let got = crate::lift::rows(totals, &[], &options).unwrap();
    assert_eq!(got.len(), 1);
    let (g, w) = (
        serde_json::to_value(&got[0]).unwrap(),
        serde_json::to_value(&want[0]).unwrap(),
    );
    for (key, wv) in w.as_object().unwrap() {
        let gv = &g[key];
        match (wv.as_f64(), gv.as_f64()) {
            (Some(a), Some(b)) => assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0), "{key}"),
            _ if wv.is_array() => {
                for i in 0..2 {
                    let (a, b) = (wv[i].as_f64().unwrap(), gv[i].as_f64().unwrap());
                    assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0), "{key}");
                }
            }
            _ => assert_eq!(gv, wv, "{key}"),
        }
    }
}

#[test]
fn an_unreadable_log_or_result_is_refused_with_the_reason() {
    let err = totals_from_rows(&header(), vec![row("exposures||||||||||||3")], false).unwrap_err();
    assert_eq!(err, LiftRowsError::Unreadable(3));
    assert!(err.to_string().contains("assigned_at as RFC 3339"), "{err}");
    let err = totals_from_rows(&header(), Vec::new(), false).unwrap_err();
    assert_eq!(err, LiftRowsError::NoExposuresRow);
    let err = totals_from_rows(&header()[1..], Vec::new(), false).unwrap_err();
    assert_eq!(err, LiftRowsError::MissingColumn("row_kind"));
    let rows = vec![
        row("exposures||||||||||||0"),
        row("campaign|j|x|many|1|0|0||||0|"),
    ];
    let err = totals_from_rows(&header(), rows, false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "lift result row 2, column treatment_users: \"many\" is not a count"
    );
}

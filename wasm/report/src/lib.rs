//! The ROI report for the npm package's subpath `journey-attribution/report`: the core's
//! [`Aggregator`] over a whole Pinpoint event-stream export (or Amplify Kinesis/Firehose
//! records), in a WebAssembly module of its
//! own so that the stamping module apps import does not grow.
//!
//! The boundary is one JSON string each way (plus the export's text): every rule stays in
//! the core, `wasm/js/report-core.js` only renames `revenueMetric` and parses the answer.
//! Not `serde-wasm-bindgen` (the workspace's crate for JS values): the module needs
//! serde_json for the export anyway, and taking the request and giving the report as JS
//! values through it made the module 4,497 B gzip larger (74,029 -> 78,526, BENCHMARKS.md).

use std::fmt;

use journey_attribution_report::record::read_fields;
use std::sync::Arc;

use journey_attribution_report::lift::LiftOptions;
use journey_attribution_report::lift::exposures::Exposures;
use journey_attribution_report::{Aggregator, Cost, ReportOptions};
use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use wasm_bindgen::prelude::*;

// lol_alloc as the allocator (see that crate): 3.5 KB gzip less than dlmalloc.
use journey_attribution_wasm_globals as _;

/// What `buildReportJson` takes besides the text: `{"options"?, "costs"?, "lift"?}`, nothing
/// else.
#[derive(Debug, Default)]
struct Request {
    options: ReportOptions,
    costs: Vec<CostRow>,
    lift: Option<LiftRequest>,
}

/// `{"window"?, "confidence"?, "user_attribute"?}`: lift over the exposure log given beside
/// the request.
#[derive(Debug, Default)]
struct LiftRequest {
    window: Option<String>,
    confidence: Option<f64>,
    user_attribute: Option<String>,
}

impl<'de> Deserialize<'de> for LiftRequest {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LiftRequest;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("struct LiftRequest")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LiftRequest, A::Error> {
                let mut lift = LiftRequest::default();
                read_fields(
                    &mut map,
                    &["window", "confidence", "user_attribute"],
                    true,
                    &mut |i, map| {
                        match i {
                            0 => lift.window = map.next_value()?,
                            1 => lift.confidence = map.next_value()?,
                            _ => lift.user_attribute = map.next_value()?,
                        }
                        Ok(())
                    },
                )?;
                Ok(lift)
            }
        }
        d.deserialize_map(V)
    }
}

/// A cost row as JSON carries it: `JSON.stringify` writes `NaN` and `Infinity` as `null`,
/// which then reaches the core as NaN so that its own message names the row.
#[derive(Debug)]
struct CostRow {
    campaign: String,
    /// Required, `null` allowed.
    cost: Option<f64>,
}

/// The core's [`ReportOptions`] read as the core's derive would (this crate reads every
/// struct with `read_fields`, see there why).
struct Options(ReportOptions);

// The request is read with the core's `read_fields`, as the export's records are: serde
// derive's own readers would bring back a struct-from-array form per struct.
impl<'de> Deserialize<'de> for Request {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Request;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("struct Request")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Request, A::Error> {
                let mut request = Request::default();
                read_fields(
                    &mut map,
                    &["options", "costs", "lift"],
                    true,
                    &mut |i, map| {
                        match i {
                            0 => request.options = map.next_value::<Options>()?.0,
                            1 => request.costs = map.next_value()?,
                            _ => request.lift = map.next_value()?,
                        }
                        Ok(())
                    },
                )?;
                Ok(request)
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for CostRow {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CostRow;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("struct CostRow")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CostRow, A::Error> {
                const NAMES: &[&str] = &["campaign", "cost"];
                let (mut campaign, mut cost) = (None, None);
                read_fields(&mut map, NAMES, true, &mut |i, map| {
                    match i {
                        0 => campaign = Some(map.next_value()?),
                        _ => cost = Some(map.next_value()?),
                    }
                    Ok(())
                })?;
                Ok(CostRow {
                    campaign: campaign.ok_or_else(|| de::Error::missing_field(NAMES[0]))?,
                    cost: cost.ok_or_else(|| de::Error::missing_field(NAMES[1]))?,
                })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for Options {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Options;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("struct ReportOptions")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Options, A::Error> {
                let mut options = ReportOptions::default();
                const NAMES: &[&str] = &[
                    "goals",
                    "revenue_metric",
                    "order_attribute",
                    "refund_event",
                    "max_revenue",
                ];
                read_fields(&mut map, NAMES, false, &mut |i, map| {
                    match i {
                        0 => options.goals = map.next_value()?,
                        1 => options.revenue_metric = map.next_value()?,
                        2 => {
                            if let Some(name) = map.next_value::<Option<String>>()? {
                                options.order_attribute = name;
                            }
                        }
                        3 => options.refund_event = map.next_value()?,
                        _ => {
                            // `JSON.stringify` writes NaN and Infinity as null: refused by
                            // the core's own bound check, not taken as the default.
                            options.max_revenue =
                                map.next_value::<Option<f64>>()?.unwrap_or(f64::NAN);
                        }
                    }
                    Ok(())
                })?;
                Ok(Options(options))
            }
        }
        d.deserialize_map(V)
    }
}

/// The report on `text` (Pinpoint event-stream records, one JSON object per line) as
/// `journey-attribution report --format json` prints it, for `request` =
/// `{"options": {"goals", "revenue_metric", "order_attribute", "refund_event",
/// "max_revenue"}, "costs": [{"campaign", "cost"}]}`.
/// Malformed lines are counted in `skipped_lines`; the error is the message of a bad
/// request or of the core's `ReportError` (e.g. an ambiguous cost row).
///
/// With `"lift": {"window"?, "confidence"?, "user_attribute"?}` in the request, `exposures`
/// is the exposure log (JSON lines) and the report has a `lift` section; a malformed log
/// line is an error naming its line (`exposures:N`) and field.
pub fn build_report(text: &str, request: &str, exposures: &str) -> Result<String, String> {
    let request: Request = serde_json::from_str(request)
        .map_err(|e| format!("journey-attribution: invalid report options or costs: {e}"))?;
    let costs: Vec<Cost> = request
        .costs
        .into_iter()
        .map(|c| Cost {
            campaign: c.campaign,
            cost: c.cost.unwrap_or(f64::NAN),
        })
        .collect();
    let mut agg = Aggregator::new(request.options);
    if let Some(lift) = request.lift {
        let defaults = LiftOptions::default();
        let options = LiftOptions {
            window: match lift.window {
                Some(w) => w
                    .parse()
                    .map_err(|e| format!("journey-attribution: lift window: {e}"))?,
                None => defaults.window,
            },
            confidence: lift.confidence.unwrap_or(defaults.confidence),
            user_attribute: lift.user_attribute.unwrap_or(defaults.user_attribute),
        };
        options
            .check()
            .map_err(|e| format!("journey-attribution: {e}"))?;
        let exposures = Exposures::parse(exposures, "exposures")
            .map_err(|e| format!("journey-attribution: {e}"))?;
        agg = agg.with_lift(Arc::new(exposures), options);
    }
    agg.push_text(text, |_, _| {});
    let report = agg
        .finish(&costs)
        .map_err(|e| format!("journey-attribution: {e}"))?;
    serde_json::to_string(&report).map_err(|e| format!("journey-attribution: internal: {e}"))
}

/// @internal [`build_report`] for `report-core.js`; throws an `Error` with its message.
#[wasm_bindgen(js_name = buildReportJson)]
pub fn build_report_json(text: &str, request: &str, exposures: &str) -> Result<String, JsError> {
    build_report(text, request, exposures).map_err(|e| JsError::new(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    const STREAM: &str = r#"{"event_type":"purchase","client":{"client_id":"c1"},"attributes":{"campaign":"Spring","campaign_id":"j-1"},"metrics":{"revenue":30}}
not json
{"event_type":"purchase","client":{"client_id":"c2"},"metrics":{"revenue":99}}
"#;

    fn report(request: Value) -> Result<Value, String> {
        build_report(STREAM, &request.to_string(), "").map(|s| serde_json::from_str(&s).unwrap())
    }

    #[test]
    fn reports_roi_and_skipped_lines() {
        let r = report(json!({
            "options": {"goals": ["purchase"], "revenue_metric": "revenue"},
            "costs": [{"campaign": "Spring", "cost": 20}],
        }))
        .unwrap();
        assert_eq!(r["skipped_lines"], 1);
        assert_eq!(r["lines"], 3);
        assert_eq!(r["campaigns"][0]["campaign_id"], "j-1");
        assert_eq!(r["campaigns"][0]["revenue"], 30.0);
        assert_eq!(r["campaigns"][0]["roi"], 0.5);
    }

    /// The CLI's known answer on the same fixture (cli/tests/report_counting.rs): every
    /// event once, the order's earliest record, the refund, the absurd revenue skipped.
    #[test]
    fn the_duplicate_laden_fixture_gives_the_cli_s_figures() {
        let text = include_str!("../../../tests/fixtures/report/duplicates.jsonl");
        let request = json!({"options": {"goals": ["purchase"], "revenue_metric": "revenue",
            "refund_event": "refund"}});
        let r: Value =
            serde_json::from_str(&build_report(text, &request.to_string(), "").unwrap()).unwrap();
        let rows: Vec<Value> = r["campaigns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                json!([
                    c["campaign_id"],
                    c["attributed_events"],
                    c["converted_users"],
                    c["revenue"]
                ])
            })
            .collect();
        assert_eq!(
            rows,
            [
                json!(["j-spring", 12, 12, 1000.0]),
                json!(["j-winter", 3, 2, 100.0])
            ]
        );
        let totals = json!([
            r["events"],
            r["attributed_events"],
            r["duplicates"],
            r["refunds"],
            r["skipped_revenue"]
        ]);
        assert_eq!(totals, json!([26, 15, 11, 1, 1]));
        // The options' other names and bounds reach the core.
        let high = json!({"options": {"goals": ["purchase"], "revenue_metric": "revenue",
            "order_attribute": "no_such_attribute", "max_revenue": 1e12}});
        let r: Value =
            serde_json::from_str(&build_report(text, &high.to_string(), "").unwrap()).unwrap();
        assert_eq!(r["refunds"], 0);
        assert_eq!(r["duplicates"], 10, "no order ids: the reload counts twice");
        let bad = json!({"options": {"max_revenue": null}});
        assert!(
            build_report(text, &bad.to_string(), "")
                .unwrap_err()
                .contains("max revenue")
        );
    }

    #[test]
    fn lift_over_an_exposure_log() {
        let stream = r#"{"event_type":"purchase","event_timestamp":1772409600000,"attributes":{"user_id":"u1","campaign":"Spring","campaign_id":"j-1"},"metrics":{"revenue":30}}
{"event_type":"purchase","event_timestamp":1772409600000,"attributes":{"user_id":"u3"},"metrics":{"revenue":10}}
"#;
        let log = r#"{"campaign_id":"j-1","user_id":"u1","arm":"treatment","assigned_at":"2026-03-01T00:00:00Z"}
{"campaign_id":"j-1","user_id":"u2","arm":"treatment","assigned_at":"2026-03-01T00:00:00Z"}
{"campaign_id":"j-1","user_id":"u3","arm":"control","assigned_at":"2026-03-01T00:00:00Z"}
{"campaign_id":"j-1","user_id":"u4","arm":"control","assigned_at":"2026-03-01T00:00:00Z"}
"#;
        let request = json!({
            "options": {"goals": ["purchase"], "revenue_metric": "revenue"},
            "lift": {"window": "7d", "confidence": 0.9},
        });
        let r: Value =
            serde_json::from_str(&build_report(stream, &request.to_string(), log).unwrap())
                .unwrap();
        let row = &r["lift"][0];
        assert_eq!(row["campaign_id"], "j-1");
        assert_eq!(row["treatment_converted"], 1);
        assert_eq!(row["control_converted"], 1);
        assert_eq!(row["incremental_revenue"], 20.0);
        assert_eq!(row["confidence"], 0.9);
        assert_eq!(row["conclusive"], false);
        // Without `lift` in the request, no section.
        let plain = build_report(stream, &json!({}).to_string(), log).unwrap();
        assert!(!plain.contains("\"lift\""));
        let bad = build_report(stream, &request.to_string(), "{\"campaign_id\":\"j\"}\n");
        assert!(bad.unwrap_err().contains("exposures:1"));
    }

    #[test]
    fn defaults_and_errors() {
        let r = report(json!({})).unwrap();
        assert_eq!(r["campaigns"][0]["revenue"], Value::Null);
        let bad_cost = report(json!({"costs": [{"campaign": "Spring", "cost": null}]}));
        assert!(bad_cost.unwrap_err().contains("finite number"));
        let no_cost = report(json!({"costs": [{"campaign": "Spring"}]}));
        assert!(no_cost.unwrap_err().contains("missing field `cost`"));
        let unknown = report(json!({"option": {}}));
        assert!(unknown.unwrap_err().contains("invalid report options"));
        // Objects only (serde's derive also took `[]` as an empty request).
        assert_eq!(
            report(json!([])).unwrap_err(),
            "journey-attribution: invalid report options or costs: invalid type: sequence, \
             expected struct Request at line 1 column 0"
        );
        assert_eq!(
            report(json!({"costs": [{"campaign": "Spring", "cost": 1, "x": 2}]})).unwrap_err(),
            "journey-attribution: invalid report options or costs: unknown field `x`, \
             expected `campaign` or `cost` at line 1 column 43"
        );
    }
}

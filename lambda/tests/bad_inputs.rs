//! Bad-input corpus for the batch handlers, over the in-memory adapters: one
//! malformed endpoint / stream record among valid siblings, ≥ 1,000 variants each,
//! generated deterministically from the fixtures. For each: no panic; the malformed item
//! is skipped (tagging) or reported by exactly its SequenceNumber (sync), or the whole
//! invocation is rejected with an error naming the field; and every valid sibling is still
//! processed. Counts are printed (`--nocapture`) and recorded in FUZZING.md.
#![allow(clippy::unwrap_used)]

use journey_attribution_aws::retry::Backoff;
use journey_attribution_lambda::core::token::Token;
use journey_attribution_lambda::core::{
    Attribution, Campaign, ChangeKind, LookbackWindows, StreamChange,
};
use journey_attribution_lambda::memory::{MemoryQueue, MemoryStore, MemoryUserPool, stream_record};
use journey_attribution_lambda::metrics::Metrics;
use journey_attribution_lambda::pinpoint::{self, PinpointTaggingConfig};
use journey_attribution_lambda::pipeline::Writing;
use journey_attribution_lambda::sync::{self, SyncConfig};
use journey_attribution_test_support::bad::{
    Seg, Tally, bad_texts, bad_values, clip, dotted, paths, with,
};
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    journey_attribution_test_support::fixtures::json(name)
}

/// Every malformation of the shared generator at `path`: values, and texts as the Lambda
/// runtime's JSON layer reads them (`Err` with its message when it rejects one).
fn variants(v: &Value, path: &[Seg]) -> Vec<(&'static str, Result<Value, String>)> {
    let mut out: Vec<_> = bad_values()
        .into_iter()
        .map(|(kind, bad)| (kind, Ok(with(v, path, bad))))
        .collect();
    out.extend(bad_texts(v, path).into_iter().map(|(kind, text)| {
        (
            kind,
            serde_json::from_str::<Value>(&text).map_err(|e| e.to_string()),
        )
    }));
    out
}

// ---------------------------------------------------------------- tagging

fn tagging_config() -> PinpointTaggingConfig {
    PinpointTaggingConfig {
        username_attribute: "username".into(),
        usernames: Default::default(),
        writing: Writing {
            windows: LookbackWindows::parse(Some("1d"), None).unwrap(),
            concurrency: 4,
            backoff: Backoff::immediate(3),
            log_key: Default::default(),
        },
    }
}

const SIBLINGS: [&str; 3] = ["sib-1", "sib-2", "sib-3"];

#[tokio::test]
async fn tagging_tags_every_valid_endpoint_next_to_a_malformed_one() {
    let mut valid = fixture("pinpoint-custom-channel-users.json");
    for s in SIBLINGS {
        valid["Endpoints"][format!("Sibling-{s}")] = json!({"ChannelType": "EMAIL",
            "Address": format!("{s}@example.com"),
            "User": {"UserId": s, "UserAttributes": {"username": [s]}}});
    }
    let journey = valid["JourneyId"].as_str().unwrap().to_owned();
    let config = tagging_config();
    let baseline = pinpoint::handle(
        valid.clone(),
        &MemoryStore::default(),
        &config,
        0,
        &mut Metrics::default(),
    )
    .await
    .unwrap();
    let mut tally = Tally::default();
    let mut cases: Vec<(&str, Vec<Seg>, Result<Value, String>)> = Vec::new();
    for path in paths(&valid) {
        // Endpoints of the fixture and the invocation's own fields, not the siblings.
        if path
            .get(1)
            .and_then(Seg::key)
            .is_some_and(|id| id.starts_with("Sibling-"))
        {
            continue;
        }
        for (kind, v) in variants(&valid, &path) {
            cases.push((kind, path.clone(), v));
        }
    }
    for (kind, path, event) in cases {
        let input = format!("{kind} at {}", dotted(&path));
        let event = match event {
            Ok(event) => event,
            Err(message) => {
                // Rejected by the JSON layer (lambda_runtime), with a position.
                assert!(message.contains("column"), "{input}: {message}");
                tally.count(kind, "json_error");
                continue;
            }
        };
        let store = MemoryStore::default();
        let mut metrics = Metrics::default();
        let endpoint = (path.first().and_then(Seg::key) == Some("Endpoints"))
            .then(|| path.get(1).and_then(Seg::key).map(str::to_owned))
            .flatten();
        match pinpoint::handle(event, &store, &config, 0, &mut metrics).await {
            Err(e) => {
                assert!(
                    endpoint.is_none(),
                    "{input}: an endpoint sank the invocation: {e}"
                );
                let message = e.to_string();
                assert!(
                    path.iter()
                        .filter_map(Seg::key)
                        .any(|k| message.contains(k))
                        || (path.is_empty() && message.contains("(event)")),
                    "{input}: error does not name the field: {}",
                    clip(&message)
                );
                tally.count(kind, "invocation_error");
            }
            Ok(response) => {
                let mut outcome = "accepted";
                if let Some(id) = &endpoint {
                    let state = &response[id]["EventAttributes"];
                    if state["attribution"] == "skipped" {
                        assert!(state["reason"].as_str().is_some_and(|r| !r.is_empty()));
                        outcome = "endpoint_skipped";
                    }
                    // Every valid sibling is tagged, in the response and in the store.
                    for s in SIBLINGS {
                        assert_eq!(
                            response[format!("Sibling-{s}")]["EventAttributes"]["attribution"],
                            "tagged",
                            "{input}: sibling {s}"
                        );
                        assert_eq!(
                            store.get(s).map(|a| a.campaign.journey_id),
                            Some(journey.clone()),
                            "{input}: sibling {s} not in the store"
                        );
                    }
                    // The fixture's other endpoints answer as without the malformed one.
                    for (other, answer) in baseline.as_object().unwrap() {
                        if other != id {
                            assert_eq!(&response[other], answer, "{input}: endpoint {other}");
                        }
                    }
                    assert_eq!(
                        response.as_object().map(|o| o.len()),
                        valid["Endpoints"].as_object().map(|o| o.len()),
                        "{input}: every endpoint is answered"
                    );
                }
                tally.count(kind, outcome);
            }
        }
    }
    tally.print("pinpoint::handle (one malformed endpoint among 8 siblings)");
}

// ---------------------------------------------------------------- sync

fn attribution(user: &str, journey: &str) -> Attribution {
    Attribution {
        username: user.into(),
        campaign: Campaign {
            application_id: "app".into(),
            journey_id: journey.into(),
            label: "Sibling".into(),
            touched_at_ms: 1_776_558_804_609,
            expires_at_s: 1_779_150_805,
        },
    }
}

fn insert(user: &str, sequence: &str) -> Value {
    stream_record(
        &StreamChange {
            kind: ChangeKind::Insert,
            ttl_delete: false,
            old_image: None,
            new_image: Some(Ok(attribution(user, "j-sibling"))),
        },
        sequence,
    )
}

#[tokio::test]
async fn sync_applies_every_valid_record_and_parks_exactly_the_malformed_one() {
    let config = SyncConfig {
        campaign_attribute: "custom:campaign".into(),
        backoff: Backoff::immediate(3),
        log_key: Default::default(),
    };
    let held = |pool: &MemoryUserPool, user: &str| {
        pool.attribute(user, "custom:campaign").and_then(|t| {
            Token::decode(&t)
                .ok()
                .flatten()
                .and_then(|t| t.journey_id().map(str::to_owned))
        })
    };
    let mut tally = Tally::default();
    for name in [
        "dynamodb-stream-insert.json",
        "dynamodb-stream-modify.json",
        "dynamodb-stream-ttl-remove.json",
    ] {
        let valid = fixture(name)["Records"][0].clone();
        let mut cases: Vec<(&str, Vec<Seg>, Result<Value, String>)> = Vec::new();
        for path in paths(&valid) {
            for (kind, v) in variants(&valid, &path) {
                cases.push((kind, path.clone(), v));
            }
        }
        for (kind, path, record) in cases {
            let input = format!("{name}: {kind} at {}", dotted(&path));
            let record = match record {
                Ok(r) => r,
                Err(message) => {
                    assert!(message.contains("column"), "{input}: {message}");
                    tally.count(kind, "json_error");
                    continue;
                }
            };
            let pool = MemoryUserPool::with_users(["alice", "sib-1", "sib-2"]);
            let event =
                json!({"Records": [insert("sib-1", "1"), record.clone(), insert("sib-2", "3")]});
            let mut metrics = Metrics::default();
            let queue = MemoryQueue::default();
            let far = tokio::time::Instant::now() + std::time::Duration::from_secs(3600);
            match sync::handle(event, &pool, &queue, &config, far, &mut metrics).await {
                Err(e) => {
                    // Only a record without a usable sequence number fails the batch.
                    let message = e.to_string();
                    assert!(
                        message.contains("Records[1]") && message.contains("SequenceNumber"),
                        "{input}: {}",
                        clip(&message)
                    );
                    assert!(
                        record
                            .pointer("/dynamodb/SequenceNumber")
                            .and_then(Value::as_str)
                            .is_none(),
                        "{input}: batch failed though the record has a sequence number"
                    );
                    assert_eq!(
                        held(&pool, "sib-1").as_deref(),
                        Some("j-sibling"),
                        "{input}"
                    );
                    tally.count(kind, "batch_error");
                }
                Ok(response) => {
                    let failures: Vec<String> = response
                        .batch_item_failures
                        .iter()
                        .filter_map(|f| f.item_identifier.clone())
                        .collect();
                    let sequence = record
                        .pointer("/dynamodb/SequenceNumber")
                        .and_then(Value::as_str)
                        .unwrap()
                        .to_owned();
                    assert!(
                        failures.is_empty() || failures == [sequence.clone()],
                        "{input}: failures {failures:?}"
                    );
                    // A record that can never be applied is parked, with a reason that
                    // names the field; never both parked and reported.
                    let parked = queue.messages();
                    assert!(parked.len() <= 1, "{input}: {parked:?}");
                    if let Some(p) = parked.first() {
                        assert!(failures.is_empty(), "{input}: parked and reported");
                        assert_eq!(p["sequenceNumber"], json!(sequence), "{input}");
                        let error = p["error"].as_str().unwrap_or("");
                        let keys: Vec<&str> = path.iter().filter_map(Seg::key).collect();
                        assert!(
                            keys.is_empty() || keys.iter().any(|k| error.contains(k)),
                            "{input}: parked without naming the field: {}",
                            clip(error)
                        );
                    }
                    for s in ["sib-1", "sib-2"] {
                        assert_eq!(
                            held(&pool, s).as_deref(),
                            Some("j-sibling"),
                            "{input}: sibling {s} not applied"
                        );
                    }
                    tally.count(
                        kind,
                        if !queue.messages().is_empty() {
                            "parked"
                        } else if failures.is_empty() {
                            "accepted"
                        } else {
                            "batch_item_failure"
                        },
                    );
                }
            }
        }
    }
    tally.print("sync::handle (one malformed record between 2 valid ones)");
}

//! Benchmark (not a timed test): start-up to first Runtime API poll, peak RSS, and
//! milliseconds per unit of work against moto (a 50-endpoint batch, a stream record, a
//! sign-in event). Run by `scripts/bench-lambda.sh`, which starts moto and points
//! TAGGING_BIN / SYNC_BIN / CLAIMS_BIN ... at the release binaries.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Instant;

use common::Function;
use serde_json::{Value, json};

fn batch(round: usize) -> Value {
    let endpoints: serde_json::Map<String, Value> = (0..50)
        .map(|i| {
            (
                format!("ep-{i:02}"),
                json!({"ChannelType": "EMAIL", "Address": format!("u{i}@example.com"),
                    "User": {"UserId": format!("sub-{i}"), "UserAttributes": {"username": [format!("user-{i:02}")]}}}),
            )
        })
        .collect();
    json!({"ApplicationId": "app", "JourneyId": format!("journey-{round:04}"), "ActivityId": "a",
        "ScheduledTime": format!("2026-03-01T10:{:02}:{:02}Z", round / 60, round % 60),
        "Endpoints": endpoints})
}

fn connect_batch(round: usize) -> Value {
    let profiles: Vec<Value> = (0..50)
        .map(|i| {
            json!({"ProfileId": format!("p-{i:02}"), "IdempotencyToken": format!("t-{round}-{i}"),
                "CustomerData": json!({"attributes": {"username": format!("cuser-{i:02}")}}).to_string()})
        })
        .collect();
    json!({"InvocationMetadata": {"CampaignContext": {"CampaignId": format!("campaign-{round:04}"),
        "RunId": "run", "ActionId": "act", "CampaignName": "Bench"}},
        "Items": {"CustomerProfiles": profiles}})
}

fn ses_open(round: usize) -> Value {
    json!({"version": "0", "id": format!("eb-{round}"), "detail-type": "Email Opened", "source": "aws.ses",
        "detail": {"eventType": "Open", "mail": {"timestamp": "2026-03-01T09:00:00.000Z",
            "messageId": format!("m-{round}"), "destination": ["a@example.com"],
            "tags": {"journey_id": ["j"], "username": [format!("suser-{:02}", round % 50)]}},
        "open": {"timestamp": format!("2026-03-01T10:{:02}:{:02}.000Z", round / 60, round % 60)}}})
}

fn bin(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.to_owned())
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: run scripts/bench-lambda.sh"]
async fn bench_lambda() {
    let sdk = common::sdk().await;
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let table = common::create_table(&ddb).await;
    let ledger = common::create_ledger_table(&ddb).await;
    // The users the first tagging batch writes, for `sync` to project onto Cognito.
    let users: Vec<String> = (0..50).map(|i| format!("user-{i:02}")).collect();
    let user_refs: Vec<&str> = users.iter().map(String::as_str).collect();
    let idp = aws_sdk_cognitoidentityprovider::Client::new(&sdk);
    let pool = common::create_pool(&idp, &user_refs).await;
    let queue = common::create_queue(&sdk).await;
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);

    for (name, path, env) in [
        (
            "tagging",
            bin("TAGGING_BIN", env!("CARGO_BIN_EXE_tagging")),
            vec![("ATTRIBUTION_TABLE", table.as_str())],
        ),
        (
            "connect-tagging",
            bin("CONNECT_BIN", env!("CARGO_BIN_EXE_connect-tagging")),
            vec![
                ("ATTRIBUTION_TABLE", table.as_str()),
                ("TOUCH_LEDGER_TABLE", ledger.as_str()),
            ],
        ),
        (
            "ses-tagging",
            bin("SES_BIN", env!("CARGO_BIN_EXE_ses-tagging")),
            vec![
                ("ATTRIBUTION_TABLE", table.as_str()),
                ("SES_EVENTS", "open,click"),
            ],
        ),
        (
            "sync",
            bin("SYNC_BIN", env!("CARGO_BIN_EXE_sync")),
            vec![
                ("USER_POOL_ID", pool.as_str()),
                ("FAILURE_QUEUE_URL", queue.as_str()),
            ],
        ),
        (
            "claims",
            bin("CLAIMS_BIN", env!("CARGO_BIN_EXE_claims")),
            vec![("ATTRIBUTION_TABLE", table.as_str())],
        ),
    ] {
        let f = Function::start(&path, &env).await;
        let ready = f.api.wait_first_poll().await - f.started;
        println!(
            "{name}: ready (process start -> first /invocation/next) = {:.1} ms",
            ready.as_secs_f64() * 1e3
        );
        if name == "tagging" {
            let first = Instant::now();
            let r = f.invoke(&batch(0)).await.response();
            assert_eq!(r.as_object().unwrap().len(), 50);
            println!(
                "tagging: first 50-endpoint batch (cold connections) = {:.1} ms",
                first.elapsed().as_secs_f64() * 1e3
            );
            let start = Instant::now();
            for round in 1..=rounds {
                let r = f.invoke(&batch(round)).await.response();
                assert_eq!(r["ep-00"]["EventAttributes"]["reason"], "written");
            }
            println!(
                "tagging: {:.1} ms per 50-endpoint batch (mean of {rounds}, 50 conditional writes each, moto)",
                start.elapsed().as_secs_f64() * 1e3 / rounds as f64
            );
        } else if name == "connect-tagging" {
            let start = Instant::now();
            for round in 1..=rounds {
                let r = f.invoke(&connect_batch(round)).await.response();
                assert_eq!(
                    r["Items"]["CustomerProfiles"][0]["ResultData"]["reason"],
                    "written"
                );
            }
            println!(
                "connect-tagging: {:.1} ms per 50-profile batch (mean of {rounds}, 50 ledger + 50 conditional writes each, moto)",
                start.elapsed().as_secs_f64() * 1e3 / rounds as f64
            );
        } else if name == "ses-tagging" {
            let start = Instant::now();
            for round in 1..=rounds * 5 {
                let r = f.invoke(&ses_open(round)).await.response();
                assert_eq!(r["events"][0]["attribution"], "tagged");
            }
            println!(
                "ses-tagging: {:.1} ms per Open event (mean of {}, one conditional write each, moto)",
                start.elapsed().as_secs_f64() * 1e3 / (rounds * 5) as f64,
                rounds * 5
            );
        } else if name == "sync" {
            // One INSERT per user: one AdminUpdateUserAttributes each (the attribute
            // projection's Cognito cost, against the account's 25 requests per second).
            let records = common::insert_records(&ddb, &table, &user_refs).await;
            let start = Instant::now();
            let r = f.invoke(&records).await.response();
            assert_eq!(r["batchItemFailures"], json!([]));
            println!(
                "sync: {:.1} ms per INSERT record (50 records, one AdminUpdateUserAttributes each, moto)",
                start.elapsed().as_secs_f64() * 1e3 / 50.0
            );
        } else {
            // Live attributions (the tagging rounds' touches of March have expired).
            use journey_attribution_aws::ports::AttributionStore;
            let store = journey_attribution_aws::dynamodb::DynamoStore::new(ddb.clone(), &table);
            let now_ms = journey_attribution_aws::now_ms();
            for user in &users {
                let a = journey_attribution_lambda::core::Attribution {
                    username: format!("claims-{user}"),
                    campaign: journey_attribution_lambda::core::Campaign {
                        application_id: "app".into(),
                        journey_id: "j-live".into(),
                        label: "Live".into(),
                        touched_at_ms: now_ms,
                        expires_at_s: now_ms / 1000 + 86_400,
                    },
                };
                store.put_if_newer(&a).await.unwrap();
            }
            let sign_in = |user: &str| {
                json!({"version": "1", "triggerSource": "TokenGeneration_Authentication",
                    "region": "us-east-1", "userPoolId": "us-east-1_bench", "userName": user,
                    "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "c"},
                    "request": {"userAttributes": {}, "groupConfiguration": {}},
                    "response": {"claimsOverrideDetails": null}})
            };
            let first = Instant::now();
            f.invoke(&sign_in("claims-user-00")).await.response();
            println!(
                "claims: first sign-in event (cold connection) = {:.1} ms",
                first.elapsed().as_secs_f64() * 1e3
            );
            let n = rounds * 10;
            let start = Instant::now();
            for i in 0..n {
                let r = f
                    .invoke(&sign_in(&format!("claims-{}", users[i % 50])))
                    .await
                    .response();
                assert!(
                    r["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]
                        ["custom:campaign"]
                        .is_string(),
                    "{r}"
                );
            }
            println!(
                "claims: {:.2} ms per sign-in event (mean of {n}, one GetItem each, moto)",
                start.elapsed().as_secs_f64() * 1e3 / n as f64
            );
        }
        println!(
            "{name}: peak RSS = {:.1} MB",
            f.peak_rss_kb().unwrap_or(0) as f64 / 1024.0
        );
    }
}

//! The real `claims` binary (Cognito's pre-token-generation trigger), driven through the
//! Runtime API emulator with AWS's documented V1_0 and V2_0 events, against DynamoDB on
//! moto; and against a DynamoDB that refuses or never answers.
//!
//! Run through `scripts/test.d/30-lambda-moto.sh`; `#[ignore]`d for a plain `cargo test`.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use common::{Function, Outcome};
use journey_attribution_lambda::core::Campaign;
use journey_attribution_lambda::core::token::Token;
use serde_json::{Value, json};

const CLAIMS: &str = env!("CARGO_BIN_EXE_claims");
const CLAIM: &str = "custom:campaign";
const TRIGGERS: [&str; 4] = [
    "TokenGeneration_Authentication",
    "TokenGeneration_RefreshTokens",
    "TokenGeneration_HostedAuth",
    "TokenGeneration_NewPasswordChallenge",
];

fn event(fixture: &str, user: &str, trigger: &str) -> Value {
    let mut e = common::fixture(fixture);
    e["userName"] = json!(user);
    e["triggerSource"] = json!(trigger);
    e
}

/// The ID-token part of the answer, whichever version.
fn id_token(response: &Value) -> &Value {
    let r = &response["response"];
    if r.get("claimsAndScopeOverrideDetails").is_some() {
        &r["claimsAndScopeOverrideDetails"]["idTokenGeneration"]
    } else {
        &r["claimsOverrideDetails"]
    }
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn put(
    ddb: &aws_sdk_dynamodb::Client,
    table: &str,
    user: &str,
    attrs: &[(&str, AttributeValue)],
) {
    let mut req = ddb
        .put_item()
        .table_name(table)
        .item("username", AttributeValue::S(user.into()));
    for (k, v) in attrs {
        req = req.item(*k, v.clone());
    }
    req.send().await.unwrap();
}

fn campaign_item(c: &Campaign) -> Vec<(&'static str, AttributeValue)> {
    vec![
        (
            "application_id",
            AttributeValue::S(c.application_id.clone()),
        ),
        ("journey_id", AttributeValue::S(c.journey_id.clone())),
        ("label", AttributeValue::S(c.label.clone())),
        ("touched_at", AttributeValue::N(c.touched_at_ms.to_string())),
        ("expires_at", AttributeValue::N(c.expires_at_s.to_string())),
    ]
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs moto: run scripts/test.d/30-lambda-moto.sh"]
async fn the_claim_follows_the_table_for_both_versions_and_every_trigger() {
    let sdk = common::sdk().await;
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let table = common::create_table(&ddb).await;
    let now = now_s();
    let live = Campaign {
        application_id: "app-1".into(),
        journey_id: "j-spring".into(),
        label: "Spring | sale 🌷".into(),
        touched_at_ms: (now - 60) * 1000,
        expires_at_s: now + 86_400,
    };
    // Past expires-at, still in the table: DynamoDB's TTL sweep lags by up to days.
    let expired = Campaign {
        journey_id: "j-winter".into(),
        label: "Winter".into(),
        expires_at_s: now - 60,
        ..live.clone()
    };
    put(&ddb, &table, "alice", &campaign_item(&live)).await;
    put(&ddb, &table, "bob", &campaign_item(&expired)).await;
    let mut malformed = campaign_item(&live);
    malformed[4].1 = AttributeValue::S("tomorrow".into());
    put(&ddb, &table, "dave", &malformed).await;

    let f = Function::start(CLAIMS, &[("ATTRIBUTION_TABLE", &table)]).await;
    let token = Token::V1(live.clone()).encode().unwrap();
    for fixture in [
        "cognito-pre-token-generation-v1.json",
        "cognito-pre-token-generation-v2.json",
    ] {
        for trigger in TRIGGERS {
            let why = format!("{fixture} {trigger}");
            let r = f.invoke(&event(fixture, "alice", trigger)).await.response();
            assert_eq!(id_token(&r)["claimsToAddOrOverride"][CLAIM], token, "{why}");
            assert_eq!(
                Token::decode(&token).unwrap(),
                Some(Token::V1(live.clone())),
                "the wrappers read it as sync's token"
            );
            assert!(id_token(&r).get("claimsToSuppress").is_none(), "{why}: {r}");
            assert_eq!(r["request"], event(fixture, "alice", trigger)["request"]);

            // Expired, or no item: the attribute's stale or legacy value must not leak.
            for user in ["bob", "carol"] {
                let r = f.invoke(&event(fixture, user, trigger)).await.response();
                assert_eq!(
                    id_token(&r)["claimsToSuppress"],
                    json!([CLAIM]),
                    "{why} {user}"
                );
                assert!(
                    id_token(&r).get("claimsToAddOrOverride").is_none(),
                    "{why} {user}"
                );
            }

            // A malformed item: the sign-in goes on, without the claim (the pool's own
            // value of the attribute, whoever wrote it, must not stand in for the table's).
            let e = event(fixture, "dave", trigger);
            let r = f.invoke(&e).await.response();
            assert_eq!(id_token(&r)["claimsToSuppress"], json!([CLAIM]), "{why}");
            assert!(id_token(&r).get("claimsToAddOrOverride").is_none(), "{why}");
            assert_eq!(r["request"], e["request"], "{why}");
        }
    }
}

/// A TCP endpoint that accepts connections and never answers.
async fn black_hole() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((conn, _)) = listener.accept().await {
            held.push(conn);
        }
    });
    format!("http://{addr}")
}

/// A port nothing listens on: connections are refused.
async fn refused() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs moto: run scripts/test.d/30-lambda-moto.sh"]
async fn with_dynamodb_unreachable_the_claim_is_suppressed_within_the_budget() {
    common::endpoint();
    for (what, url) in [
        ("stalled", black_hole().await),
        ("refused", refused().await),
    ] {
        let f = Function::start(
            CLAIMS,
            &[
                ("ATTRIBUTION_TABLE", "attribution"),
                ("AWS_ENDPOINT_URL", &url),
            ],
        )
        .await;
        f.api.wait_first_poll().await;
        for fixture in [
            "cognito-pre-token-generation-v1.json",
            "cognito-pre-token-generation-v2.json",
        ] {
            let mut e = event(fixture, "alice", "TokenGeneration_Authentication");
            e["request"]["userAttributes"][CLAIM] = json!("ja1|app|j|1|9999999999|Forged");
            let started = Instant::now();
            let outcome = f.invoke(&e).await;
            let took = started.elapsed();
            println!(
                "claims, DynamoDB {what}: answered in {} ms ({fixture})",
                took.as_millis()
            );
            let Outcome::Response(r) = outcome else {
                panic!("{what}: the sign-in failed: {outcome:?}")
            };
            // The request's own custom:campaign (a forged one) must not reach the token.
            assert_eq!(
                e["request"]["userAttributes"][CLAIM],
                "ja1|app|j|1|9999999999|Forged"
            );
            assert_eq!(id_token(&r)["claimsToSuppress"], json!([CLAIM]), "{what}");
            assert_eq!(r["request"], e["request"], "{what}");
            // The budget is 500 ms; Cognito's limit 5 s. Three times the budget still
            // proves it applies (without it the SDK defaults wait 3 s and more).
            assert!(took < Duration::from_millis(1500), "{what}: {took:?}");
        }
    }
}

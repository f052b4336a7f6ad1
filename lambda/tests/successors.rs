//! The successors' touch sources — Amazon Connect custom actions and SES Open/Click events —
//! through the real `connect-tagging` and `ses-tagging` binaries (Runtime API emulator)
//! against moto, then `sync` onto Cognito: the same attribution a Pinpoint user had.
//!
//! Run through `scripts/test.d/30-lambda-moto.sh`; `#[ignore]`d for a plain `cargo test`.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Function, Outcome};
use journey_attribution_lambda::core::rfc3339::format_ms;
use journey_attribution_lambda::core::token::Token;
use serde_json::{Value, json};

const CONNECT: &str = env!("CARGO_BIN_EXE_connect-tagging");
const SES: &str = env!("CARGO_BIN_EXE_ses-tagging");
const SYNC: &str = env!("CARGO_BIN_EXE_sync");

fn now_ms() -> i64 {
    journey_attribution_aws::now_ms()
}

fn results(r: &Value) -> Vec<(String, String, String)> {
    r["Items"]["CustomerProfiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p["ResultData"][k].as_str().unwrap_or_default().to_owned();
            (
                p["Id"].as_str().unwrap().to_owned(),
                s("attribution"),
                s("reason"),
            )
        })
        .collect()
}

fn token_of(v: Option<String>) -> Token {
    Token::decode(&v.expect("custom:campaign is set"))
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs moto: run scripts/test.d/30-lambda-moto.sh"]
async fn a_connect_custom_action_tags_each_profile_and_a_retry_keeps_its_first_time() {
    let sdk = common::sdk().await;
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let table = common::create_table(&ddb).await;
    let ledger = common::create_ledger_table(&ddb).await;
    let f = Function::start(
        CONNECT,
        &[
            ("ATTRIBUTION_TABLE", &table),
            ("TOUCH_LEDGER_TABLE", &ledger),
            ("LOOKBACK_WINDOW", "30d"),
            ("LOOKBACK_WINDOWS", "connect=7d"),
        ],
    )
    .await;

    let ev = common::fixture("connect-custom-action.json");
    let before = now_ms();
    let r = f.invoke(&ev).await.response();
    assert_eq!(
        results(&r),
        [
            ("customer-001".into(), "tagged".into(), "written".into()),
            ("customer-002".into(), "tagged".into(), "written".into()),
            (
                "customer-003".into(),
                "skipped".into(),
                "CustomerData.attributes.username: missing".into()
            ),
        ]
    );
    assert_eq!(
        r["Items"]["CustomerProfiles"][0]["ResultData"]["campaign"],
        "Welcome Campaign"
    );
    let john = common::get_item(&ddb, &table, "john").await.unwrap();
    assert_eq!(
        (
            john.campaign.journey_id.as_str(),
            john.campaign.label.as_str(),
            john.campaign.application_id.as_str()
        ),
        ("campaign-12345", "Welcome Campaign", "connect")
    );
    assert!(john.campaign.touched_at_ms >= before);
    assert_eq!(
        john.campaign.expires_at_s,
        (john.campaign.touched_at_ms + 7 * 86_400_000 + 999).div_euclid(1000),
        "the window of the application id `connect`"
    );

    // Connect retries the invocation a little later: the ledger gives back the first time.
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let r = f.invoke(&ev).await.response();
    assert_eq!(results(&r)[0].2, "unchanged");
    assert_eq!(common::get_item(&ddb, &table, "john").await.unwrap(), john);

    // A newer campaign reaches john; then the first one is delivered yet again: it stays older.
    let mut newer = ev.clone();
    newer["InvocationMetadata"]["CampaignContext"]["CampaignId"] = json!("campaign-2");
    newer["InvocationMetadata"]["CampaignContext"]["CampaignName"] = json!("Second");
    for (i, p) in newer["Items"]["CustomerProfiles"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        p["IdempotencyToken"] = json!(format!("second-{i}"));
    }
    f.invoke(&newer).await.response();
    let r = f.invoke(&ev).await.response();
    assert_eq!(results(&r)[0].2, "kept_newer");
    assert_eq!(
        common::get_item(&ddb, &table, "john")
            .await
            .unwrap()
            .campaign
            .journey_id,
        "campaign-2"
    );

    // An unusable invocation is an error naming the field.
    let Outcome::Error(e) = f.invoke(&json!({"Items": {"CustomerProfiles": []}})).await else {
        panic!("expected an error")
    };
    assert_eq!(e["errorType"], "InvalidInvocation");
    assert_eq!(
        e["errorMessage"],
        "invalid invocation: (event): missing field `InvocationMetadata`"
    );
}

/// The SES fixture, moved to `at_ms` and tagged with `journey`.
fn ses_event(fixture: &str, at_ms: i64, journey: &str) -> Value {
    let mut ev = common::fixture(fixture);
    let set = |record: &mut Value| {
        let kind = if record["eventType"] == "Click" {
            "click"
        } else {
            "open"
        };
        record[kind]["timestamp"] = json!(format_ms(at_ms));
        record["mail"]["timestamp"] = json!(format_ms(at_ms - 60_000));
        record["mail"]["tags"]["journey_id"] = json!([journey]);
    };
    if let Some(detail) = ev.get_mut("detail") {
        set(detail);
    } else {
        for r in ev["Records"].as_array_mut().unwrap() {
            let mut record: Value =
                serde_json::from_str(r["Sns"]["Message"].as_str().unwrap()).unwrap();
            set(&mut record);
            r["Sns"]["Message"] = json!(record.to_string());
        }
    }
    ev
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs moto: run scripts/test.d/30-lambda-moto.sh"]
async fn ses_opens_and_clicks_from_eventbridge_and_sns_reach_cognito_newest_first() {
    let sdk = common::sdk().await;
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let idp = aws_sdk_cognitoidentityprovider::Client::new(&sdk);
    let table = common::create_table(&ddb).await;
    let pool = common::create_pool(&idp, &["alice"]).await;
    let ses = Function::start(
        SES,
        &[
            ("ATTRIBUTION_TABLE", &table),
            ("LOOKBACK_WINDOW", "30d"),
            // Opens are an opt-in; this test sends both kinds.
            ("SES_EVENTS", "open,click"),
        ],
    )
    .await;
    let sync = Function::start(
        SYNC,
        &[
            ("USER_POOL_ID", &pool),
            ("FAILURE_QUEUE_URL", &common::create_queue(&sdk).await),
        ],
    )
    .await;
    let now = now_ms();

    // An open an hour ago (EventBridge), then a click of another journey a minute ago (SNS).
    let open = ses_event("ses-open-eventbridge.json", now - 3_600_000, "journey-open");
    let r = ses.invoke(&open).await.response();
    assert_eq!(r["events"][0]["reason"], "written", "{r}");
    let click = ses_event("ses-open-sns.json", now - 60_000, "journey-sns");
    let r = ses.invoke(&click).await.response();
    assert_eq!(r["events"][0]["reason"], "written", "{r}");
    // EventBridge delivers the open again: a replay of an older touch.
    let r = ses.invoke(&open).await.response();
    assert_eq!(r["events"][0]["reason"], "kept_newer", "{r}");

    let a = common::get_item(&ddb, &table, "alice").await.unwrap();
    assert_eq!(
        (
            a.campaign.journey_id.as_str(),
            a.campaign.label.as_str(),
            a.campaign.application_id.as_str()
        ),
        ("journey-sns", "spring-sale-2026", "ConfigSet")
    );
    assert_eq!(
        a.campaign.touched_at_ms,
        now - 60_000,
        "the open's own time, not the receive time"
    );

    let r = sync
        .invoke(&common::insert_records(&ddb, &table, &["alice"]).await)
        .await
        .response();
    assert_eq!(r["batchItemFailures"], json!([]));
    let token = token_of(common::campaign_attribute(&idp, &pool, "alice").await);
    assert_eq!(token.journey_id(), Some("journey-sns"));

    // A delivery event is not a touch; a malformed SNS message is named, not fatal.
    let mut bad = common::fixture("ses-open-sns.json");
    bad["Records"][0]["Sns"]["Message"] = json!("{not json");
    let r = ses.invoke(&bad).await.response();
    assert_eq!(r["events"][0]["attribution"], "skipped");
    assert_eq!(r["events"][0]["reason"], "malformed_event");
    assert!(
        r["events"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("Records[0].Sns.Message"),
        "{r}"
    );
}

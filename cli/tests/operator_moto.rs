//! `setup` and `reconcile` against a moto server over the AWS wire protocol.
//! Run through scripts/test.d/35-cli-moto.sh (starts moto); `#[ignore]`d for a plain
//! `cargo test`, and they fail without moto.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use aws_sdk_cognitoidentityprovider as cognito;
use aws_sdk_dynamodb as dynamodb;
use cognito::types::AttributeType;
use journey_attribution_aws::dynamodb::to_sdk;
use journey_attribution_core::token::Token;
use journey_attribution_core::{Attribution, Campaign};
use journey_attribution_table::item::to_item;
use journey_attribution_test_support::tables::{attribution as attribution_table, unique};
use serde_json::Value;

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_journey-attribution");

fn cli(args: &[&str]) -> (bool, String, String) {
    assert!(
        std::env::var("AWS_ENDPOINT_URL").is_ok(),
        "needs moto: run scripts/test.d/35-cli-moto.sh"
    );
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn sdk() -> aws_config::SdkConfig {
    common::moto_sdk().await
}

#[tokio::test]
#[ignore = "needs moto: run scripts/test.d/35-cli-moto.sh"]
async fn setup_adds_the_attribute_and_makes_it_read_only_idempotently() {
    let c = cognito::Client::new(&sdk().await);
    let pool = c
        .create_user_pool()
        .pool_name(unique("pool"))
        .send()
        .await
        .unwrap();
    let pool_id = pool.user_pool().unwrap().id().unwrap().to_owned();
    let client = c
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("web-app")
        .write_attributes("email")
        .write_attributes("custom:campaign")
        .id_token_validity(30)
        .send()
        .await
        .unwrap();
    let client_id = client
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned();

    let client_before = c
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .clone();
    let (ok, out, err) = cli(&[
        "setup",
        "--user-pool-id",
        &pool_id,
        "--app-client-id",
        &client_id,
    ]);
    assert!(ok, "{err}");
    // The whole client description is unchanged but for the attribute lists (moto does not
    // reset omitted settings, so the unit test also checks the request carries them all).
    let mut client_after = c
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .clone();
    client_after.read_attributes = client_before.read_attributes.clone();
    client_after.write_attributes = client_before.write_attributes.clone();
    client_after.last_modified_date = client_before.last_modified_date;
    assert_eq!(client_after, client_before);
    assert!(
        out.contains("added custom attribute custom:campaign"),
        "{out}"
    );
    assert!(
        out.contains("usernames are case-sensitive: deploy with UsernameCaseSensitive=true"),
        "{out}"
    );
    assert!(out.contains("may now read custom:campaign"), "{out}");
    assert!(out.contains("may no longer write custom:campaign"), "{out}");

    let described = c
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    let schema = described.user_pool().unwrap().schema_attributes();
    let campaign = schema
        .iter()
        .find(|a| a.name() == Some("custom:campaign"))
        .expect("custom:campaign");
    assert_eq!(campaign.mutable(), Some(true));
    assert_eq!(
        campaign
            .string_attribute_constraints()
            .unwrap()
            .max_length(),
        Some("2048")
    );
    let app = c
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&client_id)
        .send()
        .await
        .unwrap();
    let app = app.user_pool_client().unwrap();
    assert!(app.read_attributes().iter().any(|a| a == "custom:campaign"));
    assert!(
        app.read_attributes().iter().any(|a| a == "email"),
        "standard attributes stay readable"
    );
    assert_eq!(app.write_attributes(), ["email".to_string()]);
    assert_eq!(
        app.client_name(),
        Some("web-app"),
        "other settings are kept"
    );
    assert_eq!(app.id_token_validity(), Some(30), "other settings are kept");

    let (ok, out, err) = cli(&[
        "setup",
        "--user-pool-id",
        &pool_id,
        "--app-client-id",
        &client_id,
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("custom:campaign already present"), "{out}");
    assert!(
        out.contains("already reads custom:campaign and cannot write it"),
        "{out}"
    );

    // A client with no write list lets its users write every attribute: setup makes the
    // list explicit, without custom:campaign, and says so.
    let open_id = app_client(&c, &pool_id, "open-app").await;
    let (ok, out, err) = cli(&[
        "setup",
        "--user-pool-id",
        &pool_id,
        "--app-client-id",
        &open_id,
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains(
            "its empty write list let users write every attribute, custom:campaign included"
        ),
        "{out}"
    );
    let open = c
        .describe_user_pool_client()
        .user_pool_id(&pool_id)
        .client_id(&open_id)
        .send()
        .await
        .unwrap();
    let write = open.user_pool_client().unwrap().write_attributes();
    assert!(
        write.iter().any(|a| a == "email") && write.iter().any(|a| a == "name"),
        "{write:?}"
    );
    for never in [
        "custom:campaign",
        "sub",
        "email_verified",
        "phone_number_verified",
    ] {
        assert!(!write.iter().any(|a| a == never), "{never} in {write:?}");
    }

    // A pool whose users sign in with their email: usernames are generated ids.
    let by_email = c
        .create_user_pool()
        .pool_name(unique("pool"))
        .username_attributes(cognito::types::UsernameAttributeType::Email)
        .username_configuration(
            cognito::types::UsernameConfigurationType::builder()
                .case_sensitive(false)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let by_email_id = by_email.user_pool().unwrap().id().unwrap().to_owned();
    let email_client_id = app_client(&c, &by_email_id, "web").await;
    let (ok, out, err) = cli(&[
        "setup",
        "--user-pool-id",
        &by_email_id,
        "--app-client-id",
        &email_client_id,
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("usernames are case-insensitive: deploy with UsernameCaseSensitive=false"),
        "{out}"
    );
    assert!(
        out.contains("users sign in with email: their usernames are generated ids"),
        "{out}"
    );

    // An existing attribute too short for a token is refused, not used.
    let short = c
        .create_user_pool()
        .pool_name(unique("pool"))
        .schema(
            cognito::types::SchemaAttributeType::builder()
                .name("campaign")
                .attribute_data_type(cognito::types::AttributeDataType::String)
                .mutable(true)
                .string_attribute_constraints(
                    cognito::types::StringAttributeConstraintsType::builder()
                        .max_length("256")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let short_id = short.user_pool().unwrap().id().unwrap().to_owned();
    let (ok, _, err) = cli(&[
        "setup",
        "--user-pool-id",
        &short_id,
        "--app-client-id",
        &client_id,
    ]);
    assert!(!ok);
    assert!(
        err.contains("custom:campaign holds at most 256 characters; a token may need 2048"),
        "{err}"
    );

    let (ok, _, err) = cli(&[
        "setup",
        "--user-pool-id",
        "us-east-1_missing",
        "--app-client-id",
        &client_id,
    ]);
    assert!(!ok);
    assert!(err.contains("DescribeUserPool us-east-1_missing"), "{err}");
}

/// A recording proxy in front of moto: every request's `X-Amz-Target`, JSON body and the
/// JSON answer, so a test can look at what was sent (moto does not reset what an
/// UpdateUserPoolClient omits; AWS does).
mod recorder {
    use std::sync::{Arc, Mutex};

    use serde_json::Value;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    pub type Log = Arc<Mutex<Vec<(String, Value, Value)>>>;

    pub async fn start(upstream: &str) -> (String, Log) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let log: Log = Arc::default();
        let kept = log.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(relay(conn, upstream.clone(), kept.clone()));
            }
        });
        (url, log)
    }

    /// The head (up to the blank line) and the body of one HTTP message with a
    /// Content-Length (or none, then everything to the end).
    async fn message(conn: &mut TcpStream, to_end: bool) -> Option<(String, Vec<u8>)> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        let split = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let n = conn.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..split]).into_owned();
        let mut body = buf[split..].to_vec();
        let length = head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        });
        match length {
            Some(len) => {
                while body.len() < len {
                    let n = conn.read(&mut chunk).await.ok()?;
                    if n == 0 {
                        break;
                    }
                    body.extend_from_slice(&chunk[..n]);
                }
            }
            None if to_end => {
                conn.read_to_end(&mut body).await.ok()?;
            }
            None => {}
        }
        Some((head, body))
    }

    /// The head with `Connection: close` (one exchange per connection, either side).
    fn closing(head: &str) -> String {
        let mut lines: Vec<&str> = head
            .trim_end()
            .lines()
            .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
            .collect();
        lines.push("Connection: close");
        format!("{}\r\n\r\n", lines.join("\r\n"))
    }

    async fn relay(mut conn: TcpStream, upstream: String, log: Log) {
        let Some((head, body)) = message(&mut conn, false).await else {
            return;
        };
        let target = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("x-amz-target")
                    .then(|| v.trim().to_owned())
            })
            .unwrap_or_default();
        let Ok(mut up) = TcpStream::connect(&upstream).await else {
            return;
        };
        let mut request = closing(&head).into_bytes();
        request.extend_from_slice(&body);
        if up.write_all(&request).await.is_err() {
            return;
        }
        let Some((answer_head, answer)) = message(&mut up, true).await else {
            return;
        };
        let json = |b: &[u8]| serde_json::from_slice(b).unwrap_or(Value::Null);
        log.lock()
            .unwrap()
            .push((target, json(&body), json(&answer)));
        let mut out = closing(&answer_head).into_bytes();
        out.extend_from_slice(&answer);
        let _ = conn.write_all(&out).await;
        let _ = conn.shutdown().await;
    }
}

fn cli_via(endpoint: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .env("AWS_ENDPOINT_URL", endpoint)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn described(
    c: &cognito::Client,
    pool: &str,
    id: &str,
) -> cognito::types::UserPoolClientType {
    c.describe_user_pool_client()
        .user_pool_id(pool)
        .client_id(id)
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .clone()
}

/// Under the attribute projection a value a user writes through *any* client of the pool
/// reaches the web client's token: setup closes every client, `--check` names the open ones.
// Multi-threaded: the recording proxy runs while the CLI blocks a worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run scripts/test.d/35-cli-moto.sh"]
async fn setup_closes_every_client_of_the_pool_and_check_names_the_open_ones() {
    use cognito::types::*;
    let c = cognito::Client::new(&sdk().await);
    // The app's own custom attribute, added as to any pool (moto then describes the standard
    // attributes too, as AWS always does).
    let pool_id = empty_pool(&c).await;
    c.add_custom_attributes()
        .user_pool_id(&pool_id)
        .custom_attributes(
            SchemaAttributeType::builder()
                .name("tenant_id")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    // The web app's client with no read list; a mobile client that may write the attribute
    // (and keeps many settings an update without them would reset); an admin client with no
    // write list at all.
    let create = |name: &str| {
        c.create_user_pool_client()
            .user_pool_id(&pool_id)
            .client_name(name)
    };
    let web = create("web")
        .write_attributes("email")
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned();
    let mobile = create("mobile")
        .write_attributes("email")
        .write_attributes("custom:campaign")
        .refresh_token_validity(10)
        .access_token_validity(30)
        .id_token_validity(45)
        .token_validity_units(
            TokenValidityUnitsType::builder()
                .access_token(TimeUnitsType::Minutes)
                .id_token(TimeUnitsType::Minutes)
                .refresh_token(TimeUnitsType::Days)
                .build(),
        )
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .supported_identity_providers("COGNITO")
        .callback_urls("myapp://callback")
        .logout_urls("myapp://signout")
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_flows_user_pool_client(true)
        .prevent_user_existence_errors(PreventUserExistenceErrorTypes::Enabled)
        .enable_token_revocation(true)
        .auth_session_validity(7)
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned();
    let admin = app_client(&c, &pool_id, "admin").await;

    // Before: the check fails and names the two open clients, not the web one.
    let (ok, out, err) = cli(&[
        "setup",
        "--check",
        "--user-pool-id",
        &pool_id,
        "--app-client-id",
        &web,
    ]);
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "app client {mobile} (mobile): CAN WRITE custom:campaign (it is in the write list)"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "app client {admin} (admin): CAN WRITE custom:campaign (no write list"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "app client {web} (web): cannot write custom:campaign"
        )),
        "{out}"
    );
    assert!(
        err.contains("2 app client(s)") && err.contains("(mobile)") && err.contains("(admin)"),
        "{err}"
    );

    let before: Vec<_> =
        futures::future::join_all([&web, &mobile, &admin].map(|id| described(&c, &pool_id, id)))
            .await;
    let (proxy, log) = recorder::start(&std::env::var("AWS_ENDPOINT_URL").unwrap()).await;
    let (ok, out, err) = cli_via(
        &proxy,
        &["setup", "--user-pool-id", &pool_id, "--app-client-id", &web],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!(
            "app client {mobile} (mobile): may no longer write custom:campaign"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "app client {admin} (admin): its empty write list let users write every attribute"
        )),
        "{out}"
    );

    // Every client: an explicit write list without the attribute; the web one reads it, and
    // still reads the app's own custom attribute (an empty read list took nothing away).
    for (id, was) in [&web, &mobile, &admin].iter().zip(&before) {
        let now = described(&c, &pool_id, id).await;
        assert!(!now.write_attributes().is_empty(), "{id}");
        assert!(
            !now.write_attributes()
                .iter()
                .any(|a| a == "custom:campaign"),
            "{id}: {:?}",
            now.write_attributes()
        );
        let mut same = now.clone();
        same.read_attributes = was.read_attributes.clone();
        same.write_attributes = was.write_attributes.clone();
        same.last_modified_date = was.last_modified_date;
        assert_eq!(&same, was, "{id}: only the lists changed");
    }
    let web_read = described(&c, &pool_id, &web)
        .await
        .read_attributes()
        .to_vec();
    for a in [
        "custom:campaign",
        "custom:tenant_id",
        "email",
        "email_verified",
    ] {
        assert!(web_read.iter().any(|r| r == a), "{a} not in {web_read:?}");
    }
    assert!(
        described(&c, &pool_id, &mobile)
            .await
            .read_attributes()
            .is_empty(),
        "not ours to change"
    );

    // What went over the wire: every UpdateUserPoolClient carries every setting the client
    // had (AWS resets what it is not given), the lists aside.
    let log = log.lock().unwrap().clone();
    let updates: Vec<&Value> = log
        .iter()
        .filter(|(t, _, _)| t.ends_with(".UpdateUserPoolClient"))
        .map(|(_, req, _)| req)
        .collect();
    assert_eq!(updates.len(), 3, "{log:?}");
    assert!(
        log.iter()
            .any(|(t, _, _)| t.ends_with(".ListUserPoolClients"))
    );
    for (_, _, answer) in log
        .iter()
        .filter(|(t, _, _)| t.ends_with(".DescribeUserPoolClient"))
    {
        let had = &answer["UserPoolClient"];
        let sent = updates
            .iter()
            .find(|u| u["ClientId"] == had["ClientId"])
            .unwrap_or_else(|| panic!("no update of {had}"));
        for (key, value) in had.as_object().unwrap() {
            // Not parameters of UpdateUserPoolClient (the secret and the times are Cognito's).
            if [
                "ClientSecret",
                "CreationDate",
                "LastModifiedDate",
                "ReadAttributes",
                "WriteAttributes",
            ]
            .contains(&key.as_str())
            {
                continue;
            }
            assert_eq!(
                &sent[key], value,
                "{key} of {} not sent back: {sent}",
                had["ClientName"]
            );
        }
    }

    // After: the check passes; a second setup changes nothing.
    let (ok, out, err) = cli(&[
        "setup",
        "--check",
        "--user-pool-id",
        &pool_id,
        "--app-client-id",
        &web,
    ]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains(&format!("app client {web} (web): reads custom:campaign")),
        "{out}"
    );
    let (ok, out, err) = cli(&["setup", "--user-pool-id", &pool_id, "--app-client-id", &web]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!(
            "app client {admin} (admin): already cannot write custom:campaign"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "app client {web} (web): already reads custom:campaign and cannot write it"
        )),
        "{out}"
    );

    // A client id of another pool is refused, naming this pool's clients.
    let (ok, _, err) = cli(&[
        "setup",
        "--user-pool-id",
        &pool_id,
        "--app-client-id",
        "nope",
    ]);
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "app client nope is not a client of user pool {pool_id}"
        )),
        "{err}"
    );
}

/// A pool with settings an UpdateUserPool without them would reset.
async fn configured_pool(c: &cognito::Client) -> String {
    use cognito::types::*;
    let pool = c
        .create_user_pool()
        .pool_name(unique("pool"))
        .policies(
            UserPoolPolicyType::builder()
                .password_policy(
                    PasswordPolicyType::builder()
                        .minimum_length(12)
                        .require_symbols(true)
                        .temporary_password_validity_days(3)
                        .build(),
                )
                .build(),
        )
        .auto_verified_attributes(VerifiedAttributeType::Email)
        // Not UsernameAttributes: it is fixed at creation and UpdateUserPool does not take
        // it (moto drops it on any update, AWS keeps it).
        .email_verification_subject("Verify your shop account")
        .mfa_configuration(UserPoolMfaType::Off)
        .lambda_config(
            LambdaConfigType::builder()
                .pre_sign_up("arn:aws:lambda:us-east-1:123456789012:function:shop-pre-sign-up")
                .build(),
        )
        .user_pool_tags("team", "growth")
        .account_recovery_setting(
            AccountRecoverySettingType::builder()
                .recovery_mechanisms(
                    RecoveryOptionType::builder()
                        .name(RecoveryOptionNameType::VerifiedEmail)
                        .priority(1)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .admin_create_user_config(
            AdminCreateUserConfigType::builder()
                .allow_admin_create_user_only(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    pool.user_pool().unwrap().id().unwrap().to_owned()
}

async fn describe(c: &cognito::Client, pool: &str) -> cognito::types::UserPoolType {
    c.describe_user_pool()
        .user_pool_id(pool)
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .clone()
}

/// The whole description but the trigger and the modification time.
fn without_lambda(mut p: cognito::types::UserPoolType) -> cognito::types::UserPoolType {
    p.lambda_config = None;
    p.last_modified_date = None;
    p
}

#[tokio::test]
#[ignore = "needs moto: run scripts/test.d/35-cli-moto.sh"]
async fn setup_projection_attaches_and_detaches_claims_and_changes_nothing_else() {
    let c = cognito::Client::new(&sdk().await);
    let pool_id = configured_pool(&c).await;
    let client_id = app_client(&c, &pool_id, "web-app").await;
    let claims = "arn:aws:lambda:us-east-1:123456789012:function:shop-claims";
    let base = [
        "setup",
        "--user-pool-id",
        &pool_id,
        "--app-client-id",
        &client_id,
    ];
    let run = |extra: &[&str]| {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        cli(&args)
    };
    // The attribute and app-client part first, so what follows changes only the trigger.
    let (ok, _, err) = run(&[]);
    assert!(ok, "{err}");
    let before = describe(&c, &pool_id).await;
    assert_eq!(
        before.lambda_config().unwrap().pre_sign_up(),
        Some("arn:aws:lambda:us-east-1:123456789012:function:shop-pre-sign-up")
    );

    let (ok, out, err) = run(&["--projection", "token", "--claims-function-arn", claims]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!(
            "attached {claims} as the pre-token-generation trigger (V1_0)"
        )),
        "{out}"
    );
    let after = describe(&c, &pool_id).await;
    let lambda = after.lambda_config().unwrap();
    let config = lambda.pre_token_generation_config().expect("the trigger");
    assert_eq!(
        (config.lambda_arn(), config.lambda_version().as_str()),
        (claims, "V1_0")
    );
    assert_eq!(lambda.pre_token_generation(), Some(claims));
    assert_eq!(
        lambda.pre_sign_up(),
        before.lambda_config().unwrap().pre_sign_up(),
        "other triggers stay"
    );
    assert_eq!(
        without_lambda(after.clone()),
        without_lambda(before.clone()),
        "nothing else changes"
    );

    let (ok, out, err) = run(&["--projection", "both", "--claims-function-arn", claims]);
    assert!(ok, "{err}");
    assert!(out.contains("already attached"), "{out}");

    let (ok, out, err) = run(&[
        "--projection",
        "token",
        "--claims-function-arn",
        claims,
        "--event-version",
        "V2_0",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("(V2_0)"), "{out}");
    let v2 = describe(&c, &pool_id).await;
    assert_eq!(
        v2.lambda_config()
            .unwrap()
            .pre_token_generation_config()
            .unwrap()
            .lambda_version()
            .as_str(),
        "V2_0"
    );

    // Another function's trigger is never replaced, nor detached.
    let other = "arn:aws:lambda:us-east-1:123456789012:function:someone-elses";
    let (ok, _, err) = run(&["--projection", "token", "--claims-function-arn", other]);
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "already has a pre-token-generation trigger, {claims}"
        )),
        "{err}"
    );
    let (ok, out, _) = run(&["--projection", "attribute", "--claims-function-arn", other]);
    assert!(ok && out.contains("left attached"), "{out}");
    assert_eq!(
        without_lambda(describe(&c, &pool_id).await),
        without_lambda(before.clone())
    );

    let (ok, out, err) = run(&["--projection", "attribute", "--claims-function-arn", claims]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!(
            "detached the pre-token-generation trigger {claims}"
        )),
        "{out}"
    );
    let detached = describe(&c, &pool_id).await;
    assert!(
        detached
            .lambda_config()
            .unwrap()
            .pre_token_generation_config()
            .is_none()
    );
    assert!(
        detached
            .lambda_config()
            .unwrap()
            .pre_token_generation()
            .is_none()
    );
    assert_eq!(
        detached.lambda_config().unwrap().pre_sign_up(),
        before.lambda_config().unwrap().pre_sign_up()
    );
    assert_eq!(without_lambda(detached), without_lambda(before));
    let (ok, out, _) = run(&["--projection", "attribute", "--claims-function-arn", claims]);
    assert!(
        ok && out.contains("no pre-token-generation trigger to detach"),
        "{out}"
    );

    // --projection needs the function.
    let (ok, _, err) = run(&["--projection", "token"]);
    assert!(!ok && err.contains("--claims-function-arn"), "{err}");
}

fn attribution(
    username: &str,
    journey: &str,
    touched_at_ms: i64,
    expires_at_s: i64,
) -> Attribution {
    Attribution {
        username: username.into(),
        campaign: Campaign {
            application_id: "app".into(),
            journey_id: journey.into(),
            label: format!("label {journey}"),
            touched_at_ms,
            expires_at_s,
        },
    }
}

fn token(a: &Attribution) -> String {
    Token::V1(a.campaign.clone()).encode().unwrap()
}

#[tokio::test]
#[ignore = "needs moto: run scripts/test.d/35-cli-moto.sh"]
async fn reconcile_rebuilds_cognito_from_the_table() {
    let sdk = sdk().await;
    let c = cognito::Client::new(&sdk);
    let d = dynamodb::Client::new(&sdk);
    let pool_id = empty_pool(&c).await;
    let table = attribution_table(&d).await;
    let now_s = now_s();
    let live = attribution("alice", "j-new", now_s * 1000 - 5_000, now_s + 86_400);
    let expired = attribution("bob", "j-old", (now_s - 90_000) * 1000, now_s - 3_600);
    let newer = attribution("dave", "j-new", now_s * 1000 - 1_000, now_s + 86_400);
    let older_for_dave = attribution("dave", "j-old", now_s * 1000 - 9_000, now_s + 3_600);
    let stale_for_carol = attribution("carol", "j-lost", now_s * 1000 - 9_000, now_s + 3_600);
    let ghost = attribution("erin", "j-new", now_s * 1000, now_s + 86_400);
    for a in [&live, &expired, &newer, &ghost] {
        d.put_item()
            .table_name(&table)
            .set_item(Some(to_sdk(&to_item(a))))
            .send()
            .await
            .unwrap();
    }
    let users: [(&str, Option<String>); 4] = [
        ("alice", None),
        ("bob", Some(token(&expired))),
        ("carol", Some(token(&stale_for_carol))),
        ("dave", Some(token(&older_for_dave))),
    ];
    for (name, value) in &users {
        let mut req = c.admin_create_user().user_pool_id(&pool_id).username(*name);
        if let Some(v) = value {
            req = req.user_attributes(
                AttributeType::builder()
                    .name("custom:campaign")
                    .value(v)
                    .build()
                    .unwrap(),
            );
        }
        req.send().await.unwrap();
    }

    let (ok, out, err) = cli(&[
        "reconcile",
        "--table",
        &table,
        "--user-pool-id",
        &pool_id,
        "--rate",
        "50",
    ]);
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("reconciled: 4 items, 4 users; set 2, cleared 2, unchanged 0, unknown users 1, unreadable items 0, failed 0"),
        "{out}\n{err}"
    );
    assert!(err.contains("erin: not in the user pool"), "{err}");

    let value = |name: &'static str| {
        let c = c.clone();
        let pool_id = pool_id.clone();
        async move {
            let u = c
                .admin_get_user()
                .user_pool_id(&pool_id)
                .username(name)
                .send()
                .await
                .unwrap();
            u.user_attributes()
                .iter()
                .find(|a| a.name() == "custom:campaign")
                .and_then(|a| a.value())
                .map(str::to_owned)
                .filter(|v| !v.is_empty())
        }
    };
    assert_eq!(value("alice").await, Some(token(&live)));
    assert_eq!(value("bob").await, None, "expired: cleared");
    assert_eq!(value("carol").await, None, "no item backs it: cleared");
    assert_eq!(value("dave").await, Some(token(&newer)), "the table wins");

    let (ok, out, err) = cli(&[
        "reconcile",
        "--table",
        &table,
        "--user-pool-id",
        &pool_id,
        "--rate",
        "50",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("set 0, cleared 0"),
        "a second run changes nothing: {out}"
    );
}

async fn user_value(c: &cognito::Client, pool: &str, name: &str) -> Option<String> {
    c.admin_get_user()
        .user_pool_id(pool)
        .username(name)
        .send()
        .await
        .unwrap()
        .user_attributes()
        .iter()
        .find(|a| a.name() == "custom:campaign")
        .and_then(|a| a.value())
        .map(str::to_owned)
        .filter(|v| !v.is_empty())
}

async fn set_value(c: &cognito::Client, pool: &str, name: &str, value: &str) {
    c.admin_update_user_attributes()
        .user_pool_id(pool)
        .username(name)
        .user_attributes(
            AttributeType::builder()
                .name("custom:campaign")
                .value(value)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// `sync` writes while `reconcile` runs (slowed to one call every 2 s): what the scan and
/// the listing showed is stale by the time of each write. Reconcile must neither set the
/// older attribution back (pass 1) nor clear a value a newer item now backs (pass 2).
#[tokio::test]
#[ignore = "needs moto: run scripts/test.d/35-cli-moto.sh"]
async fn reconcile_rereads_before_each_write_while_sync_runs() {
    let sdk = sdk().await;
    let c = cognito::Client::new(&sdk);
    let d = dynamodb::Client::new(&sdk);
    let pool_id = empty_pool(&c).await;
    let table = attribution_table(&d).await;
    let now_s = now_s();
    let put = |a: Attribution| {
        let (d, table) = (d.clone(), table.clone());
        async move {
            d.put_item()
                .table_name(&table)
                .set_item(Some(to_sdk(&to_item(&a))))
                .send()
                .await
                .unwrap();
        }
    };
    // alice: the table has an attribution Cognito lacks (pass 1 plans a Set).
    let alice_old = attribution("alice", "j-old", now_s * 1000 - 9_000, now_s + 3_600);
    put(alice_old.clone()).await;
    // bob: Cognito holds a value no item backs (pass 2 plans a Clear).
    let bob_stale = attribution("bob", "j-lost", now_s * 1000 - 9_000, now_s + 3_600);
    for name in ["alice", "bob"] {
        c.admin_create_user()
            .user_pool_id(&pool_id)
            .username(name)
            .send()
            .await
            .unwrap();
    }
    set_value(&c, &pool_id, "bob", &token(&bob_stale)).await;

    let child = Command::new(BIN)
        .args([
            "reconcile",
            "--table",
            &table,
            "--user-pool-id",
            &pool_id,
            "--rate",
            "0.5",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Inside reconcile's first 2-second wait: newer touches for both, projected by "sync".
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    let alice_new = attribution("alice", "j-new", now_s * 1000, now_s + 86_400);
    let bob_new = attribution("bob", "j-new", now_s * 1000, now_s + 86_400);
    for a in [&alice_new, &bob_new] {
        put(a.clone()).await;
        set_value(&c, &pool_id, &a.username, &token(a)).await;
    }
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        user_value(&c, &pool_id, "alice").await,
        Some(token(&alice_new)),
        "{stdout}"
    );
    assert_eq!(
        user_value(&c, &pool_id, "bob").await,
        Some(token(&bob_new)),
        "{stdout}"
    );
    assert!(stdout.contains("changed meanwhile 2"), "{stdout}");
}

/// `--migrate-legacy`: the original solution's bare journey names get an end.
#[tokio::test]
#[ignore = "needs moto: run scripts/test.d/35-cli-moto.sh"]
async fn reconcile_migrates_legacy_values_to_attributions_that_end() {
    let sdk = sdk().await;
    let c = cognito::Client::new(&sdk);
    let d = dynamodb::Client::new(&sdk);
    let pool_id = empty_pool(&c).await;
    let table = attribution_table(&d).await;
    c.admin_create_user()
        .user_pool_id(&pool_id)
        .username("seed-user")
        .send()
        .await
        .unwrap();
    set_value(&c, &pool_id, "seed-user", "Spring Journey").await;
    let (ok, out, err) = cli(&[
        "reconcile",
        "--table",
        &table,
        "--user-pool-id",
        &pool_id,
        "--rate",
        "50",
        "--migrate-legacy",
        "--legacy-max-age",
        "7d",
    ]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("legacy migrated 1"), "{out}");
    let now_s = now_s();
    let item = d
        .get_item()
        .table_name(&table)
        .key(
            "username",
            dynamodb::types::AttributeValue::S("seed-user".into()),
        )
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    let item = journey_attribution_table::item::from_item(
        &journey_attribution_aws::dynamodb::from_sdk(item.item().unwrap()),
    )
    .unwrap();
    assert_eq!(item.campaign.label, "Spring Journey");
    assert!(
        (item.campaign.expires_at_s - (now_s + 7 * 86_400)).abs() < 60,
        "{item:?}"
    );
    let value = user_value(&c, &pool_id, "seed-user").await.unwrap();
    assert_eq!(
        Token::decode(&value).unwrap(),
        Some(Token::V1(item.campaign.clone())),
        "Cognito now holds a token that expires"
    );
    // Without --migrate-legacy, a legacy value no item backs is cleared, as before.
    c.admin_create_user()
        .user_pool_id(&pool_id)
        .username("seed-user-2")
        .send()
        .await
        .unwrap();
    set_value(&c, &pool_id, "seed-user-2", "Old Journey").await;
    let (ok, out, _) = cli(&[
        "reconcile",
        "--table",
        &table,
        "--user-pool-id",
        &pool_id,
        "--rate",
        "50",
    ]);
    assert!(ok && out.contains("cleared 1"), "{out}");
    assert_eq!(user_value(&c, &pool_id, "seed-user-2").await, None);
}

async fn empty_pool(c: &cognito::Client) -> String {
    c.create_user_pool()
        .pool_name(unique("pool"))
        .send()
        .await
        .unwrap()
        .user_pool()
        .unwrap()
        .id()
        .unwrap()
        .to_owned()
}

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn app_client(c: &cognito::Client, pool_id: &str, name: &str) -> String {
    c.create_user_pool_client()
        .user_pool_id(pool_id)
        .client_name(name)
        .send()
        .await
        .unwrap()
        .user_pool_client()
        .unwrap()
        .client_id()
        .unwrap()
        .to_owned()
}

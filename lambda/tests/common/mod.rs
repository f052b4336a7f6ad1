//! Test harness: a Lambda Runtime API emulator, the real binaries as child processes, and
//! SDK clients against the moto server the test script started.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};

/// What the function answered to one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Response(Value),
    Error(Value),
}

impl Outcome {
    pub fn response(self) -> Value {
        match self {
            Self::Response(v) => v,
            Self::Error(e) => panic!("the function failed: {e}"),
        }
    }
}

struct Invocation {
    payload: Vec<u8>,
    reply: oneshot::Sender<Outcome>,
}

#[derive(Default)]
struct Shared {
    pending: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    first_poll: Mutex<Option<Instant>>,
    init_error: Mutex<Option<String>>,
}

/// A minimal Lambda Runtime API (2018-06-01): `GET invocation/next`, `POST
/// invocation/{id}/response|error`, `POST init/error`, over HTTP/1.1 with keep-alive.
pub struct RuntimeApi {
    pub addr: SocketAddr,
    tx: mpsc::UnboundedSender<Invocation>,
    shared: Arc<Shared>,
}

impl RuntimeApi {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the runtime API");
        let addr = listener.local_addr().expect("local addr");
        let (tx, rx) = mpsc::unbounded_channel::<Invocation>();
        let queue = Arc::new(tokio::sync::Mutex::new(rx));
        let shared = Arc::new(Shared::default());
        let s = Arc::clone(&shared);
        tokio::spawn(async move {
            let ids = Arc::new(Mutex::new(0u64));
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(serve(
                    conn,
                    Arc::clone(&queue),
                    Arc::clone(&s),
                    Arc::clone(&ids),
                ));
            }
        });
        Self { addr, tx, shared }
    }

    /// Sends one invocation and waits for the function's answer.
    pub async fn invoke(&self, payload: &Value) -> Outcome {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Invocation {
                payload: serde_json::to_vec(payload).unwrap(),
                reply,
            })
            .expect("runtime API is running");
        match tokio::time::timeout(Duration::from_secs(60), rx).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => panic!("the invocation was dropped"),
            Err(_) => panic!(
                "no answer within 60 s (init error: {:?})",
                self.shared.init_error.lock().unwrap()
            ),
        }
    }

    pub fn first_poll(&self) -> Option<Instant> {
        *self.shared.first_poll.lock().unwrap()
    }

    /// Waits for the function's first `GET invocation/next`.
    pub async fn wait_first_poll(&self) -> Instant {
        for _ in 0..2000 {
            if let Some(t) = self.first_poll() {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        panic!("the function never polled");
    }
}

async fn serve(
    conn: TcpStream,
    queue: Arc<tokio::sync::Mutex<mpsc::UnboundedReceiver<Invocation>>>,
    shared: Arc<Shared>,
    ids: Arc<Mutex<u64>>,
) {
    let mut conn = BufReader::new(conn);
    loop {
        let mut request_line = String::new();
        match conn.read_line(&mut request_line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut parts = request_line.split_whitespace();
        let (method, path) = (
            parts.next().unwrap_or("").to_owned(),
            parts.next().unwrap_or("").to_owned(),
        );
        let mut length = 0usize;
        let mut chunked = false;
        loop {
            let mut line = String::new();
            if conn.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                match k.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = v.trim().parse().unwrap_or(0),
                    "transfer-encoding" => chunked = v.trim().eq_ignore_ascii_case("chunked"),
                    _ => {}
                }
            }
        }
        let body = if chunked {
            read_chunked(&mut conn).await
        } else {
            let mut body = vec![0; length];
            if conn.read_exact(&mut body).await.is_err() {
                return;
            }
            body
        };
        let (status, headers, out) = if method == "GET"
            && path == "/2018-06-01/runtime/invocation/next"
        {
            shared
                .first_poll
                .lock()
                .unwrap()
                .get_or_insert_with(Instant::now);
            let Some(inv) = queue.lock().await.recv().await else {
                return;
            };
            let id = {
                let mut n = ids.lock().unwrap();
                *n += 1;
                format!("req-{n}")
            };
            shared.pending.lock().unwrap().insert(id.clone(), inv.reply);
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 15_000;
            (
                "200 OK",
                format!(
                    "Lambda-Runtime-Aws-Request-Id: {id}\r\nLambda-Runtime-Deadline-Ms: {deadline}\r\n\
                     Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:test\r\n\
                     Lambda-Runtime-Trace-Id: Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1\r\n\
                     Content-Type: application/json\r\n"
                ),
                inv.payload,
            )
        } else if method == "POST" && path.starts_with("/2018-06-01/runtime/invocation/") {
            let rest = &path["/2018-06-01/runtime/invocation/".len()..];
            let (id, kind) = rest.split_once('/').unwrap_or((rest, ""));
            let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let outcome = if kind == "error" {
                Outcome::Error(value)
            } else {
                Outcome::Response(value)
            };
            if let Some(reply) = shared.pending.lock().unwrap().remove(id) {
                let _ = reply.send(outcome);
            }
            (
                "202 Accepted",
                String::new(),
                b"{\"status\":\"OK\"}".to_vec(),
            )
        } else if method == "POST" && path == "/2018-06-01/runtime/init/error" {
            *shared.init_error.lock().unwrap() = Some(String::from_utf8_lossy(&body).into_owned());
            (
                "202 Accepted",
                String::new(),
                b"{\"status\":\"OK\"}".to_vec(),
            )
        } else {
            ("404 Not Found", String::new(), b"{}".to_vec())
        };
        let head = format!(
            "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\n\r\n",
            out.len()
        );
        let stream = conn.get_mut();
        if stream.write_all(head.as_bytes()).await.is_err() || stream.write_all(&out).await.is_err()
        {
            return;
        }
    }
}

async fn read_chunked(conn: &mut BufReader<TcpStream>) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        if conn.read_line(&mut size).await.unwrap_or(0) == 0 {
            return body;
        }
        let n =
            usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
        let mut chunk = vec![0; n + 2];
        if conn.read_exact(&mut chunk).await.is_err() {
            return body;
        }
        if n == 0 {
            return body;
        }
        body.extend_from_slice(&chunk[..n]);
    }
}

/// A function binary running against a runtime API; killed on drop.
pub struct Function {
    pub api: RuntimeApi,
    pub child: tokio::process::Child,
    pub started: Instant,
}

impl Function {
    /// Starts `bin` (`CARGO_BIN_EXE_*`) with the moto environment plus `env`.
    pub async fn start(bin: &str, env: &[(&str, &str)]) -> Self {
        let api = RuntimeApi::start().await;
        let mut cmd = tokio::process::Command::new(bin);
        cmd.env("AWS_LAMBDA_RUNTIME_API", api.addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "test")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/test")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::null())
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let started = Instant::now();
        let child = cmd.spawn().expect("start the function binary");
        Self {
            api,
            child,
            started,
        }
    }

    pub async fn invoke(&self, payload: &Value) -> Outcome {
        self.api.invoke(payload).await
    }

    /// Peak resident set size so far, from /proc (Linux).
    pub fn peak_rss_kb(&self) -> Option<u64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    }
}

/// The moto endpoint, required: the test script exports it. Missing = failure, not a skip.
pub fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL").expect(
        "AWS_ENDPOINT_URL is not set: run these tests through scripts/test.d/30-lambda-moto.sh, which starts moto",
    )
}

/// The tests' own client for moto: set-up calls (CreateTable, ...) get generous limits, as a
/// loaded 2-core machine can make moto take seconds (a CreateTable timed out at the
/// functions' 3 s once in CI); the functions under test keep theirs.
pub async fn sdk() -> aws_config::SdkConfig {
    endpoint();
    journey_attribution_aws::config::sdk_config_with(TEST_SDK_LIMITS).await
}

pub const TEST_SDK_LIMITS: journey_attribution_aws::SdkLimits =
    journey_attribution_aws::SdkLimits {
        max_attempts: 3,
        connect: std::time::Duration::from_secs(5),
        attempt: std::time::Duration::from_secs(30),
        operation: std::time::Duration::from_secs(90),
    };

/// The fixtures, and the tables as the SAM template creates them (each test file uses some).
#[allow(unused_imports)]
pub use journey_attribution_test_support::fixtures::json as fixture;
#[allow(unused_imports)]
pub use journey_attribution_test_support::tables::{
    attribution as create_table, ledger as create_ledger_table, unique,
};

pub async fn get_item(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    username: &str,
) -> Option<journey_attribution_lambda::core::Attribution> {
    let out = client
        .get_item()
        .table_name(table)
        .key(
            "username",
            aws_sdk_dynamodb::types::AttributeValue::S(username.into()),
        )
        .consistent_read(true)
        .send()
        .await
        .expect("get item");
    out.item().map(|i| {
        journey_attribution_lambda::table::item::from_item(
            &journey_attribution_aws::dynamodb::from_sdk(i),
        )
        .expect("a readable item")
    })
}

/// Creates a user pool with the `campaign` custom attribute and the given users.
pub async fn create_pool(
    client: &aws_sdk_cognitoidentityprovider::Client,
    users: &[&str],
) -> String {
    use aws_sdk_cognitoidentityprovider::types::*;
    let pool = client
        .create_user_pool()
        .pool_name(unique("pool"))
        .schema(
            SchemaAttributeType::builder()
                .name("campaign")
                .attribute_data_type(AttributeDataType::String)
                .mutable(true)
                .string_attribute_constraints(
                    StringAttributeConstraintsType::builder()
                        .max_length("2048")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("create user pool on moto");
    let id = pool
        .user_pool()
        .and_then(|p| p.id())
        .expect("pool id")
        .to_owned();
    for u in users {
        client
            .admin_create_user()
            .user_pool_id(&id)
            .username(*u)
            .send()
            .await
            .expect("create user");
    }
    id
}

pub async fn campaign_attribute(
    client: &aws_sdk_cognitoidentityprovider::Client,
    pool: &str,
    user: &str,
) -> Option<String> {
    let out = client
        .admin_get_user()
        .user_pool_id(pool)
        .username(user)
        .send()
        .await
        .expect("admin get user");
    out.user_attributes()
        .iter()
        .find(|a| a.name() == "custom:campaign")
        .and_then(|a| a.value())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The stream records DynamoDB would deliver for these users' current items (INSERTs).
pub async fn insert_records(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    users: &[&str],
) -> Value {
    let mut records = Vec::new();
    for (i, user) in users.iter().enumerate() {
        let a = get_item(client, table, user)
            .await
            .unwrap_or_else(|| panic!("no item for {user}"));
        let change = journey_attribution_lambda::core::StreamChange {
            kind: journey_attribution_lambda::core::ChangeKind::Insert,
            ttl_delete: false,
            old_image: None,
            new_image: Some(Ok(a.clone())),
        };
        records.push(journey_attribution_lambda::memory::stream_record(
            &change,
            &format!("{:021}", (i + 1) * 100),
        ));
    }
    serde_json::json!({ "Records": records })
}

/// Creates the failure queue as the SAM template does; returns its URL.
pub async fn create_queue(sdk: &aws_config::SdkConfig) -> String {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let out = sqs
        .create_queue()
        .queue_name(unique("sync-failures"))
        .send()
        .await
        .expect("create queue on moto");
    out.queue_url().expect("queue url").to_owned()
}

/// Every message on the queue (moto delivers them at once), as JSON.
pub async fn queue_messages(sdk: &aws_config::SdkConfig, url: &str) -> Vec<Value> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let mut all = Vec::new();
    loop {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("receive");
        let messages = out.messages();
        if messages.is_empty() {
            return all;
        }
        for m in messages {
            all.push(serde_json::from_str(m.body().unwrap_or("null")).expect("JSON body"));
            sqs.delete_message()
                .queue_url(url)
                .set_receipt_handle(m.receipt_handle().map(str::to_owned))
                .send()
                .await
                .expect("delete");
        }
    }
}

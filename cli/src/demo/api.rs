//! The demo's HTTP API and static files.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::{Mutex, MutexGuard};

use super::holdout::{self, HoldoutRequest};
use super::world::{JourneyRequest, RecordRequest, ReportRequest, World};

#[derive(Debug)]
struct App {
    world: Mutex<World>,
    web_dir: PathBuf,
    npm_dir: PathBuf,
}

type Shared = State<Arc<App>>;

impl App {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs one of the handlers' futures to completion on this worker thread. The
    /// handlers' futures are not `Send` (they borrow the stores across awaits), which is
    /// fine in Lambda's single-invocation runtime and here, one request at a time.
    fn with_world<T>(&self, f: impl AsyncFnOnce(&mut World) -> T) -> T {
        tokio::task::block_in_place(|| {
            let mut world = self.world();
            tokio::runtime::Handle::current().block_on(f(&mut world))
        })
    }
}

pub fn router(web_dir: PathBuf, npm_dir: PathBuf, addr: SocketAddr) -> Router {
    let app = Arc::new(App {
        world: Mutex::new(World::new()),
        web_dir,
        npm_dir,
    });
    Router::new()
        .route("/api/state", get(state))
        .route("/api/journey", post(journey))
        .route("/api/clock", post(clock))
        .route("/api/ttl-sweep", post(ttl_sweep))
        .route("/api/session", get(session))
        .route("/api/events", post(record).get(events))
        .route("/api/report", post(report))
        .route("/api/reset", post(reset))
        .route("/api/link", post(link))
        .route("/api/holdout", post(holdout_run))
        .fallback(get(static_file))
        .with_state(app)
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| async move {
                match foreign_origin(req.headers(), addr) {
                    Some(why) => (StatusCode::FORBIDDEN, why).into_response(),
                    None => next.run(req).await,
                }
            },
        ))
}

/// Why a request does not come from the demo's own page, if it does not. Binding to
/// 127.0.0.1 is not enough: a page the visitor opens elsewhere can point its own host name
/// at 127.0.0.1 (DNS rebinding) and then drive this API as same-origin, so the `Host` must
/// be this address and port, and an `Origin`, when the browser sends one, this origin.
fn foreign_origin(headers: &axum::http::HeaderMap, addr: SocketAddr) -> Option<String> {
    let port = addr.port();
    let hosts = [format!("127.0.0.1:{port}"), format!("localhost:{port}")];
    let ours = |value: &str| hosts.iter().any(|h| h.eq_ignore_ascii_case(value));
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if !host.is_some_and(ours) {
        return Some(format!(
            "refused: Host {:?} is not this demo's http://{addr}/",
            host.unwrap_or("")
        ));
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or("");
        if !origin.strip_prefix("http://").is_some_and(ours) {
            return Some(format!(
                "refused: Origin {origin:?} is not this demo's http://{addr}"
            ));
        }
    }
    None
}

async fn state(State(app): Shared) -> Json<Value> {
    Json(app.world().state())
}

async fn journey(State(app): Shared, Json(req): Json<JourneyRequest>) -> Response {
    let body = app.with_world(async |world| {
        world
            .journey(&req)
            .await
            .map(|step| json!({"step": step, "state": world.state()}))
    });
    match body {
        Ok(body) => Json(body).into_response(),
        Err(e) => bad_request(&e),
    }
}

#[derive(Debug, Deserialize)]
struct Advance {
    advance_ms: i64,
}

async fn clock(State(app): Shared, Json(req): Json<Advance>) -> Json<Value> {
    let mut world = app.world();
    world.advance(req.advance_ms);
    Json(world.state())
}

async fn ttl_sweep(State(app): Shared) -> Json<Value> {
    Json(app.with_world(async |world| {
        let step = world.sweep_ttl().await;
        json!({"step": step, "state": world.state()})
    }))
}

#[derive(Debug, Deserialize)]
struct SessionQuery {
    username: String,
}

/// A stand-in for Amplify's `fetchAuthSession()`: the ID token's payload carries
/// `custom:campaign` as Cognito would put it there (when the app client may read it).
async fn session(State(app): Shared, Query(q): Query<SessionQuery>) -> Json<Value> {
    let world = app.world();
    let mut payload = json!({"cognito:username": q.username, "token_use": "id"});
    if let Some(v) = world.campaign_attribute(&q.username) {
        payload[world.campaign_claim()] = Value::String(v);
    }
    Json(json!({"now_ms": world.now_ms, "tokens": {"idToken": {"payload": payload}}}))
}

async fn record(State(app): Shared, Json(req): Json<RecordRequest>) -> Json<Value> {
    Json(app.world().record(&req))
}

async fn events(State(app): Shared) -> Response {
    let body = app.world().events().join("\n");
    ([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response()
}

async fn report(State(app): Shared, Json(req): Json<ReportRequest>) -> Response {
    match app.world().report(req) {
        Ok(r) => Json(r).into_response(),
        Err(e) => bad_request(&e.to_string()),
    }
}

#[derive(Debug, Deserialize)]
struct LinkRequest {
    journey_id: String,
    label: String,
    #[serde(default)]
    application_id: String,
    url: String,
}

/// The journey's message link, as `journey-attribution link` prints it (both forms).
async fn link(Json(req): Json<LinkRequest>) -> Response {
    let link = journey_attribution_core::landing::Link {
        application_id: req.application_id,
        journey_id: req.journey_id,
        label: req.label,
    };
    match crate::link::decorate(&req.url, &link, crate::link::Form::Both, "email") {
        Ok(url) => Json(json!({ "url": url })).into_response(),
        Err(e) => bad_request(&e.to_string()),
    }
}

/// The holdout panel: a campaign over simulated users of their own (the visitor's world is
/// left alone), measured by the report's attributed and lift rows.
async fn holdout_run(req: Result<Json<HoldoutRequest>, JsonRejection>) -> Response {
    // axum's rejection names the field of a value of the wrong type (`users: invalid
    // type…`); answered as every other refusal, `{"error"}`.
    let Json(req) = match req {
        Ok(req) => req,
        Err(e) => return bad_request(&e.body_text()),
    };
    // The handlers' futures are not `Send`: run them on this worker thread, as `with_world`.
    let run = tokio::task::block_in_place(|| {
        tokio::runtime::Handle::current().block_on(holdout::simulate(&req))
    });
    match run {
        Ok(run) => Json(run).into_response(),
        Err(e) => bad_request(&e.to_string()),
    }
}

async fn reset(State(app): Shared) -> Json<Value> {
    let mut world = app.world();
    *world = World::new();
    Json(world.state())
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
}

/// `/pkg/...` from the npm package, everything else from the page's folder.
async fn static_file(State(app): Shared, uri: axum::http::Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let (root, rel) = match path.strip_prefix("pkg/") {
        Some(rest) => (&app.npm_dir, rest),
        None if path.is_empty() => (&app.web_dir, "index.html"),
        None => (&app.web_dir, path),
    };
    let Some(file) = safe_join(root, rel) else {
        return (StatusCode::BAD_REQUEST, "bad path").into_response();
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&file))], bytes).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// Joins without letting `..` escape the root.
fn safe_join(root: &Path, rel: &str) -> Option<PathBuf> {
    let rel = Path::new(rel);
    rel.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| root.join(rel))
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("wasm") => "application/wasm",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_escape_the_root() {
        let root = Path::new("/srv");
        assert_eq!(
            safe_join(root, "a/b.js"),
            Some(PathBuf::from("/srv/a/b.js"))
        );
        assert_eq!(safe_join(root, "../etc/passwd"), None);
        assert_eq!(safe_join(root, "/etc/passwd"), None);
    }

    /// DNS rebinding: a page elsewhere reaches 127.0.0.1 under its own host name. Over real
    /// HTTP: a foreign Host or Origin is refused, the demo's own are served.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[allow(clippy::unwrap_used)]
    async fn requests_from_another_host_or_origin_are_refused() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let dir = std::env::temp_dir();
        let app = router(dir.clone(), dir, addr);
        tokio::spawn(async move { axum::serve(listener, app).await });
        let get = |host: String, origin: Option<String>| async move {
            let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
            let origin = origin.map_or(String::new(), |o| format!("Origin: {o}\r\n"));
            let req = format!(
                "POST /api/reset HTTP/1.1\r\nHost: {host}\r\n{origin}Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
            );
            conn.write_all(req.as_bytes()).await.unwrap();
            let mut out = String::new();
            conn.read_to_string(&mut out).await.unwrap();
            out
        };
        let port = addr.port();
        for (host, origin) in [
            (format!("attacker.example:{port}"), None),
            ("127.0.0.1".to_owned(), None),
            (
                format!("127.0.0.1:{port}"),
                Some("http://attacker.example".to_owned()),
            ),
            (format!("127.0.0.1:{port}"), Some("null".to_owned())),
        ] {
            let out = get(host.clone(), origin.clone()).await;
            assert!(out.starts_with("HTTP/1.1 403"), "{host} {origin:?}: {out}");
            assert!(out.contains("refused"), "{out}");
        }
        let same = Some(format!("http://127.0.0.1:{port}"));
        for (host, origin) in [
            (format!("127.0.0.1:{port}"), None),
            (format!("localhost:{port}"), None),
            (format!("127.0.0.1:{port}"), same),
        ] {
            let out = get(host.clone(), origin.clone()).await;
            assert!(out.starts_with("HTTP/1.1 200"), "{host} {origin:?}: {out}");
        }
    }

    /// The holdout panel's endpoint over real HTTP: a run answers both the attributed and
    /// the lift figures, with the seed; a run over the cap is refused naming the field.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[allow(clippy::unwrap_used)]
    async fn the_holdout_endpoint_runs_a_campaign_and_refuses_too_many_users() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let dir = std::env::temp_dir();
        let app = router(dir.clone(), dir, addr);
        tokio::spawn(async move { axum::serve(listener, app).await });
        let post = |body: String| async move {
            let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
            let req = format!(
                "POST /api/holdout HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            conn.write_all(req.as_bytes()).await.unwrap();
            let mut out = String::new();
            conn.read_to_string(&mut out).await.unwrap();
            let (head, body) = out.split_once("\r\n\r\n").unwrap();
            (
                head.to_owned(),
                serde_json::from_str::<Value>(body).unwrap(),
            )
        };
        let (head, run) = post(
            json!({"users": 3000, "holdout_percent": "20", "baseline_percent": 4, "uplift_points": 2, "seed": 42})
                .to_string(),
        )
        .await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert_eq!(run["seed"], 42);
        let lift = &run["lift"];
        assert_eq!(
            lift["treatment_users"].as_u64().unwrap() + lift["control_users"].as_u64().unwrap(),
            3000
        );
        let attributed = run["attributed"]["revenue"].as_f64().unwrap();
        let incremental = lift["incremental_revenue"].as_f64().unwrap();
        assert!(attributed > incremental, "{run}");
        assert!(
            lift["rate_difference_ci"]
                .as_array()
                .is_some_and(|ci| ci.len() == 2)
        );
        assert!(lift["conclusive"].is_boolean());
        assert_eq!(
            run["attributed"]["converted_users"],
            lift["treatment_converted"]
        );

        let (head, err) = post(json!({"users": 1_000_000}).to_string()).await;
        assert!(head.starts_with("HTTP/1.1 400"), "{head}");
        assert!(
            err["error"]
                .as_str()
                .unwrap()
                .starts_with("users: 1000000 is outside"),
            "{err}"
        );
        let (head, err) = post(json!({"users": "many"}).to_string()).await;
        assert!(head.starts_with("HTTP/1.1 400"), "{head}");
        assert!(err["error"].as_str().unwrap().contains("users"), "{err}");
        let (_, err) = post(json!({"holdout": 10}).to_string()).await;
        assert!(
            err["error"]
                .as_str()
                .unwrap()
                .contains("unknown field `holdout`"),
            "{err}"
        );
    }
}

//! `/api/v1/health/ready`: `200 ready` while the database, the upstream and this process's job
//! workers answer; `200 degraded` while only the upstream fails (every replica shares it: a
//! load balancer must not take them all out); `503 not_ready` while the database (its file
//! gone) or the workers (none, or stalled) fail, and `200` again once they are back. The body
//! says only ok, degraded or down per part: why is in the log, under the request's id.
//! `/health` stays plain liveness.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api};

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use common::{TestApp, TestResponse};
use serde_json::{Value, json};

async fn ready(app: &TestApp) -> (StatusCode, Value) {
    let answer = app.get(&api(paths::HEALTH_READY), None).await;
    (answer.status, answer.json())
}

/// Each part's name and status, in order.
fn parts(body: &Value) -> Value {
    Value::Array(
        body["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| json!([c["name"], c["status"]]))
            .collect(),
    )
}

/// Starts this process's job workers and waits for their first sign of life.
async fn with_workers(app: &TestApp) -> tokio::task::JoinSet<()> {
    let workers = server::jobs::spawn_workers(&app.state, 1);
    while app.state.workers.last_beat().is_none() {
        tokio::task::yield_now().await;
    }
    workers
}

async fn stop(app: &TestApp, mut workers: tokio::task::JoinSet<()>) {
    app.state.workers.stop();
    while workers.join_next().await.is_some() {}
}

/// What this thread's code logs while the guard lives (a `#[tokio::test]` runs on one thread).
struct Log(Arc<Mutex<Vec<u8>>>);

impl Log {
    fn capture() -> (Log, tracing::subscriber::DefaultGuard) {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(move || Sink(writer.clone()))
            .finish();
        (Log(buffer), tracing::subscriber::set_default(subscriber))
    }

    /// The lines that carry `request_id`.
    fn lines_of(&self, request_id: &str) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap())
            .lines()
            .filter(|l| l.contains(request_id))
            .map(str::to_owned)
            .collect()
    }
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn request_id(answer: &TestResponse) -> String {
    answer.header("x-request-id").unwrap().to_owned()
}

#[tokio::test]
async fn the_upstream_down_leaves_every_replica_in_service_as_degraded() {
    let app = TestApp::new().await;
    let (status, body) = ready(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "no worker yet");
    assert_eq!(body["status"], "not_ready");
    assert_eq!(
        parts(&body),
        json!([
            ["database", "ok"],
            ["upstream", "ok"],
            ["jobs", "down"],
            ["sealing_key", "ok"]
        ])
    );

    let workers = with_workers(&app).await;
    let (status, body) = ready(&app).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(
        parts(&body),
        json!([
            ["database", "ok"],
            ["upstream", "ok"],
            ["jobs", "ok"],
            ["sealing_key", "ok"]
        ])
    );

    // The upstream goes down: the probe's answer is kept a few seconds, then it shows, but
    // the replica stays in service (sign-in, pages and stored data need no upstream).
    app.sandbox.set_down(true);
    assert_eq!(
        ready(&app).await.1["status"],
        "ready",
        "the probe is reused"
    );
    app.clock.advance(6_000);
    let (status, body) = ready(&app).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "degraded");
    assert_eq!(
        parts(&body),
        json!([
            ["database", "ok"],
            ["upstream", "degraded"],
            ["jobs", "ok"],
            ["sealing_key", "ok"]
        ])
    );
    // A replica behind it has the same upstream: no replica would be left.
    let other = app.replica().await;
    let other_workers = with_workers(&other).await;
    assert_eq!(ready(&other).await.0, StatusCode::OK);
    assert_eq!(ready(&other).await.1["status"], "degraded");
    stop(&other, other_workers).await;
    // Liveness does not follow readiness.
    assert_eq!(
        app.get(&api(paths::HEALTH), None).await.status,
        StatusCode::OK
    );

    app.sandbox.set_down(false);
    app.clock.advance(6_000);
    let (status, body) = ready(&app).await;
    assert_eq!((status, &body["status"]), (StatusCode::OK, &json!("ready")));

    // The workers stop (or hang): once their last sign of life is older than the job lease,
    // this replica cannot do its share.
    stop(&app, workers).await;
    app.clock.advance(31_000);
    let (status, body) = ready(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"], "not_ready");
    assert_eq!(
        parts(&body),
        json!([
            ["database", "ok"],
            ["upstream", "ok"],
            ["jobs", "down"],
            ["sealing_key", "ok"]
        ])
    );
}

#[tokio::test]
async fn why_a_part_fails_is_logged_under_the_request_id_never_answered() {
    let app = TestApp::new().await;
    let workers = with_workers(&app).await;
    app.sandbox.set_down(true);
    app.clock.advance(6_000);
    let (log, _guard) = Log::capture();
    let answer = app.get(&api(paths::HEALTH_READY), None).await;
    assert_eq!(answer.status, StatusCode::OK);
    // Only names and statuses: no reason, no error text of the upstream's.
    let body = answer.text();
    assert!(!body.contains("sandbox is down"), "{body}");
    for check in answer.json()["checks"].as_array().unwrap() {
        let mut keys: Vec<&String> = check.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["name", "status"], "{body}");
    }
    let lines = log.lines_of(&request_id(&answer));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("upstream") && l.contains("sandbox is down")),
        "the reason, under the request's id: {lines:?}"
    );
    stop(&app, workers).await;
}

#[tokio::test]
async fn the_database_file_moved_away_is_down_until_it_is_back_and_its_path_never_shown() {
    let app = TestApp::new().await;
    let workers = with_workers(&app).await;
    let Some(file) = app.db_path.clone() else {
        // PostgreSQL: no file to move; the query alone is the check.
        assert_eq!(ready(&app).await.0, StatusCode::OK);
        stop(&app, workers).await;
        return;
    };
    assert_eq!(ready(&app).await.0, StatusCode::OK);

    let away = file.with_extension("moved");
    std::fs::rename(&file, &away).unwrap();
    let (log, guard) = Log::capture();
    let answer = app.get(&api(paths::HEALTH_READY), None).await;
    drop(guard);
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = answer.json();
    assert_eq!(body["status"], "not_ready");
    assert_eq!(
        parts(&body),
        json!([
            ["database", "down"],
            ["upstream", "ok"],
            ["jobs", "ok"],
            ["sealing_key", "ok"]
        ])
    );
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        !answer.text().contains(&name),
        "the file named to the public"
    );
    let lines = log.lines_of(&request_id(&answer));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("database") && l.contains(&name)),
        "the file, in the log under the request's id: {lines:?}"
    );

    std::fs::rename(&away, &file).unwrap();
    assert_eq!(ready(&app).await.0, StatusCode::OK);
    stop(&app, workers).await;
}

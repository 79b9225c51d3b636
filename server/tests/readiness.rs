//! `/api/v1/health/ready`: 200 while the database, the upstream and this process's job workers
//! answer; 503 naming the part that does not (the database file gone, the upstream down, no
//! worker or a stalled one), and 200 again once it is back. `/health` stays plain liveness.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::Value;

async fn ready(app: &TestApp) -> (StatusCode, Value) {
    let answer = app.get("/api/v1/health/ready", None).await;
    (answer.status, answer.json())
}

fn failing(body: &Value) -> Vec<String> {
    body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

fn detail<'a>(body: &'a Value, name: &str) -> &'a str {
    body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["detail"].as_str())
        .unwrap_or_default()
}

/// Starts this process's job workers and waits for their first sign of life.
async fn with_workers(app: &TestApp) -> tokio::task::JoinSet<()> {
    let workers = server::jobs::spawn_workers(&app.state, 1);
    while app.state.workers.last_beat().is_none() {
        tokio::task::yield_now().await;
    }
    workers
}

#[tokio::test]
async fn ready_while_every_part_answers_and_the_upstream_named_while_it_is_down() {
    let app = TestApp::new().await;
    let (status, body) = ready(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "no worker yet");
    assert_eq!(failing(&body), ["jobs"]);
    assert!(detail(&body, "jobs").contains("no job worker"));

    let mut workers = with_workers(&app).await;
    let (status, body) = ready(&app).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"].as_array().unwrap().len(), 3);

    // The upstream goes down: the probe's answer is kept a few seconds, then it is named.
    app.sandbox.set_down(true);
    assert_eq!(
        ready(&app).await.0,
        StatusCode::OK,
        "the last probe is reused"
    );
    app.clock.advance(6_000);
    let (status, body) = ready(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"], "not_ready");
    assert_eq!(failing(&body), ["upstream"]);
    assert!(detail(&body, "upstream").contains("down"), "{body}");
    // Liveness does not follow readiness.
    assert_eq!(app.get("/api/v1/health", None).await.status, StatusCode::OK);

    app.sandbox.set_down(false);
    app.clock.advance(6_000);
    assert_eq!(ready(&app).await.0, StatusCode::OK);

    // The workers stop (or hang): once their last sign of life is older than the job lease,
    // the replica is not ready.
    app.state.workers.stop();
    while workers.join_next().await.is_some() {}
    app.clock.advance(31_000);
    let (status, body) = ready(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(failing(&body), ["jobs"]);
    assert!(detail(&body, "jobs").contains("sign of life"), "{body}");
}

#[tokio::test]
async fn the_database_file_moved_away_is_named_until_it_is_back() {
    let app = TestApp::new().await;
    let Some(file) = app.db_path.clone() else {
        // PostgreSQL: no file to move; the query alone is the check.
        let mut workers = with_workers(&app).await;
        assert_eq!(ready(&app).await.0, StatusCode::OK);
        app.state.workers.stop();
        while workers.join_next().await.is_some() {}
        return;
    };
    let mut workers = with_workers(&app).await;
    assert_eq!(ready(&app).await.0, StatusCode::OK);

    let away = file.with_extension("moved");
    std::fs::rename(&file, &away).unwrap();
    let (status, body) = ready(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(failing(&body), ["database"]);
    assert!(detail(&body, "database").contains("gone"), "{body}");

    std::fs::rename(&away, &file).unwrap();
    assert_eq!(ready(&app).await.0, StatusCode::OK);
    app.state.workers.stop();
    while workers.join_next().await.is_some() {}
}

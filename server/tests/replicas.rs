//! Several API replicas on one database answer alike: what decides an answer (sessions,
//! wrong passwords, QR tickets, jobs) is stored, never kept in one process.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::json;

const PROVIDER: &str = "100000000001";

#[tokio::test]
async fn a_session_opened_on_one_replica_works_on_the_other_and_ends_on_both() {
    let one = TestApp::new().await;
    let other = one.replica().await;
    let cookie = one.login_as(PROVIDER).await;
    let seen = other.get(&api(paths::SESSION), Some(&cookie)).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.json()["account"]["id"], PROVIDER);
    // Signing out on the other replica ends it for the first as well.
    let out = other
        .request(Method::DELETE, &api(paths::SESSION), None, Some(&cookie))
        .await;
    assert!(out.status.is_success(), "{}", out.status);
    let gone = one.get(&api(paths::PROVIDERS), Some(&cookie)).await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
}

/// The first page of the sub-merchant list.
async fn lists(app: &TestApp, cookie: &str) -> common::TestResponse {
    app.get(
        &format!("{}?page_size=5", api(paths::SUB_MERCHANTS)),
        Some(cookie),
    )
    .await
}

/// The sub-merchant list checks its session in the same statement that reads the page (on
/// PostgreSQL starting from whose session this replica last found the token to be), so the
/// moment a session ends, by signing out on another replica, by the idle clock or with its
/// account, the list is refused here too.
#[tokio::test]
async fn the_list_on_one_replica_ends_with_a_session_ended_anywhere() {
    let one = TestApp::new().await;
    let other = one.replica().await;
    let cookie = one.synced_demo_provider().await;
    for _ in 0..2 {
        let page = lists(&one, &cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        assert!(page.json()["total"].as_u64().unwrap() > 5);
    }
    // Signed out through the other replica.
    let out = other
        .request(Method::DELETE, &api(paths::SESSION), None, Some(&cookie))
        .await;
    assert!(out.status.is_success(), "{}", out.status);
    let gone = lists(&one, &cookie).await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
    assert_eq!(gone.error_code(), "Unauthenticated");
    assert!(gone.json().get("items").is_none());

    // Idle: each list counts as a request, and 30 minutes without one end the session.
    let cookie = one.login_as(PROVIDER).await;
    for _ in 0..3 {
        one.clock.advance(29 * 60 * 1000);
        assert_eq!(lists(&one, &cookie).await.status, StatusCode::OK);
    }
    one.clock.advance(30 * 60 * 1000);
    assert_eq!(lists(&one, &cookie).await.status, StatusCode::UNAUTHORIZED);

    // The account disabled through the other replica.
    let cookie = one.login_as(PROVIDER).await;
    assert_eq!(lists(&one, &cookie).await.status, StatusCode::OK);
    let now = server::clock::Clock::now_ms(&*one.clock);
    other
        .state
        .store
        .disable_account(PROVIDER, now)
        .await
        .unwrap();
    assert_eq!(lists(&one, &cookie).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn wrong_passwords_count_across_replicas() {
    let one = TestApp::new().await;
    let other = one.replica().await;
    let wrong = json!({"account_id": PROVIDER, "password": "not-the-password"});
    for app in [&one, &other, &one, &other] {
        let answer = app
            .request(
                Method::POST,
                &api(paths::SESSION),
                Some(wrong.clone()),
                None,
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    // The fifth locks the account from this address, on both replicas, for the right
    // password too.
    let fifth = one.login(PROVIDER, "not-the-password").await;
    assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(fifth.json()["error"]["reason"], "too_many_login_attempts");
    let locked = other.login(PROVIDER, domain::demo::DEMO_PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_qr_code_asked_for_on_one_replica_is_confirmed_through_the_other() {
    let one = TestApp::new().await;
    let other = one.replica().await;
    let cookie = one.login_as(PROVIDER).await;
    let ticket = one.provider_sync_ticket(&cookie).await;
    let phone = other
        .signed_in_phone(common::SignInWith::Wechat, &ticket, "o_sandbox_admin_1")
        .await
        .unwrap();
    let confirmed = other
        .confirm_on_phone(common::SignInWith::Wechat, &ticket, Some(&phone))
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
    let seen = one
        .get(
            &fill(paths::PROVIDER_SYNC_TICKET, &[&ticket]),
            Some(&cookie),
        )
        .await;
    assert_eq!(seen.json()["state"], "completed");
}

/// PostgreSQL tells every replica when a job is queued: a worker on the other replica, idle
/// and not due to look again for an hour, runs a sync queued here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_queued_on_one_replica_wakes_the_idle_workers_of_another() {
    if !common::on_postgres() {
        eprintln!("skipped: SQLite has no notifications (run with TEST_DATABASE=postgres)");
        return;
    }
    let one = TestApp::with_settings(server::Settings {
        job_idle_poll: std::time::Duration::from_secs(3_600),
        ..Default::default()
    })
    .await;
    let other = one.replica().await;
    let mut workers = server::jobs::spawn_workers(&other.state, 1);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await; // idle, listening
    let cookie = one.login_as(PROVIDER).await;
    one.scan_and_confirm(&cookie, "o_sandbox_admin_1").await;
    let started = one
        .request(
            Method::POST,
            &api(paths::SUB_MERCHANT_SYNCS),
            None,
            Some(&cookie),
        )
        .await;
    let id = started.json()["id"].as_str().unwrap().to_owned();
    let done = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        loop {
            let job = one.get(&fill(paths::JOB, &[&id]), Some(&cookie)).await;
            if job.json()["state"] == "succeeded" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(done.is_ok(), "the other replica's worker ran the sync");
    other.state.workers.stop();
    while workers.join_next().await.is_some() {}
}

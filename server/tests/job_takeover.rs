//! A job whose worker went quiet (its process died mid-job) says that it waits to be taken
//! over by another instance, and when, instead of a frozen ETA; once taken over it no longer
//! does.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use axum::{
    body::Body,
    http::{Method, Request, header},
};
use common::{HOST, ORIGIN, TestApp, TestResponse};
use serde_json::Value;
use server::{
    clock::{Clock, rfc3339},
    jobs,
    store::{Checkpoint, Held, SyncPage},
};

const PROVIDER: &str = "100000000001";

/// `GET /jobs/{id}` as the console polls it, with the tag of its last answer.
async fn poll(app: &TestApp, cookie: &str, id: &str, etag: Option<&str>) -> TestResponse {
    let mut request = Request::builder()
        .method(Method::GET)
        .uri(format!("/api/v1/jobs/{id}"))
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header(header::COOKIE, cookie);
    if let Some(etag) = etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

fn etag(response: &TestResponse) -> String {
    response.header("etag").unwrap().to_owned()
}

#[tokio::test]
async fn a_job_whose_worker_went_quiet_says_when_another_instance_takes_it_over() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    app.scan_and_confirm(&cookie, "o_sandbox_admin_1").await;
    let started = app
        .request(
            Method::POST,
            "/api/v1/sub-merchant-syncs",
            None,
            Some(&cookie),
        )
        .await;
    let id = started.json()["id"].as_str().unwrap().to_owned();
    let store = &app.state.store;
    let lease = jobs::LEASE_MS;

    // A worker claims the job, commits one page, and its process dies.
    let claimed_at = app.clock.now_ms();
    let worker = store
        .claim_job(claimed_at, claimed_at + lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(worker.id, id);
    app.clock.advance(1_000);
    let page_at = app.clock.now_ms();
    let page = store
        .apply_sync_page(&SyncPage {
            claim: worker.claim(),
            account_id: PROVIDER,
            provider_id: "1900000101",
            rows: &[],
            transactions: &[],
            failures: Vec::new(),
            next: Checkpoint {
                provider_index: 0,
                cursor: 1_000,
            },
            provider_done: false,
            now_ms: page_at,
            lease_until_ms: page_at + lease,
        })
        .await
        .unwrap();
    assert_eq!(page, Held::Written(()));

    // Under half its lease quiet, it is only a slow page: nothing to say yet.
    app.clock.advance(lease / 2 - 1_000);
    let slow = poll(&app, &cookie, &id, None).await;
    assert_eq!(slow.status, 200);
    assert_eq!(slow.json()["state"], "running");
    assert_eq!(slow.json()["takeover_at"], Value::Null);
    assert_eq!(slow.json()["takeover_in_s"], Value::Null);

    // Past half of it: the job says when its lease runs out, as a time and as seconds.
    app.clock.advance(6_000);
    let quiet = poll(&app, &cookie, &id, Some(&etag(&slow))).await;
    assert_eq!(
        quiet.status, 200,
        "nothing stored changed, yet the answer did"
    );
    let body = quiet.json();
    assert_eq!(body["state"], "running");
    assert_eq!(body["takeover_at"], rfc3339(page_at + lease).as_str());
    assert_eq!(body["takeover_in_s"], 10);
    // The list says it too.
    let list = app.get("/api/v1/jobs", Some(&cookie)).await.json();
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["takeover_in_s"], 10);
    // The countdown moves between polls; an answer asked again at once is unchanged.
    assert_eq!(
        poll(&app, &cookie, &id, Some(&etag(&quiet))).await.status,
        304
    );
    app.clock.advance(4_500);
    let later = poll(&app, &cookie, &id, Some(&etag(&quiet))).await;
    assert_eq!(later.status, 200);
    assert_eq!(later.json()["takeover_in_s"], 6);

    // Its lease runs out and no worker has looked yet: due now.
    app.clock.advance(6_000);
    let due = poll(&app, &cookie, &id, None).await.json();
    assert_eq!(due["takeover_in_s"], 0);
    assert_eq!(due["takeover_at"], rfc3339(page_at + lease).as_str());

    // Another instance takes it over: it runs again and says nothing of a takeover.
    let now = app.clock.now_ms();
    let next = store.claim_job(now, now + lease).await.unwrap().unwrap();
    assert_eq!(next.id, id);
    let resumed = poll(&app, &cookie, &id, None).await.json();
    assert_eq!(resumed["state"], "running");
    assert_eq!(resumed["takeover_at"], Value::Null);
    assert_eq!(resumed["takeover_in_s"], Value::Null);
}

#[tokio::test]
async fn a_finished_job_never_waits_for_a_takeover() {
    let app = TestApp::new().await;
    let cookie = app.login_as(PROVIDER).await;
    app.scan_and_confirm(&cookie, "o_sandbox_admin_1").await;
    let started = app
        .request(
            Method::POST,
            "/api/v1/sub-merchant-syncs",
            None,
            Some(&cookie),
        )
        .await;
    let id = started.json()["id"].as_str().unwrap().to_owned();
    assert!(jobs::run_next(&app.state, None).await.unwrap());
    app.clock.advance(10 * jobs::LEASE_MS);
    let done = poll(&app, &cookie, &id, None).await.json();
    assert_eq!(done["state"], "succeeded");
    assert_eq!(done["takeover_at"], Value::Null);
    assert_eq!(done["takeover_in_s"], Value::Null);
}

#[tokio::test]
async fn the_api_document_describes_the_takeover() {
    let app = TestApp::new().await;
    let document = app.get("/api/openapi.json", None).await.json();
    let job = &document["components"]["schemas"]["Job"]["properties"];
    assert_eq!(
        job["takeover_at"]["type"],
        serde_json::json!(["string", "null"])
    );
    assert_eq!(
        job["takeover_in_s"]["type"],
        serde_json::json!(["integer", "null"])
    );
    assert_eq!(job["takeover_in_s"]["minimum"], 0);
}

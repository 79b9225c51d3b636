//! Jobs across workers: a claim's fencing token, giving a job back on shutdown, waking an idle
//! worker, one account's jobs never holding every worker, and a job whose worker went quiet
//! (its process died mid-job) saying that it waits to be taken over, and when, instead of a
//! frozen ETA.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap has failed

mod common;

use domain::paths::{self, api, fill};

use std::time::Duration;

use axum::{
    body::Body,
    http::{Method, Request, header},
};
use common::{HOST, ORIGIN, TestApp, TestResponse};
use domain::api::{JobKind, JobState};
use serde_json::{Value, json};
use server::{
    clock::{Clock, rfc3339},
    jobs,
    store::{Checkpoint, Held, JobRecord, NewAuditEvent, SubMerchantRow, SyncPage},
};

const PROVIDER: &str = "100000000001";
const OTHER_PROVIDER: &str = "100000000004";

/// 演示服务商 with its providers synced and a sub-merchant sync queued: the job's ID.
async fn queued_sync(app: &TestApp) -> (String, String) {
    let cookie = app.login_as(PROVIDER).await;
    app.scan_and_confirm(&cookie, "o_sandbox_admin_1").await;
    let started = app
        .request(
            Method::POST,
            &api(paths::SUB_MERCHANT_SYNCS),
            None,
            Some(&cookie),
        )
        .await;
    let id = started.json()["id"].as_str().unwrap().to_owned();
    (cookie, id)
}

async fn job(app: &TestApp, cookie: &str, id: &str) -> serde_json::Value {
    app.get(&fill(paths::JOB, &[&id]), Some(cookie))
        .await
        .json()
}

fn now(app: &TestApp) -> i64 {
    app.clock.now_ms()
}

/// The queued job claimed by a worker that then stops answering, and claimed again by another
/// once the first one's lease has run out: (the paused worker's claim, the current one).
async fn taken_over(app: &TestApp) -> (JobRecord, JobRecord) {
    let store = &app.state.store;
    let lease = jobs::LEASE_MS;
    let paused = store
        .claim_job(now(app), now(app) + lease)
        .await
        .unwrap()
        .unwrap();
    app.clock.advance(lease + 1);
    let current = store
        .claim_job(now(app), now(app) + lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current.id, paused.id);
    (paused, current)
}

#[tokio::test]
async fn a_worker_that_lost_its_lease_writes_nothing_after_another_took_over() {
    let app = TestApp::new().await;
    let (cookie, id) = queued_sync(&app).await;
    let store = &app.state.store;
    let lease = jobs::LEASE_MS;
    let (paused, current) = taken_over(&app).await;
    assert_eq!(current.claim_token, paused.claim_token + 1);

    // The paused worker wakes up and tries to commit the page it had fetched.
    let rows = [SubMerchantRow {
        merchant_id: "1699999999".to_owned(),
        name: "迟到的子商户".to_owned(),
        maidan_opened: false,
    }];
    let late = store
        .apply_sync_page(&SyncPage {
            claim: paused.claim(),
            account_id: PROVIDER,
            provider_id: "1900000101",
            rows: &rows,
            transactions: &[],
            failures: Vec::new(),
            next: Checkpoint {
                provider_index: 9,
                cursor: 9,
            },
            provider_done: true,
            now_ms: now(&app),
            lease_until_ms: now(&app) + lease,
        })
        .await
        .unwrap();
    assert_eq!(late, Held::LeaseLost);
    let t = now(&app);
    assert_eq!(
        store.set_job_total(paused.claim(), 1).await.unwrap(),
        Held::LeaseLost
    );
    assert_eq!(
        store
            .finish_job(paused.claim(), JobState::Failed, Some("late"), t)
            .await
            .unwrap(),
        Held::LeaseLost
    );
    assert_eq!(
        store.release_job(paused.claim(), t).await.unwrap(),
        Held::LeaseLost
    );

    let seen = job(&app, &cookie, &id).await;
    assert_eq!(seen["state"], "running", "the late finish did not land");
    assert_eq!(seen["processed"], 0, "the late page did not land");
    assert_eq!(seen["error"], serde_json::Value::Null);
    let list = app
        .get(
            &format!("{}?q=1699999999", api(paths::SUB_MERCHANTS)),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(list["total"], 0, "nor did its row");
    // The worker that holds the claim writes as before.
    assert_eq!(
        store.set_job_total(current.claim(), 7).await.unwrap(),
        Held::Written(())
    );
}

/// The same fence for a re-attribution: a batch written under a stale claim moves no
/// transaction and no checkpoint (on PostgreSQL a batch is written as two transactions side by
/// side, each checking the claim).
#[tokio::test]
async fn a_re_attribution_batch_under_a_lost_lease_moves_nothing() {
    const SUB_PROVIDER: &str = "100000000002";
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let id = app.first_sub_merchant_id(&cookie).await;
    let moved = app
        .request(
            Method::PUT,
            &fill(paths::SUB_MERCHANT_SUB_PROVIDER, &[&id]),
            Some(json!({ "account_id": SUB_PROVIDER })),
            Some(&cookie),
        )
        .await;
    assert_eq!(moved.status, 202, "{}", moved.text());
    let job_id = moved.json()["id"].as_str().unwrap().to_owned();
    let store = &app.state.store;
    let lease = jobs::LEASE_MS;
    let (paused, current) = taken_over(&app).await;
    assert_eq!(paused.id, job_id);
    let attributed = || async {
        app.get(
            &format!(
                "{}?sub_provider_account_id={SUB_PROVIDER}",
                api(paths::TRANSACTIONS)
            ),
            Some(&cookie),
        )
        .await
        .json()["total"]
            .as_u64()
            .unwrap()
    };

    let t = now(&app);
    let late = store
        .reattribute_batch(paused.claim(), id, 0, 10_000, t + lease, t)
        .await
        .unwrap();
    assert_eq!(late, Held::LeaseLost);
    assert_eq!(attributed().await, 0, "no transaction moved");
    assert_eq!(job(&app, &cookie, &job_id).await["processed"], 0);

    // The worker that holds the claim moves them, in batches of three (each written as a
    // half of two and a half of one, side by side on PostgreSQL), every one exactly once.
    let history = store.count_transactions_of(id).await.unwrap();
    assert!(history > 3, "a history of several batches: {history}");
    let mut after = 0;
    let mut batches = 0;
    while let Held::Written(Some(last)) = store
        .reattribute_batch(current.claim(), id, after, 3, t + lease, t)
        .await
        .unwrap()
    {
        assert!(last > after);
        after = last;
        batches += 1;
    }
    assert_eq!(batches, history.div_ceil(3));
    assert_eq!(attributed().await, history);
    assert_eq!(job(&app, &cookie, &job_id).await["processed"], history);
}

#[tokio::test]
async fn a_stopping_worker_gives_its_job_back_and_the_next_resumes_at_once() {
    let app = TestApp::new().await;
    let (cookie, id) = queued_sync(&app).await;
    // Shutdown was asked for: the worker commits the page it is on and stops there.
    app.state.workers.stop();
    assert!(jobs::run_next(&app.state, None).await.unwrap());
    let stopped = job(&app, &cookie, &id).await;
    assert_eq!(stopped["state"], "running");
    assert_eq!(stopped["processed"], 1_000, "one page, committed");
    // No waiting for the lease: the next worker (here, the next process) takes it now.
    let next = app
        .state
        .store
        .claim_job(now(&app), now(&app) + jobs::LEASE_MS)
        .await
        .unwrap()
        .expect("claimable at once");
    assert_eq!(next.id, id);
    assert_eq!(
        next.checkpoint.unwrap().cursor,
        1_000,
        "from the last committed page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queueing_a_job_wakes_an_idle_worker() {
    // Without a wake-up, an idle worker would not look again within this test.
    let settings = server::Settings {
        job_idle_poll: Duration::from_secs(3_600),
        ..Default::default()
    };
    let app = TestApp::with_settings(settings).await;
    let mut workers = jobs::spawn_workers(&app.state, 1);
    tokio::time::sleep(Duration::from_millis(200)).await; // it found nothing and sleeps
    let (cookie, id) = queued_sync(&app).await;
    let finished = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if job(&app, &cookie, &id).await["state"] == "succeeded" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(finished.is_ok(), "the queued sync ran without a poll");
    app.state.workers.stop();
    while workers.join_next().await.is_some() {}
}

#[tokio::test]
async fn one_accounts_jobs_wait_for_each_other_and_not_for_other_accounts() {
    let app = TestApp::new().await;
    let store = &app.state.store;
    // 演示服务商 (synced once) queues a sync, then a second job; another provider account
    // queues one later.
    let cookie = app.synced_demo_provider().await;
    let t = now(&app);
    let first = store
        .start_job(
            "job_a1",
            JobKind::SubMerchantSync,
            &NewAuditEvent::sub_merchant_sync(PROVIDER, "job_a1", t),
        )
        .await
        .unwrap();
    app.clock.advance(1);
    let sub_merchant = app.first_sub_merchant_id(&cookie).await;
    let moved = app
        .request(
            Method::PUT,
            &fill(paths::SUB_MERCHANT_SUB_PROVIDER, &[&sub_merchant]),
            Some(json!({ "account_id": "100000000002" })),
            Some(&cookie),
        )
        .await;
    let second = moved.json()["id"].as_str().unwrap().to_owned();
    app.clock.advance(1);
    let other = store
        .start_job(
            "job_b1",
            JobKind::SubMerchantSync,
            &NewAuditEvent::sub_merchant_sync(OTHER_PROVIDER, "job_b1", now(&app)),
        )
        .await
        .unwrap();

    let lease = now(&app) + jobs::LEASE_MS;
    let claimed = store.claim_job(now(&app), lease).await.unwrap().unwrap();
    assert_eq!(claimed.id, first.id, "the oldest first");
    let claimed = store.claim_job(now(&app), lease).await.unwrap().unwrap();
    assert_eq!(
        claimed.id, other.id,
        "the other account's job, not the same account's second"
    );
    assert!(store.claim_job(now(&app), lease).await.unwrap().is_none());
    // The account's second job runs once its first is done.
    let t = now(&app);
    let done = store
        .finish_job(first.claim(), JobState::Succeeded, None, t)
        .await
        .unwrap();
    assert_eq!(
        done,
        Held::LeaseLost,
        "the record read before the claim holds no claim"
    );
    let running = store.job(PROVIDER, &first.id).await.unwrap().unwrap();
    let done = store
        .finish_job(running.claim(), JobState::Succeeded, None, t)
        .await
        .unwrap();
    assert_eq!(done, Held::Written(()));
    let claimed = store.claim_job(now(&app), lease).await.unwrap().unwrap();
    assert_eq!(claimed.id, second);
}

/// `GET /jobs/{id}` as the console polls it, with the tag of its last answer.
async fn poll(app: &TestApp, cookie: &str, id: &str, etag: Option<&str>) -> TestResponse {
    let mut request = Request::builder()
        .method(Method::GET)
        .uri(fill(paths::JOB, &[&id]))
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
    let (cookie, id) = queued_sync(&app).await;
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
    let list = app.get(&api(paths::JOBS), Some(&cookie)).await.json();
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
    let (cookie, id) = queued_sync(&app).await;
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

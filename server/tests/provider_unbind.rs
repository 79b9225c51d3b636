//! 解绑 and the record a sync leaves: a provider synced by mistake leaves the account with its
//! sub-merchants once its ID is typed again; the last sub-merchant sync stays readable, with
//! who asked for it, after it ended.

mod common;

use domain::paths::{self, api, fill};

use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::{Value, json};

const PROVIDER: &str = "100000000001";
/// Another provider account; it owns 1900000103.
const OTHER: &str = "100000000004";

async fn unbind(
    app: &TestApp,
    cookie: &str,
    provider_id: &str,
    confirm: &str,
) -> common::TestResponse {
    app.request(
        Method::DELETE,
        &fill(paths::PROVIDER, &[&provider_id]),
        Some(json!({ "confirm": confirm })),
        Some(cookie),
    )
    .await
}

async fn total_of(app: &TestApp, cookie: &str, query: &str) -> u64 {
    app.get(
        &format!("{}?{query}", api(paths::SUB_MERCHANTS)),
        Some(cookie),
    )
    .await
    .json()["total"]
        .as_u64()
        .expect("a list total")
}

fn actions(audit: &Value) -> Vec<String> {
    audit["items"]
        .as_array()
        .expect("audit events")
        .iter()
        .map(|e| e["action"].as_str().expect("an action").to_owned())
        .collect()
}

#[tokio::test]
async fn the_last_sub_merchant_sync_stays_readable_with_who_asked_and_each_row_says_when() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;

    // A reload asks for the account's syncs: the finished one is there with its result.
    let jobs = app
        .get(
            &format!("{}?kind=sub_merchant_sync", api(paths::JOBS)),
            Some(&cookie),
        )
        .await
        .json();
    let last = &jobs[0];
    assert_eq!(last["state"], "succeeded");
    assert_eq!(last["requested_by"], PROVIDER);
    assert!(last["finished_at"].is_string());
    assert_eq!(last["counts"]["new"], last["processed"]);

    // Each provider says its sub-merchants were synced, when the sync got through them.
    let providers = app.get(&api(paths::PROVIDERS), Some(&cookie)).await.json();
    for provider in providers["items"].as_array().unwrap() {
        let done = provider["sub_merchants_synced_at"].as_str().unwrap();
        assert!(done >= last["created_at"].as_str().unwrap(), "{provider}");
    }

    // Each row says when a sync last brought it.
    let row = app.first_sub_merchant(&cookie).await;
    assert_eq!(row["synced_at"], last["created_at"]);

    // 操作记录 names both syncs: the providers' scan and the sub-merchants' job.
    let audit = app
        .get(&api(paths::AUDIT_EVENTS), Some(&cookie))
        .await
        .json();
    assert_eq!(
        actions(&audit),
        ["sub_merchants.sync.started", "providers.synced"]
    );
    assert_eq!(
        audit["items"][0]["target"],
        format!("job/{}", last["id"].as_str().unwrap())
    );
}

#[tokio::test]
async fn unbinding_takes_the_provider_and_its_sub_merchants_out_of_the_account() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;
    let all = total_of(&app, &cookie, "").await;
    let its = total_of(&app, &cookie, "provider_id=1900000102").await;
    assert!(its > 0 && its < all);
    let gone = app
        .get(
            &format!(
                "{}?provider_id=1900000102&page_size=1",
                api(paths::SUB_MERCHANTS)
            ),
            Some(&cookie),
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();

    // Mistyped: nothing happens, and the field says what to type.
    let mistyped = unbind(&app, &cookie, "1900000102", "190000010").await;
    assert_eq!(mistyped.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = &mistyped.json()["error"];
    assert_eq!(
        error["fields"]["confirm"]["rule"],
        json!({"kind": "typed_confirmation", "expected": "1900000102"})
    );
    assert!(
        error["fields"]["confirm"]["message"]
            .as_str()
            .unwrap()
            .contains("1900000102")
    );
    assert_eq!(total_of(&app, &cookie, "").await, all);

    let unbound = unbind(&app, &cookie, "1900000102", " 1900000102 ").await;
    assert_eq!(unbound.status, StatusCode::NO_CONTENT, "{}", unbound.text());
    let providers = app.get(&api(paths::PROVIDERS), Some(&cookie)).await.json();
    assert_eq!(providers["total"], 1);
    assert_eq!(providers["items"][0]["provider_id"], "1900000101");
    assert_eq!(total_of(&app, &cookie, "").await, all - its);
    assert_eq!(total_of(&app, &cookie, "provider_id=1900000102").await, 0);
    let detail = app
        .get(&fill(paths::SUB_MERCHANT, &[&gone]), Some(&cookie))
        .await;
    assert_eq!(detail.status, StatusCode::NOT_FOUND);
    let transactions = app
        .get(
            &format!("{}?page_size=100", api(paths::TRANSACTIONS)),
            Some(&cookie),
        )
        .await
        .json();
    assert!(
        transactions["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["sub_merchant_id"] != gone)
    );
    let audit = app
        .get(&api(paths::AUDIT_EVENTS), Some(&cookie))
        .await
        .json();
    assert_eq!(audit["items"][0]["action"], "provider.unbound");
    assert_eq!(audit["items"][0]["target"], "provider/1900000102");
    assert_eq!(audit["items"][0]["actor"], PROVIDER);

    // Unbound twice: it is not the account's any more.
    let again = unbind(&app, &cookie, "1900000102", "1900000102").await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    // The next scan binds it again, as new: its sub-merchants wait for the next sync, and
    // the provider list says so.
    app.scan_and_confirm(&cookie, "o_sandbox_admin_1").await;
    let providers = app.get(&api(paths::PROVIDERS), Some(&cookie)).await.json();
    assert_eq!(providers["total"], 2);
    assert_eq!(providers["items"][0]["provider_id"], "1900000101");
    assert!(providers["items"][0]["sub_merchants_synced_at"].is_string());
    assert_eq!(providers["items"][1]["provider_id"], "1900000102");
    assert!(providers["items"][1]["sub_merchants_synced_at"].is_null());
}

#[tokio::test]
async fn another_accounts_provider_is_not_found_and_a_running_job_holds_the_unbinding() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;

    // 1900000103 is another account's: not found, whatever is typed.
    let theirs = unbind(&app, &cookie, "1900000103", "1900000103").await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let other = app.login_as(OTHER).await;
    assert_eq!(
        app.get(&api(paths::PROVIDERS), Some(&other)).await.json()["total"],
        1
    );
    // Nor can the other account unbind this one's.
    let mine = unbind(&app, &other, "1900000101", "1900000101").await;
    assert_eq!(mine.status, StatusCode::NOT_FOUND);

    // A re-attribution queued in the account: the unbinding waits for it.
    let id = app.first_sub_merchant_id(&cookie).await;
    let moved = app
        .request(
            Method::PUT,
            &fill(paths::SUB_MERCHANT_SUB_PROVIDER, &[&id]),
            Some(json!({ "account_id": "100000000002" })),
            Some(&cookie),
        )
        .await;
    assert_eq!(moved.status, StatusCode::ACCEPTED);
    let held = unbind(&app, &cookie, "1900000101", "1900000101").await;
    assert_eq!(held.status, StatusCode::CONFLICT);
    assert_eq!(held.error_code(), "JobRunning");
    while server::jobs::run_next(&app.state, None).await.unwrap() {}
    let unbound = unbind(&app, &cookie, "1900000101", "1900000101").await;
    assert_eq!(unbound.status, StatusCode::NO_CONTENT);
}

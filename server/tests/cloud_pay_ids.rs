//! Cloud Pay's own IDs, what a cash register is configured with: 云支付服务商 ID (`out_mch_id`)
//! and 云支付子商户 ID (`out_sub_mch_id`). Assigned once when a row is first synced, never
//! changed by a re-sync, unique in the account.

mod common;

use domain::paths::{self, api, fill};

use std::collections::{BTreeMap, BTreeSet};

use axum::http::{Method, StatusCode};
use common::TestApp;

const PROVIDER: &str = "100000000001";

async fn out_ids(app: &TestApp) -> BTreeMap<String, String> {
    let merchants: Vec<String> = app
        .db
        .values(
            "SELECT merchant_id FROM sub_merchants WHERE account_id = ? ORDER BY merchant_id",
            &[PROVIDER.into()],
        )
        .await;
    let ids: Vec<String> = app
        .db
        .values(
            "SELECT out_sub_mch_id FROM sub_merchants WHERE account_id = ? ORDER BY merchant_id",
            &[PROVIDER.into()],
        )
        .await;
    merchants.into_iter().zip(ids).collect()
}

async fn provider_ids(app: &TestApp, cookie: &str) -> BTreeMap<String, String> {
    let list = app.get(&api(paths::PROVIDERS), Some(cookie)).await.json();
    list["items"]
        .as_array()
        .expect("providers")
        .iter()
        .map(|p| {
            (
                p["provider_id"].as_str().expect("provider ID").to_owned(),
                p["out_mch_id"].as_str().expect("out_mch_id").to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn cloud_pay_ids_are_assigned_once_stable_across_a_resync_and_unique() {
    let app = TestApp::new().await;
    let cookie = app.synced_demo_provider().await;

    let first = out_ids(&app).await;
    assert_eq!(first.len(), 2_100);
    let distinct: BTreeSet<_> = first.values().collect();
    assert_eq!(distinct.len(), first.len(), "unique in the account");
    for id in first.values() {
        assert!(domain::rules::cloud_pay_id(id).is_ok(), "{id}");
        assert!(id.starts_with("sm"), "{id}");
    }
    let providers = provider_ids(&app, &cookie).await;
    assert_eq!(providers.len(), 2);
    assert!(
        providers
            .values()
            .all(|id| id.len() <= 32 && id.starts_with("sp"))
    );
    assert_ne!(providers["1900000101"], providers["1900000102"]);

    // The list and the detail carry both IDs.
    let row = app.first_sub_merchant(&cookie).await;
    assert_eq!(
        row["out_sub_mch_id"],
        first[row["merchant_id"].as_str().unwrap()]
    );
    assert_eq!(
        row["out_mch_id"],
        providers[row["provider_id"].as_str().unwrap()]
    );
    let detail = app
        .get(
            &fill(paths::PROVIDER, &[&row["provider_id"].as_str().unwrap()]),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(detail["out_mch_id"], row["out_mch_id"]);

    // A re-sync of providers and sub-merchants changes none of them.
    app.scan_and_confirm(&cookie, "o_sandbox_admin_1").await;
    app.clock.advance(120_000);
    let again = app
        .request(
            Method::POST,
            &api(paths::SUB_MERCHANT_SYNCS),
            None,
            Some(&cookie),
        )
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.text());
    while server::jobs::run_next(&app.state, None).await.unwrap() {}
    let job = app
        .get(
            &format!("{}?kind=sub_merchant_sync", api(paths::JOBS)),
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(job[0]["counts"]["unchanged"], 2_100);
    assert_eq!(out_ids(&app).await, first);
    assert_eq!(provider_ids(&app, &cookie).await, providers);
}
